"""Metric definitions: creating, changing and deleting a product's metrics and KPIs."""

from __future__ import annotations

from itertools import pairwise

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q

from metrics import conditions
from metrics.models import (
    Metric,
    MetricKind,
    Rollup,
    TargetDirection,
)
from metrics.series_cache import series_changed
from metrics.services.events import dirty_days_mark
from pmhub.audit import audit_record, diff_fields
from pmhub.errors import ApplicationError
from pmhub.models import Product

METRIC_FIELDS = (
    "key",
    "name",
    "description",
    "kind",
    "event",
    "value_property",
    "window_days",
    "retention_weeks",
    "percentile",
    "filters",
    "steps",
    "conversion_window_hours",
    "numerator",
    "denominator",
    "unit",
    "target",
    "target_direction",
    "warning_threshold",
    "bad_threshold",
    "owner",
)


def _check_kpi(product: Product, merged: dict) -> None:
    """Thresholds must be ordered the way the metric gets worse; the owner must be a member."""
    direction = merged.get("target_direction") or TargetDirection.INCREASE
    if direction not in TargetDirection.values:
        raise ApplicationError("Choose increase or decrease.", field="target_direction")
    levels = [(name, merged.get(name)) for name in ("bad_threshold", "warning_threshold", "target")]
    given = [(name, value) for name, value in levels if value is not None]
    for (low_name, low), (high_name, high) in pairwise(given):
        if (low > high) if direction == TargetDirection.INCREASE else (low < high):
            word = "above" if direction == TargetDirection.INCREASE else "below"
            raise ApplicationError(
                f"{low_name} must not be {word} {high_name} when {direction} is better.",
                field=low_name,
            )
    owner = merged.get("owner")
    if owner is not None and not product.workspace.memberships.filter(user=owner).exists():
        raise ApplicationError("The owner must be a member of this workspace.", field="owner")


def _check_metric(product: Product, fields: dict, instance: Metric | None = None) -> None:
    """Refuse a definition that can't be computed, naming the field."""
    from django.utils.text import slugify

    merged = {name: getattr(instance, name) for name in METRIC_FIELDS} if instance else {}
    merged.update(fields)
    _check_kpi(product, merged)
    key = merged.get("key") or ""
    if not key or slugify(key) != key.lower() or len(key) > 60:
        raise ApplicationError("Use letters, digits, - and _ (at most 60).", field="key")
    clash = Metric.objects.filter(product=product, key=key)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ApplicationError(f"This product already has a metric {key!r}.", field="key")
    if not (merged.get("name") or "").strip():
        raise ApplicationError("Give the metric a name.", field="name")
    if "filters" in fields:
        fields["filters"] = conditions.validate(fields["filters"])
    kind = merged.get("kind")
    if kind not in MetricKind.values:
        raise ApplicationError(f"Unknown kind {kind!r}.", field="kind")
    if kind == MetricKind.ACTIVE_USERS and not 1 <= (merged.get("window_days") or 0) <= 365:
        raise ApplicationError("Active users need a window of 1 to 365 days.", field="window_days")
    needs_value = (MetricKind.SUM, MetricKind.AVERAGE, MetricKind.PERCENTILE, MetricKind.NPS)
    if kind in needs_value and not merged.get("value_property"):
        raise ApplicationError("Say which numeric property to read.", field="value_property")
    if kind == MetricKind.PERCENTILE and not 1 <= (merged.get("percentile") or 0) <= 99:
        raise ApplicationError("Choose a percentile from 1 to 99.", field="percentile")
    if kind == MetricKind.FUNNEL:
        steps = merged.get("steps")
        if (
            not isinstance(steps, list)
            or not 2 <= len(steps) <= 10
            or not all(isinstance(s, str) and 0 < len(s) <= 200 for s in steps)
        ):
            raise ApplicationError("A funnel needs 2 to 10 event names, in order.", field="steps")
        if not 1 <= (merged.get("conversion_window_hours") or 0) <= 2160:
            raise ApplicationError(
                "Give a conversion window of 1 to 2160 hours.", field="conversion_window_hours"
            )
    if kind == MetricKind.RETENTION and not 1 <= (merged.get("retention_weeks") or 0) <= 52:
        raise ApplicationError("Retention looks 1 to 52 weeks ahead.", field="retention_weeks")
    if kind == MetricKind.RATIO:
        for part in ("numerator", "denominator"):
            other = merged.get(part)
            if other is None:
                raise ApplicationError(f"A ratio needs a {part} metric.", field=part)
            if other.product_id != product.pk:
                raise ApplicationError(f"The {part} must be a metric of this product.", field=part)
            if other.kind == MetricKind.RATIO:
                raise ApplicationError(f"The {part} can't itself be a ratio.", field=part)


def _mark_all_days_dirty(product: Product) -> None:
    """A new or changed definition needs its values for every day the product has data."""
    days = Rollup.objects.filter(product=product, source="any").values_list("day", flat=True)
    dirty_days_mark(product, set(days))
    if days:
        from metrics.tasks import request_recompute

        transaction.on_commit(lambda: request_recompute(product.pk))


@transaction.atomic
def metric_create(*, product: Product, actor: User, **fields) -> Metric:
    """Define a metric of ``product`` and schedule its values; records ``metric.created``."""
    unknown = set(fields) - set(METRIC_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown field {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    fields.setdefault("retention_weeks", 1)
    _check_metric(product, fields)
    metric = Metric.objects.create(product=product, **fields)
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="metric.created",
        target=metric,
        product=product,
    )
    _mark_all_days_dirty(product)
    series_changed(product.pk)
    return metric


@transaction.atomic
def metric_update(*, metric: Metric, actor: User, **fields) -> Metric:
    """Change a definition and schedule new values; records ``metric.updated``."""
    _check_metric(metric.product, fields, instance=metric)
    changes = diff_fields(metric, fields)
    if changes:
        for name, value in fields.items():
            setattr(metric, name, value)
        metric.save()
        audit_record(
            workspace=metric.product.workspace,
            actor=actor,
            action="metric.updated",
            target=metric,
            product=metric.product,
            changes=changes,
        )
        _mark_all_days_dirty(metric.product)
        series_changed(metric.product_id)
    return metric


@transaction.atomic
def metric_delete(*, metric: Metric, actor: User) -> None:
    """Delete a definition and its points; refused while a ratio divides by it."""
    users = Metric.objects.filter(Q(numerator=metric) | Q(denominator=metric)).first()
    if users is not None:
        raise ApplicationError(
            f"{users.key!r} is computed from this metric; change it first.", field="key"
        )
    audit_record(
        workspace=metric.product.workspace,
        actor=actor,
        action="metric.deleted",
        target=metric,
        product=metric.product,
    )
    metric.delete()
    series_changed(metric.product_id)
