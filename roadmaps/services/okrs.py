"""Objectives and key results: create and change them, with their rules and audit trail."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from pmhub.errors import ApplicationError
from pmhub.models import Product, Workspace
from pmhub.writes import (
    change_and_audit,
    check_owner,
    delete_and_audit,
    reject_unknown,
)
from roadmaps.models import Direction, KeyResult, Objective

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


def _check_objective(objective: Objective) -> None:
    if not objective.title.strip():
        raise ApplicationError("Give the objective a title.", field="title")
    if not isinstance(objective.starts_on, date) or not isinstance(objective.ends_on, date):
        raise ApplicationError("A period needs a start and an end date.", field="starts_on")
    if objective.ends_on < objective.starts_on:
        raise ApplicationError("The period must end on or after its start.", field="ends_on")
    if objective.product is not None and objective.product.workspace_id != objective.workspace_id:
        raise ApplicationError("No product of this workspace has this id.", field="product")
    check_owner(objective.workspace, objective.owner)
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
    reject_unknown(fields, OBJECTIVE_FIELDS)
    return change_and_audit(
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
    reject_unknown(fields, OBJECTIVE_FIELDS)
    return change_and_audit(
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
    check_owner(objective.workspace, key_result.owner)


@transaction.atomic
def key_result_create(*, objective: Objective, actor: User, **fields: Any) -> KeyResult:
    """Add a key result to ``objective``; records ``key_result.created``."""
    reject_unknown(fields, KEY_RESULT_FIELDS)
    fields.setdefault("position", objective.key_results.count())
    return change_and_audit(
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
    reject_unknown(fields, KEY_RESULT_FIELDS)
    objective = key_result.objective
    return change_and_audit(
        key_result,
        actor,
        fields,
        check=_check_key_result,
        action="key_result.updated",
        workspace=objective.workspace,
        product=objective.product,
    )


@transaction.atomic
def objective_delete(*, objective: Objective, actor: User) -> None:
    """Delete ``objective`` with its key results; aligned children lose their parent.

    Records ``objective.deleted``.
    """
    delete_and_audit(
        objective,
        actor,
        action="objective.deleted",
        workspace=objective.workspace,
        product=objective.product,
    )


@transaction.atomic
def key_result_delete(*, key_result: KeyResult, actor: User) -> None:
    """Delete ``key_result``; records ``key_result.deleted``."""
    objective = key_result.objective
    delete_and_audit(
        key_result,
        actor,
        action="key_result.deleted",
        workspace=objective.workspace,
        product=objective.product,
    )
