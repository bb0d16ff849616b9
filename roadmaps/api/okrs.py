"""Objectives (a product's or the company's) and their key results, whose current value, progress
and health are computed from the metric they read or the value entered by hand."""

from __future__ import annotations

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from metrics.api.common import WorkspaceProductField
from metrics.models import Metric
from pmhub.capabilities import Action
from pmhub.filters import IdFilter, StrictBooleanFilter
from pmhub.serializers import StrictSerializer, UserSummarySerializer, WorkspaceMemberField
from pmhub.tenancy import get_scoped_or_404, scope
from roadmaps.api.common import (
    PK_PATH,
    ChildListView,
    FiniteFloatField,
    ScopedIdField,
    ScopedListView,
    ScopedObjectView,
    path_id,
    scoped,
)
from roadmaps.models import Direction, Health, KeyResult, Objective
from roadmaps.selectors import KeyResultState, key_result_state, key_results_with_values
from roadmaps.services.okrs import (
    key_result_create,
    key_result_delete,
    key_result_update,
    objective_create,
    objective_delete,
    objective_update,
)

# --- Objectives -----------------------------------------------------------------------------------


class ObjectiveSerializer(serializers.ModelSerializer):
    product: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of its product; null: a company objective."
    )
    parent: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(  # type: ignore[assignment]
        read_only=True, allow_null=True, help_text="Id of the objective it is aligned under."
    )
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    health = serializers.ChoiceField(
        choices=Health.choices,
        allow_blank=True,
        read_only=True,
        help_text="Of the latest health update; empty before the first.",
    )

    class Meta:
        model = Objective
        fields = [
            "id",
            "product",
            "parent",
            "title",
            "description",
            "period",
            "starts_on",
            "ends_on",
            "owner",
            "health",
            "created_at",
        ]
        read_only_fields = fields


class ObjectiveChangeInput(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, max_length=20_000)
    period = serializers.CharField(
        allow_blank=True, required=False, max_length=40, help_text="A label: “2026 Q4”, “H1”."
    )
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(help_text="On or after `starts_on`.")
    owner = WorkspaceMemberField(required=False, allow_null=True, help_text="A member's user id.")
    parent = ScopedIdField(  # type: ignore[assignment]
        rows=scoped(Objective, "parent"),
        what="objective",
        required=False,
        allow_null=True,
        help_text="Id of a higher objective to align under (not itself nor one of its children).",
    )


class ObjectiveInput(ObjectiveChangeInput):
    product = WorkspaceProductField(
        required=False,
        allow_null=True,
        help_text="Id of the product; null or absent: an objective of the company.",
    )


class ObjectiveFilter(django_filters.FilterSet):
    product = IdFilter(field_name="product_id", help_text="Only this product's objectives.")
    company = StrictBooleanFilter(
        field_name="product", lookup_expr="isnull", help_text="true: company objectives only."
    )
    period = django_filters.CharFilter(max_length=40, help_text="Only this period label.")

    class Meta:
        model = Objective
        fields = ["product", "company", "period"]


