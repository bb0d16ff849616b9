"""Initiatives of a product's roadmap: list (filtered, a fixed number of queries however many
rows, dependencies, objectives and releases), create, change, delete, move on the board, and
dependencies between them."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmhub.capabilities import Action
from pmhub.filters import IdFilter
from pmhub.serializers import StrictSerializer, UserSummarySerializer, WorkspaceMemberField
from pmhub.tenancy import get_scoped_or_404
from roadmaps.api.common import (
    PK_PATH,
    PRODUCT_PATH,
    ProductChildListView,
    ScopedIdField,
    ScopedIdListField,
    ScopedObjectView,
    path_id,
    scoped,
)
from roadmaps.models import Health, Horizon, Initiative, InitiativeStatus, Objective, Release, Theme
from roadmaps.services.initiatives import (
    initiative_create,
    initiative_delete,
    initiative_depend,
    initiative_move,
    initiative_undepend,
    initiative_update,
)


def initiatives_with_links(queryset: QuerySet[Initiative]) -> QuerySet[Initiative]:
    """``queryset`` with what the output shows: owner, and the ids of dependencies, objectives
    and releases (one query each, however many rows)."""
    ids = Initiative.objects.only("id").order_by("pk")
    return queryset.select_related("owner").prefetch_related(
        Prefetch("depends_on", queryset=ids),
        Prefetch("objectives", queryset=Objective.objects.only("id").order_by("pk")),
        Prefetch("releases", queryset=Release.objects.only("id").order_by("pk")),
    )


class InitiativeSerializer(serializers.ModelSerializer):
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    theme: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True
    )
    objectives: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the objectives it serves."
    )
    depends_on: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the initiatives it waits for."
    )
    releases: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Ids of the releases that carry it."
    )
    health = serializers.ChoiceField(
        choices=Health.choices,
        allow_blank=True,
        read_only=True,
        help_text="Of the latest health update; empty before the first.",
    )

    class Meta:
        model = Initiative
        fields = [
            "id",
            "product",
            "title",
            "description",
            "status",
            "horizon",
            "rank",
            "starts_on",
            "ends_on",
            "owner",
            "theme",
            "confidence",
            "health",
            "objectives",
            "depends_on",
            "releases",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"rank": {"help_text": "Order in its horizon column (sorts as text)."}}


def _output(initiative: Initiative) -> dict[str, Any]:
    """The initiative as the list shows it (read again with its links)."""
    fresh = initiatives_with_links(Initiative.objects.filter(pk=initiative.pk)).get()
    return InitiativeSerializer(fresh).data


class InitiativeChangeInput(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, max_length=20_000)
    status = serializers.ChoiceField(choices=InitiativeStatus.choices, required=False)
    starts_on = serializers.DateField(required=False, allow_null=True)
    ends_on = serializers.DateField(
        required=False, allow_null=True, help_text="On or after `starts_on`."
    )
    owner = WorkspaceMemberField(required=False, allow_null=True, help_text="A member's user id.")
    theme = ScopedIdField(
        rows=scoped(Theme),
        what="theme",
        required=False,
        allow_null=True,
        help_text="Id of a theme of the initiative's product.",
    )
    confidence = serializers.IntegerField(
        min_value=0, max_value=100, required=False, allow_null=True, help_text="Percent."
    )
    objectives = ScopedIdListField(
        rows=scoped(Objective),
        what="objective",
        required=False,
        help_text="Ids of the objectives it serves (its product's or the company's); "
        "replaces the list.",
    )


class InitiativeInput(InitiativeChangeInput):
    horizon = serializers.ChoiceField(
        choices=Horizon.choices, required=False, help_text="Its column (default: later)."
    )


class _DateRangeForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("from"), cleaned.get("to")
        if start and end and start > end:
            self.add_error("from", "from must not be after to.")
        return cleaned


class InitiativeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InitiativeStatus.choices)
    horizon = django_filters.ChoiceFilter(choices=Horizon.choices)
    objective = IdFilter(
        field_name="objectives", help_text="Only initiatives serving this objective."
    )
    theme = IdFilter(field_name="theme_id", help_text="Only initiatives of this theme.")

    class Meta:
        model = Initiative
        fields = ["status", "horizon", "objective", "theme"]
        form = _DateRangeForm

    def overlap_from(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(Q(ends_on__gte=value) & Q(starts_on__isnull=False))

    def overlap_to(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        return queryset.filter(Q(starts_on__lte=value) & Q(ends_on__isnull=False))


# ``from`` is a Python keyword, so both ends of the range are declared by name.
InitiativeFilter.base_filters["from"] = django_filters.DateFilter(
    method="overlap_from",
    help_text="Only dated initiatives still running on or after this day (range overlap).",
)
InitiativeFilter.base_filters["to"] = django_filters.DateFilter(
    method="overlap_to",
    help_text="Only dated initiatives starting on or before this day (range overlap).",
)


def _horizon_order() -> Case:
    """Now, next, later: the columns' order (their values sort the other way round)."""
    return Case(
        *[When(horizon=h, then=Value(i)) for i, h in enumerate(Horizon.values)],
        output_field=IntegerField(),
    )


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_initiatives_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=InitiativeInput,
        responses={201: InitiativeSerializer},
        operation_id="product_initiatives_create",
    ),
)
class InitiativeListView(ProductChildListView):
    """The product's initiatives by horizon (now, next, later) then rank; filters combine."""

    serializer_class = InitiativeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = InitiativeFilter
    capabilities = {"GET": Action.ROADMAP_VIEW, "POST": Action.ROADMAP_PLAN}

    def get_queryset(self) -> QuerySet[Initiative]:
        if getattr(self, "swagger_fake_view", False):
            return Initiative.objects.none()
        rows = Initiative.objects.filter(product=self.product())
        return initiatives_with_links(rows).order_by(_horizon_order(), "rank", "pk")

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = InitiativeInput(data=request.data, context=self.input_context())
        data.is_valid(raise_exception=True)
        initiative = initiative_create(product=product, actor=self.actor, **data.validated_data)
        return Response(_output(initiative), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="initiative_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=InitiativeChangeInput,
        responses=InitiativeSerializer,
        operation_id="initiative_update",
    ),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="initiative_destroy"
    ),
)
class InitiativeDetailView(ScopedObjectView):
    """One initiative: read, change (the horizon changes by a move), or delete it."""

    queryset = Initiative.objects.select_related("product__workspace", "theme", "owner")
    serializer_class = InitiativeSerializer
    capabilities = {
        "GET": Action.ROADMAP_VIEW,
        "PATCH": Action.ROADMAP_PLAN,
        "DELETE": Action.ROADMAP_PLAN,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(_output(self.get_object()))

    def patch(self, request: Request, pk: str) -> Response:
        initiative = self.get_object()
        data = InitiativeChangeInput(data=request.data, partial=True, context=self.input_context())
        data.is_valid(raise_exception=True)
        initiative_update(initiative=initiative, actor=self.actor, **data.validated_data)
        return Response(_output(initiative))

    def delete(self, request: Request, pk: str) -> Response:
        initiative_delete(initiative=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MoveInput(StrictSerializer):
    horizon = serializers.ChoiceField(choices=Horizon.choices, help_text="The column it goes to.")
    before = ScopedIdField(
        rows=scoped(Initiative, "product"),
        what="initiative",
        required=False,
        allow_null=True,
        help_text="Id of the initiative of that column it goes just above; null or absent: "
        "the bottom.",
    )


@extend_schema_view(
    post=extend_schema(
        parameters=[PK_PATH],
        request=MoveInput,
        responses=InitiativeSerializer,
        operation_id="initiative_move",
    )
)
class InitiativeMoveView(ScopedObjectView):
    """Move an initiative to a horizon, above another one or to the bottom (only its own rank
    changes)."""

    queryset = Initiative.objects.select_related("product__workspace")
    serializer_class = InitiativeSerializer
    capabilities = {"POST": Action.ROADMAP_PLAN}

    def post(self, request: Request, pk: str) -> Response:
        initiative = self.get_object()
        data = MoveInput(data=request.data, context=self.input_context())
        data.is_valid(raise_exception=True)
        initiative_move(initiative=initiative, actor=self.actor, **data.validated_data)
        return Response(_output(initiative))


class DependencyInput(StrictSerializer):
    depends_on = ScopedIdField(
        rows=scoped(Initiative, "product"),
        what="initiative",
        help_text="Id of the initiative it waits for (a cycle is refused).",
    )


@extend_schema_view(
    post=extend_schema(
        parameters=[PK_PATH],
        request=DependencyInput,
        responses={201: InitiativeSerializer},
        operation_id="initiative_dependencies_create",
    )
)
class DependencyListView(ScopedObjectView):
    """Make an initiative wait for another one."""

    queryset = Initiative.objects.select_related("product__workspace")
    serializer_class = InitiativeSerializer
    capabilities = {"POST": Action.ROADMAP_PLAN}

    def post(self, request: Request, pk: str) -> Response:
        initiative = self.get_object()
        data = DependencyInput(data=request.data, context=self.input_context())
        data.is_valid(raise_exception=True)
        initiative_depend(initiative=initiative, actor=self.actor, **data.validated_data)
        return Response(_output(initiative), status=status.HTTP_201_CREATED)


DEPENDS_ON_PATH = path_id("depends_on_pk", "an initiative it depends on")


@extend_schema_view(
    delete=extend_schema(
        parameters=[PK_PATH, DEPENDS_ON_PATH],
        responses={204: None},
        operation_id="initiative_dependency_destroy",
    )
)
class DependencyDetailView(ScopedObjectView):
    """Drop one dependency of an initiative (404 when it has no such dependency)."""

    queryset = Initiative.objects.select_related("product__workspace")
    serializer_class = InitiativeSerializer
    capabilities = {"DELETE": Action.ROADMAP_PLAN}

    def delete(self, request: Request, pk: str, depends_on_pk: str) -> Response:
        initiative = self.get_object()
        other = get_scoped_or_404(
            Initiative.objects.select_related("product"), self.workspace, pk=depends_on_pk
        )
        if not initiative.depends_on.filter(pk=other.pk).exists():
            raise Http404("No such dependency.")
        initiative_undepend(initiative=initiative, actor=self.actor, depends_on=other)
        return Response(status=status.HTTP_204_NO_CONTENT)
