"""Releases and milestones, their launch checklists, and shipping (which marks the metrics
charts of the key results the release's initiatives serve, for the impact review)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from metrics.services.annotations import annotation_create
from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.writes import (
    change_and_audit,
    check_owner,
    check_title,
    delete_and_audit,
    reject_unknown,
)
from roadmaps.models import ChecklistItem, Initiative, KeyResult, Release, ReleaseStatus

RELEASE_FIELDS = ("name", "target_date", "status", "notes", "is_milestone")
CHECKLIST_FIELDS = ("title", "owner", "due_on", "position")


def _check_release(release: Release) -> None:
    check_title(release.name, "release", field="name")
    if not isinstance(release.target_date, date):
        raise ApplicationError("Give the target date.", field="target_date")
    if release.status not in ReleaseStatus.values:
        raise ApplicationError(f"Choose one of {', '.join(ReleaseStatus.values)}.", field="status")
    clash = Release.objects.filter(product=release.product_id, name__iexact=release.name.strip())
    if clash.exclude(pk=release.pk).exists():
        raise ApplicationError("This product already has a release of that name.", field="name")


@transaction.atomic
def release_create(
    *,
    product: Product,
    actor: User,
    initiatives: list[Initiative] | None = None,
    **fields: Any,
) -> Release:
    """Plan a release of ``product`` carrying ``initiatives``; records ``release.created``.

    Created as shipped, it ships once it carries them (so its charts notes reach their metrics).
    """
    reject_unknown(fields, RELEASE_FIELDS)
    shipping = fields.get("status") == ReleaseStatus.SHIPPED
    if shipping:
        fields["status"] = ReleaseStatus.PLANNED
    release = change_and_audit(
        Release(product=product, **fields),
        actor,
        {},
        check=_check_release,
        action="release.created",
        workspace=product.workspace,
        product=product,
    )
    if initiatives is not None:
        release_set_initiatives(release=release, actor=actor, initiatives=initiatives)
    return release_ship(release=release, actor=actor) if shipping else release


@transaction.atomic
def release_update(
    *,
    release: Release,
    actor: User,
    initiatives: list[Initiative] | None = None,
    **fields: Any,
) -> Release:
    """Change ``fields`` of ``release`` and what it carries; records ``release.updated``.

    Setting the status to shipped ships it (``release_ship``), after the initiatives are set.
    """
    reject_unknown(fields, RELEASE_FIELDS)
    shipping = (
        fields.get("status") == ReleaseStatus.SHIPPED and release.status != ReleaseStatus.SHIPPED
    )
    if shipping:
        fields.pop("status")
    if initiatives is not None:
        release_set_initiatives(release=release, actor=actor, initiatives=initiatives)
    change_and_audit(
        release,
        actor,
        fields,
        check=_check_release,
        action="release.updated",
        workspace=release.product.workspace,
        product=release.product,
    )
    return release_ship(release=release, actor=actor) if shipping else release


def release_metrics_products(release: Release) -> list[Product]:
    """The products whose charts a shipped ``release`` is noted on: its own, and those of the
    metrics measuring the key results its initiatives serve."""
    metric_products = (
        KeyResult.objects.filter(objective__initiatives__releases=release, metric__isnull=False)
        .values_list("metric__product_id", flat=True)
        .distinct()
    )
    ids = {release.product_id, *metric_products}
    return list(Product.objects.filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def release_ship(
    *, release: Release, actor: User | None, shipped_on: date | None = None
) -> Release:
    """Mark ``release`` shipped on ``shipped_on`` (today by default) and note it on the charts of
    ``release_metrics_products``. Shipping a shipped release changes nothing.

    Records ``release.shipped``.
    """
    if release.status == ReleaseStatus.SHIPPED:
        return release
    if release.status == ReleaseStatus.CANCELLED:
        raise ApplicationError("A cancelled release cannot ship; re-plan it first.", field="status")
    shipped_on = shipped_on or timezone.localdate()
    if not isinstance(shipped_on, date):
        raise ApplicationError("Give the day it shipped.", field="shipped_on")
    release.status, release.shipped_on = ReleaseStatus.SHIPPED, shipped_on
    release.save(update_fields=["status", "shipped_on"])
    for product in release_metrics_products(release):
        annotation_create(
            product=product,
            actor=actor,
            day=shipped_on,
            text=f"Shipped {release.name}"[:200],
            source="roadmaps",
        )
    audit_record(
        workspace=release.product.workspace,
        actor=actor,
        action="release.shipped",
        target=release,
        product=release.product,
        changes={"status": [None, ReleaseStatus.SHIPPED], "shipped_on": [None, str(shipped_on)]},
    )
    return release


@transaction.atomic
def release_set_initiatives(
    *, release: Release, actor: User, initiatives: list[Initiative]
) -> Release:
    """Make ``initiatives`` (of the release's product) the ones ``release`` carries; records
    ``release.updated``."""
    if any(initiative.product_id != release.product_id for initiative in initiatives):
        raise ApplicationError("Pick initiatives of the release's product.", field="initiatives")
    before = sorted(i.title for i in release.initiatives.all())
    release.initiatives.set(initiatives)
    after = sorted(i.title for i in initiatives)
    if before != after:
        audit_record(
            workspace=release.product.workspace,
            actor=actor,
            action="release.updated",
            target=release,
            product=release.product,
            changes={"initiatives": [", ".join(before), ", ".join(after)]},
        )
    return release


@transaction.atomic
def release_delete(*, release: Release, actor: User) -> None:
    """Delete ``release`` and its checklist; records ``release.deleted``."""
    delete_and_audit(
        release,
        actor,
        action="release.deleted",
        workspace=release.product.workspace,
        product=release.product,
    )


# --- Launch checklist -----------------------------------------------------------------------------


def _check_item(item: ChecklistItem) -> None:
    check_title(item.title, "checklist item")
    if item.due_on is not None and not isinstance(item.due_on, date):
        raise ApplicationError("Give a date, or none.", field="due_on")
    check_owner(item.release.product.workspace, item.owner)


@transaction.atomic
def checklist_item_create(*, release: Release, actor: User, **fields: Any) -> ChecklistItem:
    """Add an item at the end of ``release``'s launch checklist.

    Records ``checklist_item.created``.
    """
    reject_unknown(fields, CHECKLIST_FIELDS)
    fields.setdefault("position", release.checklist.count())
    return change_and_audit(
        ChecklistItem(release=release, **fields),
        actor,
        {},
        check=_check_item,
        action="checklist_item.created",
        workspace=release.product.workspace,
        product=release.product,
    )


@transaction.atomic
def checklist_item_update(*, item: ChecklistItem, actor: User, **fields: Any) -> ChecklistItem:
    """Change ``fields`` of ``item``; records ``checklist_item.updated``."""
    reject_unknown(fields, CHECKLIST_FIELDS)
    return change_and_audit(
        item,
        actor,
        fields,
        check=_check_item,
        action="checklist_item.updated",
        workspace=item.release.product.workspace,
        product=item.release.product,
    )


@transaction.atomic
def checklist_item_set_done(*, item: ChecklistItem, actor: User, done: bool) -> ChecklistItem:
    """Tick (or untick) ``item``; records ``checklist_item.done`` or ``checklist_item.reopened``."""
    if not isinstance(done, bool):
        raise ApplicationError("Done is true or false.", field="done")
    if item.done == done:
        return item
    item.done, item.done_at = done, timezone.now() if done else None
    item.save(update_fields=["done", "done_at"])
    audit_record(
        workspace=item.release.product.workspace,
        actor=actor,
        action="checklist_item.done" if done else "checklist_item.reopened",
        target=item,
        product=item.release.product,
    )
    return item


@transaction.atomic
def checklist_item_delete(*, item: ChecklistItem, actor: User) -> None:
    """Remove ``item`` from its checklist; records ``checklist_item.deleted``."""
    delete_and_audit(
        item,
        actor,
        action="checklist_item.deleted",
        workspace=item.release.product.workspace,
        product=item.release.product,
    )