@extend_schema_view(
    get=extend_schema(operation_id="objectives_list"),
    post=extend_schema(
        request=ObjectiveInput,
        responses={201: ObjectiveSerializer},
        operation_id="objectives_create",
    ),
)
class ObjectiveListView(ScopedListView):
    """The workspace's objectives, the company's and each product's, by start then title."""

    queryset = Objective.objects.all()
    serializer_class = ObjectiveSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ObjectiveFilter
    capabilities = {"GET": Action.ROADMAP_VIEW, "POST": Action.ROADMAP_PLAN}

    def scoped_queryset(self, workspace):
        return scope(Objective.objects.select_related("owner"), workspace).order_by(
            "starts_on", "title", "pk"
        )

    def post(self, request: Request) -> Response:
        data = ObjectiveInput(data=request.data, context=self.input_context())
        data.is_valid(raise_exception=True)
        objective = objective_create(
            workspace=self.workspace, actor=self.actor, **data.validated_data
        )
        return Response(ObjectiveSerializer(objective).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="objective_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=ObjectiveChangeInput,
        responses=ObjectiveSerializer,
        operation_id="objective_update",
    ),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="objective_destroy"
    ),
)
class ObjectiveDetailView(ScopedObjectView):
    """One objective: read, change, or delete it (its key results go with it)."""

    queryset = Objective.objects.select_related("owner", "product", "parent")
    serializer_class = ObjectiveSerializer
    capabilities = {
        "GET": Action.ROADMAP_VIEW,
        "PATCH": Action.ROADMAP_PLAN,
        "DELETE": Action.ROADMAP_PLAN,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(ObjectiveSerializer(self.get_object()).data)

    def patch(self, request: Request, pk: str) -> Response:
        objective = self.get_object()
        data = ObjectiveChangeInput(data=request.data, partial=True, context=self.input_context())
        data.is_valid(raise_exception=True)
        objective_update(objective=objective, actor=self.actor, **data.validated_data)
        return Response(ObjectiveSerializer(objective).data)

    def delete(self, request: Request, pk: str) -> Response:
        objective_delete(objective=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Key results ----------------------------------------------------------------------------------


class KeyResultSerializer(serializers.ModelSerializer):
    metric: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="Id of the metric it reads; null: by hand."
    )
    owner = UserSummarySerializer(read_only=True, allow_null=True)
    current_value = serializers.FloatField(
        read_only=True, allow_null=True, help_text="The value entered by hand (no metric)."
    )
    current = serializers.SerializerMethodField(
        help_text="The current value: the metric's latest daily point, or the one entered."
    )
    progress = serializers.SerializerMethodField(
        help_text="(current − start) ÷ (target − start), clamped to 0…1."
    )
    health = serializers.SerializerMethodField(
        help_text="Progress against the elapsed share of the objective's period: on_track, "
        "at_risk or off_track."
    )

    class Meta:
        model = KeyResult
        fields = [
            "id",
            "objective",
            "title",
            "unit",
            "direction",
            "start_value",
            "target_value",
            "current_value",
            "metric",
            "owner",
            "position",
            "current",
            "progress",
            "health",
            "created_at",
        ]
        read_only_fields = fields

    def _state(self, key_result: KeyResult) -> KeyResultState:
        state = getattr(key_result, "_api_state", None)
        if state is None:
            state = key_result._api_state = key_result_state(key_result)  # type: ignore[attr-defined]
        return state

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_current(self, key_result: KeyResult) -> float | None:
        return self._state(key_result).current

    @extend_schema_field(OpenApiTypes.FLOAT)
    def get_progress(self, key_result: KeyResult) -> float | None:
        return self._state(key_result).progress

    @extend_schema_field(serializers.ChoiceField(choices=Health.choices, allow_null=True))
    def get_health(self, key_result: KeyResult) -> str | None:
        return self._state(key_result).health


class KeyResultChangeInput(StrictSerializer):
    title = serializers.CharField(max_length=200)
    unit = serializers.CharField(allow_blank=True, required=False, max_length=20)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    start_value = FiniteFloatField()
    target_value = FiniteFloatField(help_text="Must differ from the start, in its direction.")
    current_value = FiniteFloatField(
        required=False, allow_null=True, help_text="Entered by hand; null with a metric."
    )
    metric = ScopedIdField(
        rows=scoped(Metric, "product"),
        what="metric",
        required=False,
        allow_null=True,
        help_text="Id of a metric of the objective's product to read the current value from.",
    )
    owner = WorkspaceMemberField(required=False, allow_null=True, help_text="A member's user id.")
    position = serializers.IntegerField(min_value=0, max_value=10_000, required=False)


def _key_result(key_result: KeyResult) -> KeyResult:
    """``key_result`` again with its metric's live value, as the list reads it."""
    return key_results_with_values(Objective.objects.filter(pk=key_result.objective_id)).get(
        pk=key_result.pk
    )


OBJECTIVE_PATH = path_id("objective_pk", "an objective of your workspace")


@extend_schema_view(
    get=extend_schema(parameters=[OBJECTIVE_PATH], operation_id="objective_key_results_list"),
    post=extend_schema(
        parameters=[OBJECTIVE_PATH],
        request=KeyResultChangeInput,
        responses={201: KeyResultSerializer},
        operation_id="objective_key_results_create",
    ),
)
class KeyResultListView(ChildListView):
    """The objective's key results in order, each with its current value, progress and health."""

    serializer_class = KeyResultSerializer
    capabilities = {"GET": Action.ROADMAP_VIEW, "POST": Action.ROADMAP_PLAN}

    def objective(self) -> Objective:
        return get_scoped_or_404(
            Objective.objects.select_related("product", "workspace"),
            self.workspace,
            pk=self.kwargs["objective_pk"],
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return KeyResult.objects.none()
        return key_results_with_values([self.objective()]).order_by("position", "pk")

    def post(self, request: Request, objective_pk: str) -> Response:
        objective = self.objective()
        data = KeyResultChangeInput(data=request.data, context=self.input_context())
        data.is_valid(raise_exception=True)
        key_result = key_result_create(objective=objective, actor=self.actor, **data.validated_data)
        return Response(
            KeyResultSerializer(_key_result(key_result)).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="key_result_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=KeyResultChangeInput,
        responses=KeyResultSerializer,
        operation_id="key_result_update",
    ),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="key_result_destroy"
    ),
)
class KeyResultDetailView(ScopedObjectView):
    """One key result: read it with its current value, progress and health; change or delete."""

    queryset = KeyResult.objects.select_related("objective__workspace", "objective__product")
    serializer_class = KeyResultSerializer
    capabilities = {
        "GET": Action.ROADMAP_VIEW,
        "PATCH": Action.ROADMAP_PLAN,
        "DELETE": Action.ROADMAP_PLAN,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(KeyResultSerializer(_key_result(self.get_object())).data)

    def patch(self, request: Request, pk: str) -> Response:
        key_result = self.get_object()
        data = KeyResultChangeInput(data=request.data, partial=True, context=self.input_context())
        data.is_valid(raise_exception=True)
        key_result_update(key_result=key_result, actor=self.actor, **data.validated_data)
        return Response(KeyResultSerializer(_key_result(key_result)).data)

    def delete(self, request: Request, pk: str) -> Response:
        key_result_delete(key_result=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)
