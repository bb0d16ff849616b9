"""What the metrics API's resources share: the product in a path or a body, a product's child
list, and a date range query."""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter
from rest_framework import generics, serializers

from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.serializers import (
    MAX_ID,
)
from pmhub.tenancy import WorkspaceContextMixin, scope

PRODUCT_PATH = OpenApiParameter(
    "product_pk",
    int,
    OpenApiParameter.PATH,
    description="Id of a product of your workspace.",
)


class WorkspaceProductField(serializers.IntegerField):
    """A product id of the request's workspace, not archived (anything else is a 400)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        product_id = super().to_internal_value(data)
        super().run_validators(product_id)  # the id's range, before it reaches the database
        product = (
            scope(Product.objects.select_related("workspace"), self.context["workspace"])
            .filter(pk=product_id)
            .first()
        )
        if product is None:
            raise serializers.ValidationError("No product of this workspace has this id.")
        if product.is_archived:
            raise serializers.ValidationError("This product is archived; restore it first.")
        return product

    def run_validators(self, value: Any) -> None:
        """The validators compare numbers: they ran on the id in ``to_internal_value``."""

    def to_representation(self, value: Any) -> Any:
        return value.pk if isinstance(value, Product) else value


class ProductChildListView(WorkspaceContextMixin, generics.ListAPIView):
    """A list of one product's rows: the product is looked up in the request's workspace."""

    filter_backends = [DjangoFilterBackend]

    def product(self) -> Product:
        return product_get(workspace=self.workspace, pk=self.kwargs["product_pk"])


# A series request may span at most this many days (resource limits: no unbounded reads).
MAX_SERIES_DAYS = 1100


class DateRangeQuery(serializers.Serializer):
    """``from`` and ``to`` dates of a read, in order and at most ``MAX_SERIES_DAYS`` apart."""

    to = serializers.DateField(required=False, help_text="Last day (default: the latest).")

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("from"), attrs.get("to")
        if start and end and start > end:
            raise serializers.ValidationError({"from": ["from must not be after to."]})
        if start and end and (end - start).days >= MAX_SERIES_DAYS:
            raise serializers.ValidationError(
                {"from": [f"A range spans at most {MAX_SERIES_DAYS} days."]}
            )
        return attrs


# ``from`` is a Python keyword, so it is declared by name.
DateRangeQuery._declared_fields["from"] = serializers.DateField(
    required=False, help_text="First day (default: no limit)."
)
