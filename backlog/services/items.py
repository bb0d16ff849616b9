"""Backlog items: create, change (status through the workflow), delete, and bulk actions.

Every change of status, sprint or estimate is written to ``ItemHistory`` in the same
transaction: burndown, velocity, cycle time and the activity of an item are replayed from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from backlog.models import (
    BacklogSettings,
    CustomField,
    FieldKind,
    HistoryField,
    Item,
    ItemHistory,
    ItemKind,
    Label,
    Sprint,
    SprintStatus,
    Status,
)
from backlog.scoring import ScoreError, check_input
from backlog.services.scores import check_estimate, item_rescore, settings_for
from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.ranking import rank_after
from pmhub.writes import check_owner, check_title, delete_and_audit, reject_unknown

SCORE_INPUTS = (
    "reach",
    "impact",
    "confidence",
    "effort",
    "business_value",
    "time_criticality",
    "risk_reduction",
    "job_size",
    "ice_impact",
    "ice_confidence",
    "ice_ease",
    "value",
    "moscow",
    "kano",
    "roi_value",
    "roi_months",
    "roi_cost",
)
ITEM_FIELDS = (
    "kind",
    "title",
    "description",
    "acceptance",
    "status",
    "assignee",
    "reporter",
    "estimate",
    "initiative",
    "release",
    "parent",
    "sprint",
    "custom",
    *SCORE_INPUTS,
)

# Where an item may go from each status. Done work can be re-opened; a "won't do" reconsidered.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.READY, Status.IN_PROGRESS, Status.WONT_DO}),
    Status.READY: frozenset({Status.NEW, Status.IN_PROGRESS, Status.WONT_DO}),
    Status.IN_PROGRESS: frozenset({Status.READY, Status.IN_REVIEW, Status.DONE, Status.WONT_DO}),
    Status.IN_REVIEW: frozenset({Status.IN_PROGRESS, Status.DONE, Status.WONT_DO}),
    Status.DONE: frozenset({Status.IN_PROGRESS, Status.IN_REVIEW}),
    Status.WONT_DO: frozenset({Status.NEW, Status.READY}),
}

# Fields whose changes are history (burndown, velocity, cycle time, the activity feed).
# In this order within one change: an item entering a sprint with a new estimate brings that
# estimate into the sprint's scope (the burndown replays rows by time, then id).
_TRACKED = {
    "status": HistoryField.STATUS,
    "estimate": HistoryField.ESTIMATE,
    "sprint": HistoryField.SPRINT,
}
MAX_ACCEPTANCE = 50
MAX_DEPTH = 3  # feature → story → sub-task


def check_transition(old: str, new: str) -> None:
    """Refuse a status change the workflow does not allow, naming both ends."""
    if new not in Status.values:
        raise ApplicationError(f"Choose one of {', '.join(Status.values)}.", field="status")
    if old != new and new not in TRANSITIONS[old]:
        allowed = ", ".join(Status(s).label for s in Status if s in TRANSITIONS[old])
        raise ApplicationError(
            f"An item cannot go from {Status(old).label} to {Status(new).label}; "
            f"from {Status(old).label} it may go to {allowed}.",
            field="status",
        )


def _check_acceptance(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_ACCEPTANCE:
        raise ApplicationError(
            f"Acceptance criteria are a list of at most {MAX_ACCEPTANCE} checks.",
            field="acceptance",
        )
    criteria = []
    for entry in value:
        text = entry.get("text") if isinstance(entry, dict) else None
        if not isinstance(text, str) or not text.strip() or len(text) > 500:
            raise ApplicationError(
                "Each acceptance criterion has a text of 1 to 500 characters.",
                field="acceptance",
            )
        criteria.append({"text": text.strip(), "done": bool(entry.get("done", False))})
    return criteria


def _check_custom(product: Product, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ApplicationError("Custom fields are a map of field key to value.", field="custom")
    fields = {f.key: f for f in CustomField.objects.filter(product=product)}
    clean: dict[str, Any] = {}
    for key, entry in value.items():
        field = fields.get(key)
        if field is None:
            raise ApplicationError(f"This product has no custom field {key!r}.", field="custom")
        if entry is None or entry == "":
            continue  # cleared
        if field.kind == FieldKind.NUMBER and (
            not isinstance(entry, (int, float)) or isinstance(entry, bool)
        ):
            raise ApplicationError(f"{field.name} is a number.", field=f"custom.{key}")
        if field.kind == FieldKind.CHECKBOX and not isinstance(entry, bool):
            raise ApplicationError(f"{field.name} is true or false.", field=f"custom.{key}")
        if field.kind == FieldKind.SELECT and entry not in field.options:
            raise ApplicationError(
                f"{field.name} is one of {', '.join(map(str, field.options))}.",
                field=f"custom.{key}",
            )
        if field.kind == FieldKind.DATE:
            try:
                date.fromisoformat(entry)
            except (TypeError, ValueError):
                raise ApplicationError(
                    f"{field.name} is a date (YYYY-MM-DD).", field=f"custom.{key}"
                ) from None
        if field.kind == FieldKind.TEXT and (not isinstance(entry, str) or len(entry) > 500):
            raise ApplicationError(
                f"{field.name} is a text of at most 500 characters.", field=f"custom.{key}"
            )
        clean[key] = entry
    return clean


def _check_item(item: Item, settings: BacklogSettings) -> None:
    check_title(item.title, "item")
    if item.kind not in ItemKind.values:
        raise ApplicationError(f"Choose one of {', '.join(ItemKind.values)}.", field="kind")
    check_estimate(settings.scale, item.estimate)
    for name in SCORE_INPUTS:
        value = getattr(item, name)
        try:
            check_input(name, value if value != "" else None)
        except ScoreError as error:
            raise ApplicationError(error.message, field=error.field) from None
    product = item.product
    for user, field in ((item.assignee, "assignee"), (item.reporter, "reporter")):
        try:
            check_owner(product.workspace, user)
        except ApplicationError:
            raise ApplicationError(
                f"The {field} must be a member of this workspace.", field=field
            ) from None
    for related, field in ((item.initiative, "initiative"), (item.release, "release")):
        if related is not None and related.product_id != item.product_id:
            raise ApplicationError(f"Pick a {field} of the item's product.", field=field)
    _check_parent(item)
    sprint = item.sprint
    if sprint is not None:
        if sprint.product_id != item.product_id:
            raise ApplicationError("Pick a sprint of the item's product.", field="sprint")
        if sprint.status == SprintStatus.CLOSED:
            raise ApplicationError("This sprint is closed.", field="sprint")


def _check_parent(item: Item) -> None:
    parent, depth = item.parent, 1
    while parent is not None:
        if parent.pk == item.pk and item.pk is not None:
            raise ApplicationError("An item cannot sit under itself.", field="parent")
        if parent.product_id != item.product_id:
            raise ApplicationError("Pick a parent of the item's product.", field="parent")
        depth += 1
        if depth > MAX_DEPTH:
            raise ApplicationError(
                f"Items nest at most {MAX_DEPTH} deep (feature, story, sub-task).", field="parent"
            )
        parent = parent.parent


def _history_value(field: str, value: Any) -> str:
    if value is None:
        return ""
    if field == "sprint":
        return str(value.pk if isinstance(value, Sprint) else value)
    if field == "estimate":
        return f"{float(value):g}"
    return str(value)


def _record(item: Item, actor: User | None, changes: dict[str, list[Any]], at: Any) -> None:
    ItemHistory.objects.bulk_create(
        ItemHistory(
            item=item,
            field=_TRACKED[name],
            old=_history_value(name, old),
            new=_history_value(name, new),
            at=at,
            actor=actor,
        )
        for name in _TRACKED
        if name in changes
        for old, new in [changes[name]]
    )


def _clean(product: Product, fields: dict[str, Any]) -> dict[str, Any]:
    if "acceptance" in fields:
        fields["acceptance"] = _check_acceptance(fields["acceptance"])
    if "custom" in fields:
        fields["custom"] = _check_custom(product, fields["custom"])
    for name in ("moscow", "kano"):
        if name in fields and fields[name] is None:
            fields[name] = ""
    return fields


@transaction.atomic
def item_create(
    *,
    product: Product,
    actor: User | None,
    labels: Iterable[Label] | None = None,
    import_key: str | None = None,
    **fields: Any,
) -> Item:
    """Add an item at the bottom of ``product``'s backlog, scored with its framework; in any
    status (an import brings done work). Records its creation and ``item.created``."""
    reject_unknown(fields, ITEM_FIELDS)
    if product.archived_at is not None:
        raise ApplicationError("This product is archived; restore it to change its backlog.")
    settings = settings_for(product, lock=True)
    fields = _clean(product, dict(fields))
    fields.setdefault("reporter", actor)
    item = Item(product=product, import_key=import_key, **fields)
    if item.status not in Status.values:
        raise ApplicationError(f"Choose one of {', '.join(Status.values)}.", field="status")
    _check_item(item, settings)
    item.rank = rank_after(
        Item.objects.filter(product=product)
        .order_by("-rank")
        .values_list("rank", flat=True)
        .first()
    )
    item_rescore(item, settings)
    now = timezone.now()
    if item.status == Status.DONE:
        item.done_at = now
    item.save()
    if labels is not None:
        item.labels.set(_own_labels(product, labels))
    ItemHistory.objects.create(
        item=item, field=HistoryField.CREATED, new=item.status, at=now, actor=actor
    )
    _record(
        item,
        actor,
        {
            name: [None, getattr(item, name)]
            for name in ("estimate", "sprint")
            if getattr(item, name)
        },
        now,
    )
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="item.created",
        target=item,
        product=product,
    )
    return item


def _own_labels(product: Product, labels: Iterable[Label]) -> list[Label]:
    labels = list(labels)
    if any(label.product_id != product.pk for label in labels):
        raise ApplicationError("Pick labels of the item's product.", field="labels")
    return labels


@transaction.atomic
def item_update(
    *,
    item: Item,
    actor: User | None,
    labels: Iterable[Label] | None = None,
    **fields: Any,
) -> Item:
    """Change ``fields`` of ``item``; a status change must follow the workflow. Rescores it,
    records status, sprint and estimate changes in its history and ``item.updated``."""
    reject_unknown(fields, ITEM_FIELDS)
    product = item.product
    settings = settings_for(product)
    fields = _clean(product, dict(fields))
    if "status" in fields:
        check_transition(item.status, fields["status"])
    changes = {
        name: [getattr(item, name), value]
        for name, value in fields.items()
        if getattr(item, name) != value
    }
    left = changes.get("sprint", [None])[0]
    if left is not None and left.status == SprintStatus.CLOSED:
        # A closed sprint's items are its record (velocity, burndown): they stay in it.
        raise ApplicationError(f"{left} is closed; its items stay in it.", field="sprint")
    before = {name: getattr(item, name) for name in fields}
    for name, value in fields.items():
        setattr(item, name, value)
    try:
        _check_item(item, settings)
    except ApplicationError:
        for name, value in before.items():
            setattr(item, name, value)
        raise
    now = timezone.now()
    if "status" in changes:
        item.done_at = now if item.status == Status.DONE else None
    item_rescore(item, settings)
    item.save()
    if labels is not None:
        item.labels.set(_own_labels(product, labels))
    _record(item, actor, changes, now)
    if changes:
        audit_record(
            workspace=product.workspace,
            actor=actor,
            action="item.updated",
            target=item,
            product=product,
            changes={
                name: [
                    _history_value(name, old) if name in _TRACKED else str(old),
                    _history_value(name, new) if name in _TRACKED else str(new),
                ]
                for name, (old, new) in changes.items()
                if name not in ("description", "acceptance", "custom")
            },
        )
    return item


@transaction.atomic
def item_delete(*, item: Item, actor: User) -> None:
    """Delete ``item`` (its children stay, without a parent). Records ``item.deleted``."""
    delete_and_audit(
        item, actor, action="item.deleted", workspace=item.product.workspace, product=item.product
    )


BULK_FIELDS = ("status", "sprint", "release", "assignee", "initiative")


@transaction.atomic
def items_bulk_update(
    *,
    product: Product,
    actor: User,
    items: Sequence[Item],
    add_label: Label | None = None,
    **fields: Any,
) -> int:
    """Apply ``fields`` (and ``add_label``) to every one of ``items``, all or nothing: one item
    the workflow refuses refuses the whole action, naming it. Returns how many changed."""
    reject_unknown(fields, BULK_FIELDS)
    if any(item.product_id != product.pk for item in items):
        raise ApplicationError("Pick items of this product.", field="items")
    if add_label is not None:
        _own_labels(product, [add_label])
        add_label.items.add(*items)
    changed = 0
    for item in items:
        todo = {name: value for name, value in fields.items() if getattr(item, name) != value}
        if not todo:
            continue
        try:
            item_update(item=item, actor=actor, **todo)
        except ApplicationError as error:
            raise ApplicationError(
                f"“{item.title}”: {error.message}", field=error.field or "items"
            ) from None
        changed += 1
    return changed if fields else len(items)


@transaction.atomic
def items_bulk_delete(*, product: Product, actor: User, items: Sequence[Item]) -> int:
    """Delete ``items`` of ``product``; records ``item.deleted`` for each."""
    if any(item.product_id != product.pk for item in items):
        raise ApplicationError("Pick items of this product.", field="items")
    for item in items:
        item_delete(item=item, actor=actor)
    return len(items)
