"""The items list's query string: the backlog page's filters and sorts as ``ItemFilters``.

The page's own values work here too, so a saved view's query reads the same in both:
``assignee=none`` (unassigned), ``sprint=none`` (in no sprint), ``status=open`` (not done or
dropped). The API also takes several values of a parameter (``?kind=bug&kind=story``), the
explicit ``unassigned``/``in_backlog`` flags, ``parent``, creation days and ``custom.<key>``.
"""

from __future__ import annotations

import math
from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from backlog.models import CLOSED_STATUSES, CustomField, FieldKind, ItemKind, Status
from backlog.selectors import SORTS, ItemFilters
from pmhub.models import Product
from pmhub.serializers import MAX_ID, FieldsOnceMixin
from roadmaps.api.common import NUMBER_LIMIT

NONE = "none"  # as the page's menus: "unassigned", "not in a sprint"
OPEN = "open"  # every status but done and won't do


class QueryListField(serializers.ListField):
    """A repeated query parameter; a bad value is an error on the parameter itself, not on
    its position."""

    def to_internal_value(self, data: Any) -> list[Any]:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = error.detail
            if isinstance(detail, dict):
                detail = [str(message) for problems in detail.values() for message in problems]  # type: ignore[misc]
            raise serializers.ValidationError(detail) from None


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            {"type": "string", "enum": [NONE]},
        ]
    }
)
class IdOrNoneField(serializers.Field):
    """An id, or ``none`` for "no such link"."""

    default_error_messages = {"invalid": "Give an id (a whole number from 1) or none."}

    def to_internal_value(self, data: Any) -> int | str:
        if data == NONE:
            return NONE
        text = str(data)
        if (
            not (text.isascii() and text.isdigit())
            or len(text) > 10
            or not 1 <= int(text) <= MAX_ID
        ):
            self.fail("invalid")
        return int(text)

    def to_representation(self, value: Any) -> Any:
        return value


def _ids(help_text: str) -> serializers.ListField:
    return QueryListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=100,
        help_text=help_text,
    )


def _id(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text=help_text
    )


class ItemQuery(FieldsOnceMixin, serializers.Serializer):
    """The backlog page's filters (``backlog.selectors.ItemFilters``); they combine. Read on
    every list request, so its fields are built once (``FieldsOnceMixin``)."""

    kind = QueryListField(
        child=serializers.ChoiceField(choices=ItemKind.choices),
        required=False,
        help_text="Only these kinds (repeat the parameter for more).",
    )
    status = QueryListField(
        child=serializers.ChoiceField(choices=[*Status.choices, (OPEN, "Open")]),
        required=False,
        help_text="Only these statuses (repeat for more); `open`: any but done and won't do.",
    )
    label = _ids("Items with any of these labels (repeat for more).")  # type: ignore[assignment]
    assignee = QueryListField(
        child=IdOrNoneField(),
        required=False,
        max_length=100,
        help_text="Items assigned to any of these members (user ids; repeat for more); "
        "`none`: unassigned.",
    )
    unassigned = serializers.BooleanField(
        required=False, help_text="true: unassigned items (besides any `assignee` asked for)."
    )
    initiative = _id("Only items of this initiative.")
    release = _id("Only items of this release.")
    sprint = IdOrNoneField(required=False, help_text="Only items in this sprint; `none`: in none.")
    in_backlog = serializers.BooleanField(
        required=False, help_text="true: only items in no sprint."
    )
    parent = _id("Only the items under this one.")  # type: ignore[assignment]
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Full-text search of titles and descriptions (web-search syntax).",
    )
    created_after = serializers.DateField(required=False, help_text="Created on or after.")
    created_before = serializers.DateField(required=False, help_text="Created on or before.")
    sort = serializers.ChoiceField(
        choices=list(SORTS), required=False, help_text="Order (default: rank, the manual one)."
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        after, before = data.get("created_after"), data.get("created_before")
        if after and before and after > before:
            raise serializers.ValidationError(
                {"created_after": ["created_after must not be after created_before."]}
            )
        return data


CUSTOM_PARAMETER = OpenApiParameter(
    "custom.{key}",
    str,
    OpenApiParameter.QUERY,
    required=False,
    description="Items whose custom field `key` has this value, e.g. `custom.segment=smb` "
    "(numbers and true/false are compared as such). An unknown key is a 400.",
)

_TRUE, _FALSE = ("true", "True", "1"), ("false", "False", "0")


def _custom_filters(product: Product, params: QueryDict) -> dict[str, Any]:
    """``custom.<key>=value`` parameters as ``{key: value}``, each value of its field's kind."""
    wanted = {name[7:]: params[name] for name in params if name.startswith("custom.")}
    if not wanted:
        return {}
    fields = {f.key: f for f in CustomField.objects.filter(product=product, key__in=wanted)}
    values: dict[str, Any] = {}
    for key, raw in wanted.items():
        name, field = f"custom.{key}", fields.get(key)
        if field is None:
            raise serializers.ValidationError({name: ["This product has no such custom field."]})
        if field.kind == FieldKind.NUMBER:
            try:
                number = float(raw)  # type: ignore[arg-type]
            except ValueError:
                raise serializers.ValidationError({name: ["A number is required."]}) from None
            if not math.isfinite(number) or abs(number) > NUMBER_LIMIT:
                raise serializers.ValidationError({name: ["A valid number is required."]})
            values[key] = number
        elif field.kind == FieldKind.CHECKBOX:
            if raw not in _TRUE + _FALSE:
                raise serializers.ValidationError({name: ["Enter true or false."]})
            values[key] = raw in _TRUE
        else:
            values[key] = raw
    return values


def parse_item_query(product: Product, params: QueryDict) -> tuple[ItemFilters, str]:
    """The query string as ``ItemFilters`` and a sort; a bad parameter is a 400 naming it."""
    query = ItemQuery(data=params)
    query.is_valid(raise_exception=True)
    data = dict(query.validated_data)
    sort = data.pop("sort", "rank")
    statuses = data.pop("status", [])
    if OPEN in statuses:
        statuses = [s for s in Status.values if s not in CLOSED_STATUSES or s in statuses]
    assignees = data.pop("assignee", [])
    if NONE in assignees:
        data["unassigned"] = True
    if data.get("sprint") == NONE:
        data["sprint"], data["in_backlog"] = None, True
    filters = ItemFilters(**data, status=statuses, assignee=[a for a in assignees if a != NONE])
    filters.custom = _custom_filters(product, params)
    return filters, sort
