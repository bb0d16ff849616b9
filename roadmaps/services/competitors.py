"""Competitors of a product and the feature comparison matrix (features × competitors)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.writes import (
    change_and_audit,
    check_title,
    delete_and_audit,
    reject_unknown,
)
from roadmaps.models import Competitor, CompetitorFeature, FeatureSupport, Support

COMPETITOR_FIELDS = ("name", "website", "notes", "market_share", "position")
FEATURE_FIELDS = ("name", "ours", "position")
_url_ok = URLValidator(schemes=["http", "https"])


def _check_competitor(competitor: Competitor) -> None:
    check_title(competitor.name, "competitor", field="name")
    if competitor.website:
        try:
            _url_ok(competitor.website)
        except ValidationError:
            raise ApplicationError("Give an http(s) address.", field="website") from None
    share = competitor.market_share
    if share is not None:
        try:
            share = Decimal(str(share))
        except InvalidOperation:
            raise ApplicationError("Market share is a percentage.", field="market_share") from None
        if not Decimal(0) <= share <= Decimal(100):
            raise ApplicationError("Market share is a percentage, 0 to 100.", field="market_share")
        competitor.market_share = share.quantize(Decimal("0.01"))
    clash = Competitor.objects.filter(product=competitor.product_id, name__iexact=competitor.name)
    if clash.exclude(pk=competitor.pk).exists():
        raise ApplicationError(
            "This product already lists a competitor of that name.", field="name"
        )


@transaction.atomic
def competitor_create(*, product: Product, actor: User, **fields: Any) -> Competitor:
    """Add a competitor (a column of the matrix) to ``product``; records ``competitor.created``."""
    reject_unknown(fields, COMPETITOR_FIELDS)
    fields.setdefault("position", product.competitors.count())
    return change_and_audit(
        Competitor(product=product, **fields),
        actor,
        {},
        check=_check_competitor,
        action="competitor.created",
        workspace=product.workspace,
        product=product,
    )


@transaction.atomic
def competitor_update(*, competitor: Competitor, actor: User, **fields: Any) -> Competitor:
    """Change ``fields`` of ``competitor``; records ``competitor.updated``."""
    reject_unknown(fields, COMPETITOR_FIELDS)
    return change_and_audit(
        competitor,
        actor,
        fields,
        check=_check_competitor,
        action="competitor.updated",
        workspace=competitor.product.workspace,
        product=competitor.product,
    )


@transaction.atomic
def competitor_delete(*, competitor: Competitor, actor: User) -> None:
    """Remove ``competitor`` and its column of the matrix; records ``competitor.deleted``."""
    delete_and_audit(
        competitor,
        actor,
        action="competitor.deleted",
        workspace=competitor.product.workspace,
        product=competitor.product,
    )


def _check_level(level: Any, field: str) -> None:
    if level not in Support.values:
        raise ApplicationError(f"Choose one of {', '.join(Support.values)}.", field=field)


def _check_feature(feature: CompetitorFeature) -> None:
    check_title(feature.name, "feature", field="name")
    _check_level(feature.ours, "ours")
    clash = CompetitorFeature.objects.filter(product=feature.product_id, name__iexact=feature.name)
    if clash.exclude(pk=feature.pk).exists():
        raise ApplicationError("The matrix already has a feature of that name.", field="name")


@transaction.atomic
def feature_create(*, product: Product, actor: User, **fields: Any) -> CompetitorFeature:
    """Add a feature (a row of the matrix) to ``product``.

    Records ``competitor_feature.created``.
    """
    reject_unknown(fields, FEATURE_FIELDS)
    fields.setdefault("position", product.competitor_features.count())
    return change_and_audit(
        CompetitorFeature(product=product, **fields),
        actor,
        {},
        check=_check_feature,
        action="competitor_feature.created",
        workspace=product.workspace,
        product=product,
    )


@transaction.atomic
def feature_update(*, feature: CompetitorFeature, actor: User, **fields: Any) -> CompetitorFeature:
    """Change ``fields`` of ``feature``; records ``competitor_feature.updated``."""
    reject_unknown(fields, FEATURE_FIELDS)
    return change_and_audit(
        feature,
        actor,
        fields,
        check=_check_feature,
        action="competitor_feature.updated",
        workspace=feature.product.workspace,
        product=feature.product,
    )


@transaction.atomic
def feature_delete(*, feature: CompetitorFeature, actor: User) -> None:
    """Remove ``feature`` and its row of the matrix; records ``competitor_feature.deleted``."""
    delete_and_audit(
        feature,
        actor,
        action="competitor_feature.deleted",
        workspace=feature.product.workspace,
        product=feature.product,
    )


@transaction.atomic
def feature_support_set(
    *, feature: CompetitorFeature, competitor: Competitor, actor: User, level: str
) -> FeatureSupport:
    """Set how far ``competitor`` has ``feature`` (one cell of the matrix, written in place);
    records ``competitor.matrix_changed``."""
    if competitor.product_id != feature.product_id:
        raise ApplicationError("Pick a competitor of the feature's product.", field="competitor")
    _check_level(level, "level")
    cell, _ = FeatureSupport.objects.get_or_create(feature=feature, competitor=competitor)
    if cell.level != level:
        audit_record(
            workspace=competitor.product.workspace,
            actor=actor,
            action="competitor.matrix_changed",
            target=competitor,
            product=competitor.product,
            changes={feature.name: [cell.level, level]},
        )
        cell.level = level
        cell.save(update_fields=["level"])
    return cell
