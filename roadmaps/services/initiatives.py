"""Initiatives: create, change, move on the board (one row written), depend on each other."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.ranking import rank_between
from pmhub.writes import (
    change_and_audit,
    check_owner,
    delete_and_audit,
    reject_unknown,
)
from roadmaps.models import Horizon, Initiative, InitiativeStatus, Objective

INITIATIVE_FIELDS = (
    "title",
    "description",
    "status",
    "horizon",
    "starts_on",
    "ends_on",
    "owner",
    "theme",
    "confidence",
)


def _check_initiative(initiative: Initiative) -> None:
    if not initiative.title.strip():
        raise ApplicationError("Give the initiative a title.", field="title")
    if initiative.status not in InitiativeStatus.values:
        raise ApplicationError(
            f"Choose one of {', '.join(InitiativeStatus.values)}.", field="status"
        )
    if initiative.horizon not in Horizon.values:
        raise ApplicationError("Choose now, next or later.", field="horizon")
    starts, ends = initiative.starts_on, initiative.ends_on
    if starts is not None and ends is not None and ends < starts:
        raise ApplicationError("The initiative must end on or after its start.", field="ends_on")
    confidence = initiative.confidence
    if confidence is not None and not 0 <= confidence <= 100:
        raise ApplicationError("Confidence is a percentage, 0 to 100.", field="confidence")
    if initiative.theme is not None and initiative.theme.product_id != initiative.product_id:
        raise ApplicationError("Pick a theme of the initiative's product.", field="theme")
    check_owner(initiative.product.workspace, initiative.owner)


def _last_rank(product: Product, horizon: str) -> str | None:
    return (
        Initiative.objects.filter(product=product, horizon=horizon)
        .order_by("-rank")
        .values_list("rank", flat=True)
        .first()
    )


@transaction.atomic
def initiative_create(
    *,
    product: Product,
    actor: User,
    objectives: list[Objective] | None = None,
    **fields: Any,
) -> Initiative:
    """Add an initiative at the bottom of its horizon, serving ``objectives``; records
    ``initiative.created``."""
    reject_unknown(fields, INITIATIVE_FIELDS)
    initiative = Initiative(product=product, **fields)
    initiative.rank = rank_between(_last_rank(product, initiative.horizon), None)
    change_and_audit(
        initiative,
        actor,
        {},
        check=_check_initiative,
        action="initiative.created",
        workspace=product.workspace,
        product=product,
    )
    if objectives is not None:
        initiative_set_objectives(initiative=initiative, actor=actor, objectives=objectives)
    return initiative


@transaction.atomic
def initiative_update(
    *,
    initiative: Initiative,
    actor: User,
    objectives: list[Objective] | None = None,
    **fields: Any,
) -> Initiative:
    """Change ``fields`` of ``initiative`` (and the ``objectives`` it serves, when given);
    records ``initiative.updated`` with what changed. All or nothing."""
    reject_unknown(fields, tuple(name for name in INITIATIVE_FIELDS if name != "horizon"))
    change_and_audit(
        initiative,
        actor,
        fields,
        check=_check_initiative,
        action="initiative.updated",
        workspace=initiative.product.workspace,
        product=initiative.product,
    )
    if objectives is not None:
        initiative_set_objectives(initiative=initiative, actor=actor, objectives=objectives)
    return initiative


@transaction.atomic
def initiative_move(
    *, initiative: Initiative, actor: User, horizon: str, before: Initiative | None = None
) -> Initiative:
    """Put ``initiative`` in ``horizon`` just above ``before`` (None: at the bottom).

    Writes one row, the initiative's own: its new rank is a key between its new neighbours.
    Records ``initiative.moved``.
    """
    if horizon not in Horizon.values:
        raise ApplicationError("Choose now, next or later.", field="horizon")
    column = Initiative.objects.filter(product=initiative.product_id, horizon=horizon).exclude(
        pk=initiative.pk
    )
    if before is not None:
        if before.product_id != initiative.product_id or before.horizon != horizon:
            raise ApplicationError("Drop it next to an initiative of that column.", field="before")
        above = column.filter(rank__lt=before.rank).order_by("-rank").values_list("rank", flat=True)
        new_rank = rank_between(above.first(), before.rank)
    else:
        new_rank = rank_between(
            column.order_by("-rank").values_list("rank", flat=True).first(), None
        )
    changes = {"horizon": [initiative.horizon, horizon]} if initiative.horizon != horizon else {}
    Initiative.objects.filter(pk=initiative.pk).update(horizon=horizon, rank=new_rank)
    initiative.horizon, initiative.rank = horizon, new_rank
    audit_record(
        workspace=initiative.product.workspace,
        actor=actor,
        action="initiative.moved",
        target=initiative,
        product=initiative.product,
        changes=changes,
    )
    return initiative


@transaction.atomic
def initiative_depend(*, initiative: Initiative, actor: User, depends_on: Initiative) -> None:
    """Record that ``initiative`` depends on ``depends_on``; a cycle is refused.

    Records ``initiative.dependency_added``.
    """
    if depends_on.product.workspace_id != initiative.product.workspace_id:
        raise ApplicationError("No initiative of this workspace has this id.", field="depends_on")
    # Walk what ``depends_on`` depends on, transitively: reaching ``initiative`` closes a loop.
    edges: dict[int, list[int]] = {}
    for source, target in Initiative.depends_on.through.objects.filter(
        from_initiative__product__workspace=initiative.product.workspace_id
    ).values_list("from_initiative_id", "to_initiative_id"):
        edges.setdefault(source, []).append(target)
    seen, frontier = set(), [depends_on.pk]
    while frontier:
        current = frontier.pop()
        if current == initiative.pk:
            raise ApplicationError(
                f"“{depends_on.title}” already depends on “{initiative.title}”, directly or "
                "through others: the dependency would be a cycle.",
                field="depends_on",
            )
        if current not in seen:
            seen.add(current)
            frontier.extend(edges.get(current, ()))
    initiative.depends_on.add(depends_on)
    audit_record(
        workspace=initiative.product.workspace,
        actor=actor,
        action="initiative.dependency_added",
        target=initiative,
        product=initiative.product,
        changes={"depends_on": [None, depends_on.title]},
    )


@transaction.atomic
def initiative_undepend(*, initiative: Initiative, actor: User, depends_on: Initiative) -> None:
    """Drop the dependency of ``initiative`` on ``depends_on``; records
    ``initiative.dependency_removed`` (nothing when there was none)."""
    removed, _ = Initiative.depends_on.through.objects.filter(
        from_initiative=initiative, to_initiative=depends_on
    ).delete()
    if removed:
        audit_record(
            workspace=initiative.product.workspace,
            actor=actor,
            action="initiative.dependency_removed",
            target=initiative,
            product=initiative.product,
            changes={"depends_on": [depends_on.title, None]},
        )


@transaction.atomic
def initiative_set_objectives(
    *, initiative: Initiative, actor: User, objectives: list[Objective]
) -> Initiative:
    """Make ``objectives`` the ones ``initiative`` serves (of its product or the company);
    records ``initiative.updated``."""
    for objective in objectives:
        if (
            objective.workspace_id != initiative.product.workspace_id
            or objective.product_id
            not in (
                None,
                initiative.product_id,
            )
        ):
            raise ApplicationError(
                "Pick objectives of the initiative's product or of the company.",
                field="objectives",
            )
    before = sorted(o.title for o in initiative.objectives.all())
    initiative.objectives.set(objectives)
    after = sorted(o.title for o in objectives)
    if before != after:
        audit_record(
            workspace=initiative.product.workspace,
            actor=actor,
            action="initiative.updated",
            target=initiative,
            product=initiative.product,
            changes={"objectives": [", ".join(before), ", ".join(after)]},
        )
    return initiative


@transaction.atomic
def initiative_delete(*, initiative: Initiative, actor: User) -> None:
    """Delete ``initiative`` and its dependencies both ways; records ``initiative.deleted``."""
    delete_and_audit(
        initiative,
        actor,
        action="initiative.deleted",
        workspace=initiative.product.workspace,
        product=initiative.product,
    )
