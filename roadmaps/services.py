"""Writes of the roadmaps app with a rule: objectives and key results.

Keyword-only, atomic; each refuses bad input with an ``ApplicationError`` naming the field and
records the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import transaction

from pmhub.audit import audit_record, diff_fields
from pmhub.errors import ApplicationError
from pmhub.models import Membership, Product, Workspace
from pmhub.ranking import rank_between
from roadmaps.models import (
    Direction,
    Horizon,
    Initiative,
    InitiativeStatus,
    KeyResult,
    Objective,
)

OBJECTIVE_FIELDS = ("title", "description", "period", "starts_on", "ends_on", "owner", "parent")
KEY_RESULT_FIELDS = (
    "title",
    "unit",
    "direction",
    "start_value",
    "target_value",
    "current_value",
    "metric",
    "owner",
    "position",
)


def _reject_unknown(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:  # a programming error (views pass validated fields), not a user's
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


M = TypeVar("M", Objective, KeyResult, Initiative)


def _change(
    instance: M,
    actor: User,
    fields: dict[str, Any],
    *,
    check: Callable[[M], None],
    action: str,
    workspace: Workspace,
    product: Product | None,
) -> M:
    """Set ``fields`` on ``instance``, check its rules, save it and record ``action`` (a new,
    unsaved ``instance`` with no ``fields`` is created the same way)."""
    changes = diff_fields(instance, fields) if instance.pk else {}
    before = {name: getattr(instance, name) for name in fields}
    for name, value in fields.items():
        setattr(instance, name, value)
    try:
        check(instance)
    except ApplicationError:
        for name, value in before.items():  # a refused change leaves the caller's object as it was
            setattr(instance, name, value)
        raise
    instance.save()
    audit_record(
        workspace=workspace,
        actor=actor,
        action=action,
        target=instance,
        product=product,
        changes=changes,
    )
    return instance


def _check_owner(workspace: Workspace, owner: User | None) -> None:
    if (
        owner is not None
        and not Membership.objects.filter(workspace=workspace, user=owner).exists()
    ):
        raise ApplicationError("The owner must be a member of this workspace.", field="owner")


def _check_objective(objective: Objective) -> None:
    if not objective.title.strip():
        raise ApplicationError("Give the objective a title.", field="title")
    if not isinstance(objective.starts_on, date) or not isinstance(objective.ends_on, date):
        raise ApplicationError("A period needs a start and an end date.", field="starts_on")
    if objective.ends_on < objective.starts_on:
        raise ApplicationError("The period must end on or after its start.", field="ends_on")
    if objective.product is not None and objective.product.workspace_id != objective.workspace_id:
        raise ApplicationError("No product of this workspace has this id.", field="product")
    _check_owner(objective.workspace, objective.owner)
    parent = objective.parent
    if parent is not None:
        if parent.workspace_id != objective.workspace_id:
            raise ApplicationError("No objective of this workspace has this id.", field="parent")
        seen = {objective.pk}
        while parent is not None:  # an objective may not sit under itself, however deep
            if parent.pk in seen:
                raise ApplicationError(
                    "An objective cannot be aligned under itself or its own children.",
                    field="parent",
                )
            seen.add(parent.pk)
            parent = parent.parent


@transaction.atomic
def objective_create(
    *, workspace: Workspace, actor: User, product: Product | None = None, **fields: Any
) -> Objective:
    """Create an objective of ``product`` (or of the company); records ``objective.created``."""
    _reject_unknown(fields, OBJECTIVE_FIELDS)
    return _change(
        Objective(workspace=workspace, product=product, **fields),
        actor,
        {},
        check=_check_objective,
        action="objective.created",
        workspace=workspace,
        product=product,
    )


@transaction.atomic
def objective_update(*, objective: Objective, actor: User, **fields: Any) -> Objective:
    """Change ``fields`` of ``objective``; records ``objective.updated`` with what changed."""
    _reject_unknown(fields, OBJECTIVE_FIELDS)
    return _change(
        objective,
        actor,
        fields,
        check=_check_objective,
        action="objective.updated",
        workspace=objective.workspace,
        product=objective.product,
    )


def _check_key_result(key_result: KeyResult) -> None:
    if not key_result.title.strip():
        raise ApplicationError("Give the key result a title.", field="title")
    if key_result.direction not in Direction.values:
        raise ApplicationError("The direction is increase or decrease.", field="direction")
    start, target = key_result.start_value, key_result.target_value
    for name, value in (("start_value", start), ("target_value", target)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ApplicationError("Give a number.", field=name)
    if start == target:
        raise ApplicationError(
            "The target must differ from the start: progress is measured between them.",
            field="target_value",
        )
    if (key_result.direction == Direction.INCREASE) != (target > start):
        raise ApplicationError(
            f"To {key_result.direction}, the target must be "
            f"{'above' if key_result.direction == Direction.INCREASE else 'below'} the start.",
            field="target_value",
        )
    objective = key_result.objective
    metric = key_result.metric
    if metric is not None:
        same_product = objective.product_id is None or metric.product_id == objective.product_id
        if metric.product.workspace_id != objective.workspace_id or not same_product:
            raise ApplicationError(
                "Pick a metric of the objective's product (or, for a company objective, of a "
                "product of this workspace).",
                field="metric",
            )
        if key_result.current_value is not None:
            raise ApplicationError(
                "A key result measured by a metric takes its current value from it.",
                field="current_value",
            )
    _check_owner(objective.workspace, key_result.owner)


@transaction.atomic
def key_result_create(*, objective: Objective, actor: User, **fields: Any) -> KeyResult:
    """Add a key result to ``objective``; records ``key_result.created``."""
    _reject_unknown(fields, KEY_RESULT_FIELDS)
    fields.setdefault("position", objective.key_results.count())
    return _change(
        KeyResult(objective=objective, **fields),
        actor,
        {},
        check=_check_key_result,
        action="key_result.created",
        workspace=objective.workspace,
        product=objective.product,
    )


@transaction.atomic
def key_result_update(*, key_result: KeyResult, actor: User, **fields: Any) -> KeyResult:
    """Change ``fields`` of ``key_result``; records ``key_result.updated`` with what changed."""
    _reject_unknown(fields, KEY_RESULT_FIELDS)
    objective = key_result.objective
    return _change(
        key_result,
        actor,
        fields,
        check=_check_key_result,
        action="key_result.updated",
        workspace=objective.workspace,
        product=objective.product,
    )


# --- Initiatives ----------------------------------------------------------------------------------

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
    _check_owner(initiative.product.workspace, initiative.owner)


def _last_rank(product: Product, horizon: str) -> str | None:
    return (
        Initiative.objects.filter(product=product, horizon=horizon)
        .order_by("-rank")
        .values_list("rank", flat=True)
        .first()
    )


@transaction.atomic
def initiative_create(*, product: Product, actor: User, **fields: Any) -> Initiative:
    """Add an initiative at the bottom of its horizon; records ``initiative.created``."""
    _reject_unknown(fields, INITIATIVE_FIELDS)
    initiative = Initiative(product=product, **fields)
    initiative.rank = rank_between(_last_rank(product, initiative.horizon), None)
    return _change(
        initiative,
        actor,
        {},
        check=_check_initiative,
        action="initiative.created",
        workspace=product.workspace,
        product=product,
    )


@transaction.atomic
def initiative_update(*, initiative: Initiative, actor: User, **fields: Any) -> Initiative:
    """Change ``fields`` of ``initiative``; records ``initiative.updated`` with what changed."""
    _reject_unknown(fields, tuple(name for name in INITIATIVE_FIELDS if name != "horizon"))
    return _change(
        initiative,
        actor,
        fields,
        check=_check_initiative,
        action="initiative.updated",
        workspace=initiative.product.workspace,
        product=initiative.product,
    )


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
