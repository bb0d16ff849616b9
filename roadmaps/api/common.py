"""What the roadmaps API's resources share: the product in the path, ids in a body that must name
rows of the request's workspace, finite numbers, and the two kinds of view (a product's list,
one object of the workspace)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from drf_spectacular.utils import OpenApiParameter
from rest_framework import generics, serializers

from pmhub.models import Product, Workspace
from pmhub.selectors import product_get
from pmhub.serializers import MAX_ID
from pmhub.tenancy import WorkspaceContextMixin, WorkspaceScopedMixin, scope


def path_id(name: str, what: str) -> OpenApiParameter:
    """An id in the URL path, documented for the schema."""
    return OpenApiParameter(name, int, OpenApiParameter.PATH, description=f"Id of {what}.")


PK_PATH = path_id("pk", "the object, in your workspace")
PRODUCT_PATH = path_id("product_pk", "a product of your workspace")


class ScopedIdField(serializers.IntegerField):
    """The id of a row of the request's workspace, turned into the row (anything else is a 400:
    another workspace's id reads exactly like one that does not exist)."""

    def __init__(self, *, rows: Callable[[Workspace], QuerySet], what: str, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        self.rows, self.what = rows, what
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        pk = super().to_internal_value(data)
        super().run_validators(pk)  # the id's range, before it reaches the database
        row = self.rows(self.context["workspace"]).filter(pk=pk).first()
        if row is None:
            raise serializers.ValidationError(f"No {self.what} of this workspace has this id.")
        return row

    def run_validators(self, value: Any) -> None:
        """The validators compare numbers: they ran on the id in ``to_internal_value``."""

    def to_representation(self, value: Any) -> Any:
        return value.pk if isinstance(value, Model) else value


def scoped(model: type[Model], *related: str) -> Callable[[Workspace], QuerySet]:
    """Rows of ``model`` of a workspace, for ``ScopedIdField``."""
    return lambda workspace: scope(model._default_manager.select_related(*related), workspace)


class ScopedIdListField(serializers.ListField):
    """A list of ``ScopedIdField`` ids, each once (at most ``max_length``)."""

    def __init__(self, *, rows: Callable[[Workspace], QuerySet], what: str, **kwargs: Any):
        kwargs.setdefault("max_length", 200)
        super().__init__(child=ScopedIdField(rows=rows, what=what), **kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        rows = super().to_internal_value(data)
        if len({row.pk for row in rows}) != len(rows):
            raise serializers.ValidationError("Name each id once.")
        return rows


# Any number a person plans with fits well inside this; beyond it floats lose whole units.
NUMBER_LIMIT = 1e15


class FiniteFloatField(serializers.FloatField):
    """A float that is a real number (no NaN or infinity) within ±``NUMBER_LIMIT``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -NUMBER_LIMIT)
        kwargs.setdefault("max_value", NUMBER_LIMIT)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> float:
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            raise serializers.ValidationError("A valid number is required.")
        return value


class ChildListView(WorkspaceContextMixin, generics.ListAPIView):
    """A paginated list of the rows under one object of the request's workspace (a product, an
    objective…); ``parent()`` looks it up there, so another workspace's parent is a 404."""

    filter_backends: list = []

    def input_context(self, **extra: Any) -> dict[str, Any]:
        return {"workspace": self.workspace, **extra}


class ProductChildListView(ChildListView):
    """A list of one product's rows."""

    def product(self) -> Product:
        return product_get(workspace=self.workspace, pk=self.kwargs["product_pk"])


class ScopedListView(WorkspaceScopedMixin, generics.ListAPIView):  # type: ignore[misc]
    """A paginated list of the workspace's rows of one kind."""

    filter_backends: list = []

    def input_context(self, **extra: Any) -> dict[str, Any]:
        return {"workspace": self.workspace, **extra}


class ScopedObjectView(WorkspaceScopedMixin, generics.GenericAPIView):  # type: ignore[misc]
    """One object of the request's workspace, by ``pk`` (another workspace's is a 404)."""

    filter_backends: list = []
    pagination_class = None

    def input_context(self, **extra: Any) -> dict[str, Any]:
        return {"workspace": self.workspace, **extra}
