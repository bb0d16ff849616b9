"""Sprints: plan, start (committing its points), close (sending unfinished work back to the
backlog or on to the next sprint), review and retrospective notes."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from backlog.models import CLOSED_STATUSES, Item, Sprint, SprintStatus, Status
from backlog.services.items import item_update
from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.writes import change_and_audit, check_title, delete_and_audit, reject_unknown

SPRINT_FIELDS = (
    "name",
    "goal",
    "starts_on",
    "ends_on",
    "capacity",
    "review",
    "went_well",
    "to_improve",
    "actions",
)


def _check_sprint(sprint: Sprint) -> None:
    check_title(sprint.name, "sprint", field="name")
    for field in ("starts_on", "ends_on"):
        if not isinstance(getattr(sprint, field), date):
            raise ApplicationError("Give the date (YYYY-MM-DD).", field=field)
    if sprint.ends_on < sprint.starts_on:
        raise ApplicationError("The sprint must end on or after its start.", field="ends_on")
    if (sprint.ends_on - sprint.starts_on).days > 62:
        raise ApplicationError("A sprint lasts at most two months.", field="ends_on")
    capacity = sprint.capacity
    if capacity is not None and (
        not isinstance(capacity, (int, float)) or isinstance(capacity, bool) or capacity < 0
    ):
        raise ApplicationError("Capacity is a number of story points, 0 or more.", field="capacity")
    clash = Sprint.objects.filter(product=sprint.product_id, name__iexact=sprint.name.strip())
    if clash.exclude(pk=sprint.pk).exists():
        raise ApplicationError("This product already has a sprint of that name.", field="name")


@transaction.atomic
def sprint_create(*, product: Product, actor: User, **fields: Any) -> Sprint:
    """Plan a sprint of ``product``. Records ``sprint.created``."""
    reject_unknown(fields, SPRINT_FIELDS)
    return change_and_audit(
        Sprint(product=product, **fields),
        actor,
        {},
        check=_check_sprint,
        action="sprint.created",
        workspace=product.workspace,
        product=product,
    )


@transaction.atomic
def sprint_update(*, sprint: Sprint, actor: User, **fields: Any) -> Sprint:
    """Change ``fields`` of ``sprint`` (its notes too, after it closed). Records
    ``sprint.updated``."""
    reject_unknown(fields, SPRINT_FIELDS)
    return change_and_audit(
        sprint,
        actor,
        fields,
        check=_check_sprint,
        action="sprint.updated",
        workspace=sprint.product.workspace,
        product=sprint.product,
    )


def open_points(sprint: Sprint) -> float:
    """Story points of the sprint's items that are not done or dropped."""
    total = (
        Item.objects.filter(sprint=sprint)
        .exclude(status__in=CLOSED_STATUSES)
        .aggregate(points=Sum("estimate"))["points"]
    )
    return float(total or 0)


@transaction.atomic
def sprint_start(*, sprint: Sprint, actor: User) -> Sprint:
    """Start ``sprint``: it becomes the product's active sprint and records the points it
    commits to. Only one sprint of a product is active. Records ``sprint.started``."""
    if sprint.status != SprintStatus.PLANNED:
        raise ApplicationError("Only a planned sprint can start.", field="status")
    active = Sprint.objects.select_for_update().filter(
        product=sprint.product_id, status=SprintStatus.ACTIVE
    )
    if active.exists():
        raise ApplicationError(
            f"Close {active.first()} first: a product runs one sprint at a time.", field="status"
        )
    sprint.committed_points = open_points(sprint)
    return change_and_audit(
        sprint,
        actor,
        {"status": SprintStatus.ACTIVE, "started_at": timezone.now()},
        check=_check_sprint,
        action="sprint.started",
        workspace=sprint.product.workspace,
        product=sprint.product,
    )


@transaction.atomic
def sprint_close(*, sprint: Sprint, actor: User, move_to: Sprint | None = None) -> Sprint:
    """Close the active ``sprint``: its completed points are recorded (velocity) and each
    unfinished item goes to ``move_to`` (a planned sprint of the product) or back to the
    backlog. Records ``sprint.closed``."""
    if sprint.status != SprintStatus.ACTIVE:
        raise ApplicationError("Only the active sprint can close.", field="status")
    if move_to is not None and (
        move_to.product_id != sprint.product_id or move_to.status != SprintStatus.PLANNED
    ):
        raise ApplicationError("Move unfinished work to a planned sprint.", field="move_to")
    for item in Item.objects.filter(sprint=sprint).exclude(status__in=CLOSED_STATUSES):
        item_update(item=item, actor=actor, sprint=move_to)  # before it closes: then they stay
    done = Item.objects.filter(sprint=sprint, status=Status.DONE).aggregate(p=Sum("estimate"))["p"]
    sprint.completed_points = float(done or 0)
    sprint.status, sprint.closed_at = SprintStatus.CLOSED, timezone.now()
    sprint.save(update_fields=["completed_points", "status", "closed_at"])
    audit_record(
        workspace=sprint.product.workspace,
        actor=actor,
        action="sprint.closed",
        target=sprint,
        product=sprint.product,
        changes={"completed_points": [None, sprint.completed_points]},
    )
    return sprint


@transaction.atomic
def sprint_delete(*, sprint: Sprint, actor: User) -> None:
    """Delete a sprint that has not started; its items go back to the backlog."""
    if sprint.status != SprintStatus.PLANNED:
        raise ApplicationError("Only a planned sprint can be deleted.", field="status")
    for item in Item.objects.filter(sprint=sprint):
        item_update(item=item, actor=actor, sprint=None)
    delete_and_audit(
        sprint,
        actor,
        action="sprint.deleted",
        workspace=sprint.product.workspace,
        product=sprint.product,
    )
