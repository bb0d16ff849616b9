"""What the backlog API's resources share: the product's own rows named by id in a body, the
value of a custom field, and the ``kind``/``status`` choices documented once.

The path parameters, scoped id fields and view bases are the roadmaps API's
(``roadmaps.api.common``); this module adds what only the backlog needs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.db.models import Model
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers

from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.serializers import MAX_ID
from pmhub.tenancy import WorkspaceContextMixin
from roadmaps.api.common import NUMBER_LIMIT

# Ids in API paths: digits that fit PostgreSQL's bigint, else routing 404s (as roadmaps).
ID = "[0-9]{1,18}"
PRODUCT = rf"^products/(?P<product_pk>{ID})"
PK = rf"(?P<pk>{ID})"

# How many rows one bulk request may name.
MAX_BULK = 500


class ProductRowsField(serializers.ListField):
    """Ids of rows of the product in the serializer's context (``context["product"]``), each
    once, turned into the rows in the order given. Any id that is not one of that product's
    rows (another product's, another workspace's, none at all) is a 400 on this field."""

    def __init__(self, *, model: type[Model], what: str, related: Sequence[str] = (), **kwargs):
        kwargs.setdefault("max_length", MAX_BULK)
        kwargs.setdefault("min_length", 1)
        self.model, self.what, self.related = model, what, tuple(related)
        super().__init__(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), **kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        ids = super().to_internal_value(data)
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("Name each id once.")
        product: Product = self.context["product"]
        rows = self.model._default_manager.select_related(*self.related).filter(
            product=product, pk__in=ids
        )
        found = {row.pk: row for row in rows}
        missing = [pk for pk in ids if pk not in found]
        if missing:
            shown = ", ".join(map(str, missing[:10]))
            raise serializers.ValidationError(f"No {self.what} of this product has the id {shown}.")
        return [found[pk] for pk in ids]

    def to_representation(self, data: Any) -> list[Any]:
        return [row.pk if isinstance(row, Model) else row for row in data]


@extend_schema_field(
    {
        "oneOf": [
            {"type": "number"},
            {"type": "string", "maxLength": 500},
            {"type": "boolean"},
        ],
        "nullable": True,
        "description": "A number, a text (also a select's option or a YYYY-MM-DD date), "
        "true/false, or null to clear it.",
    }
)
class CustomValueField(serializers.Field):
    """The value of one custom field as JSON sends it; the service checks it against the
    field's kind (a number field takes a number, a select one of its options…)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, bool):
            return data
        if isinstance(data, int | float):
            if not math.isfinite(data) or abs(data) > NUMBER_LIMIT:
                raise serializers.ValidationError("A valid number is required.")
            return data
        if isinstance(data, str):
            if len(data) > 500:
                raise serializers.ValidationError("At most 500 characters.")
            return data
        raise serializers.ValidationError("A number, a text, true or false, or null.")

    def to_representation(self, value: Any) -> Any:
        return value


class ProductActionView(WorkspaceContextMixin, generics.GenericAPIView):
    """An action or a single resource of one product of the request's workspace (another
    workspace's product is a 404); unlike a list it has no GET unless it defines one."""

    filter_backends: list = []
    pagination_class = None

    def product(self) -> Product:
        return product_get(workspace=self.workspace, pk=self.kwargs["product_pk"])

    def input_context(self, **extra: Any) -> dict[str, Any]:
        return {"workspace": self.workspace, **extra}
