"""Labels and custom fields of a product's backlog, and saved views of its list."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from backlog.models import CustomField, FieldKind, Item, Label, SavedView
from backlog.scoring import NUMERIC_INPUTS
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.writes import change_and_audit, check_title, delete_and_audit, reject_unknown

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _check_label(label: Label) -> None:
    check_title(label.name, "label", field="name")
    if not COLOUR.fullmatch(label.colour or ""):
        raise ApplicationError("A colour is #rrggbb.", field="colour")
    clash = Label.objects.filter(product=label.product_id, name__iexact=label.name.strip())
    if clash.exclude(pk=label.pk).exists():
        raise ApplicationError("This product already has a label of that name.", field="name")


@transaction.atomic
def label_create(*, product: Product, actor: User | None, **fields: Any) -> Label:
    """Add a label to ``product``. Records ``label.created``."""
    reject_unknown(fields, ("name", "colour"))
    return change_and_audit(
        Label(product=product, **fields),
        actor,
        {},
        check=_check_label,
        action="label.created",
        workspace=product.workspace,
        product=product,
    )


@transaction.atomic
def label_update(*, label: Label, actor: User, **fields: Any) -> Label:
    """Rename or recolour ``label``. Records ``label.updated``."""
    reject_unknown(fields, ("name", "colour"))
    return change_and_audit(
        label,
        actor,
        fields,
        check=_check_label,
        action="label.updated",
        workspace=label.product.workspace,
        product=label.product,
    )


@transaction.atomic
def label_delete(*, label: Label, actor: User) -> None:
    """Delete ``label`` (its items lose it). Records ``label.deleted``."""
    delete_and_audit(
        label,
        actor,
        action="label.deleted",
        workspace=label.product.workspace,
        product=label.product,
    )


def _check_custom_field(field: CustomField) -> None:
    check_title(field.name, "field", field="name")
    if not KEY.fullmatch(field.key or ""):
        raise ApplicationError(
            "A key starts with a letter and has lower-case letters, digits and underscores.",
            field="key",
        )
    if field.key in NUMERIC_INPUTS or field.key in {"moscow", "kano"}:
        raise ApplicationError("This key names a built-in field; choose another.", field="key")
    if field.kind not in FieldKind.values:
        raise ApplicationError(f"Choose one of {', '.join(FieldKind.values)}.", field="kind")
    options = field.options
    if field.kind == FieldKind.SELECT and (
        not isinstance(options, list)
        or not options
        or len(options) > 50
        or not all(isinstance(o, str) and o.strip() and len(o) <= 80 for o in options)
        or len(set(options)) != len(options)
    ):
        raise ApplicationError(
            "A single select needs 1 to 50 distinct options of up to 80 characters.",
            field="options",
        )
    if field.kind != FieldKind.SELECT:
        field.options = []
    clash = CustomField.objects.filter(product=field.product_id, key=field.key)
    if clash.exclude(pk=field.pk).exists():
        raise ApplicationError("This product already has a field with that key.", field="key")


@transaction.atomic
def custom_field_create(*, product: Product, actor: User, **fields: Any) -> CustomField:
    """Add a custom field to ``product``'s items. Records ``custom_field.created``."""
    reject_unknown(fields, ("key", "name", "kind", "options", "position"))
    return change_and_audit(
        CustomField(product=product, **fields),
        actor,
        {},
        check=_check_custom_field,
        action="custom_field.created",
        workspace=product.workspace,
        product=product,
    )


@transaction.atomic
def custom_field_update(*, field: CustomField, actor: User, **fields: Any) -> CustomField:
    """Rename a custom field, change its options or position (its key and kind stay: values
    and formulas use them). Records ``custom_field.updated``."""
    reject_unknown(fields, ("name", "options", "position"))
    return change_and_audit(
        field,
        actor,
        fields,
        check=_check_custom_field,
        action="custom_field.updated",
        workspace=field.product.workspace,
        product=field.product,
    )


@transaction.atomic
def custom_field_delete(*, field: CustomField, actor: User) -> None:
    """Delete a custom field and its values on every item. Records ``custom_field.deleted``."""
    for item in Item.objects.filter(product=field.product_id, custom__has_key=field.key):
        item.custom.pop(field.key, None)
        Item.objects.filter(pk=item.pk).update(custom=item.custom)
    delete_and_audit(
        field,
        actor,
        action="custom_field.deleted",
        workspace=field.product.workspace,
        product=field.product,
    )


def _check_view(view: SavedView) -> None:
    check_title(view.name, "view", field="name")
    if len(view.query) > 1000:
        raise ApplicationError("The filters are too long to save.", field="query")
    clash = SavedView.objects.filter(
        product=view.product_id, owner=view.owner_id, name__iexact=view.name.strip()
    )
    if clash.exclude(pk=view.pk).exists():
        raise ApplicationError("You already have a view of that name.", field="name")


@transaction.atomic
def saved_view_create(*, product: Product, actor: User, **fields: Any) -> SavedView:
    """Save the list's filters as a named view of ``actor``'s. Records ``saved_view.created``."""
    reject_unknown(fields, ("name", "query", "shared"))
    return change_and_audit(
        SavedView(product=product, owner=actor, **fields),
        actor,
        {},
        check=_check_view,
        action="saved_view.created",
        workspace=product.workspace,
        product=product,
    )


@transaction.atomic
def saved_view_update(*, view: SavedView, actor: User, **fields: Any) -> SavedView:
    """Rename a saved view, change its filters or share it; only its owner may. Records
    ``saved_view.updated``."""
    reject_unknown(fields, ("name", "query", "shared"))
    if view.owner_id != actor.pk:
        raise ApplicationError(
            "Only the person who saved a view can change it.", status_code=403, code="forbidden"
        )
    return change_and_audit(
        view,
        actor,
        fields,
        check=_check_view,
        action="saved_view.updated",
        workspace=view.product.workspace,
        product=view.product,
    )


@transaction.atomic
def saved_view_delete(*, view: SavedView, actor: User) -> None:
    """Delete a saved view; only its owner may. Records ``saved_view.deleted``."""
    if view.owner_id != actor.pk:
        raise ApplicationError(
            "Only the person who saved a view can delete it.", status_code=403, code="forbidden"
        )
    delete_and_audit(
        view,
        actor,
        action="saved_view.deleted",
        workspace=view.product.workspace,
        product=view.product,
    )
