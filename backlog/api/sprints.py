"""Sprints of a product: plan, change (the review and retrospective notes too), delete a planned
one, start one (committing its open points), close the active one (unfinished work goes to a
planned sprint or back to the backlog)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from backlog.models import Sprint
from backlog.selectors import product_sprints
from backlog.services.sprints import (
    sprint_close,
    sprint_create,
    sprint_delete,
    sprint_start,
    sprint_update,
)
from pmhub.capabilities import Action
from pmhub.serializers import StrictSerializer
from roadmaps.api.common import (
    PK_PATH,
    PRODUCT_PATH,
    FiniteFloatField,
    ProductChildListView,
    ScopedIdField,
    ScopedObjectView,
    scoped,
)


class SprintSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sprint
        fields = [
            "id",
            "product",
            "name",
            "goal",
            "starts_on",
            "ends_on",
            "capacity",
            "status",
            "started_at",
            "closed_at",
            "committed_points",
            "completed_points",
            "review",
            "went_well",
            "to_improve",
            "actions",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "capacity": {"help_text": "Story points the team can take on."},
            "committed_points": {"help_text": "Open points in it when it started."},
            "completed_points": {"help_text": "Points done when it closed (velocity)."},
        }


def _notes() -> serializers.CharField:
    return serializers.CharField(
        allow_blank=True, required=False, max_length=20_000, help_text="Markdown."
    )


class SprintInput(StrictSerializer):
    name = serializers.CharField(max_length=120)
    goal = serializers.CharField(allow_blank=True, required=False, max_length=500)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(help_text="On or after `starts_on`, at most two months on.")
    capacity = FiniteFloatField(min_value=0, required=False, allow_null=True)
    review = _notes()
    went_well = _notes()
    to_improve = _notes()
    actions = _notes()


class CloseInput(StrictSerializer):
    move_to = ScopedIdField(
        rows=scoped(Sprint),
        what="sprint",
        required=False,
        allow_null=True,
        help_text="Id of a planned sprint of the product that takes the unfinished items; "
        "null or absent: they go back to the backlog.",
    )


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_sprints_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=SprintInput,
        responses={201: SprintSerializer},
        operation_id="product_sprints_create",
    ),
)
class SprintListView(ProductChildListView):
    """The product's sprints: the active one, then the planned ones by date, then the closed
    ones, latest first; plan one."""

    serializer_class = SprintSerializer
    capabilities = {"GET": Action.BACKLOG_VIEW, "POST": Action.BACKLOG_EDIT}

    def get_queryset(self) -> QuerySet[Sprint]:
        if getattr(self, "swagger_fake_view", False):
            return Sprint.objects.none()
        return product_sprints(self.product())

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = SprintInput(data=request.data)
        data.is_valid(raise_exception=True)
        sprint = sprint_create(product=product, actor=self.actor, **data.validated_data)
        return Response(SprintSerializer(sprint).data, status=status.HTTP_201_CREATED)


class _SprintView(ScopedObjectView):
    queryset = Sprint.objects.select_related("product__workspace")
    serializer_class = SprintSerializer


@extend_schema_view(
    get=extend_schema(parameters=[PK_PATH], operation_id="sprint_retrieve"),
    patch=extend_schema(
        parameters=[PK_PATH],
        request=SprintInput,
        responses=SprintSerializer,
        operation_id="sprint_update",
    ),
    delete=extend_schema(
        parameters=[PK_PATH], responses={204: None}, operation_id="sprint_destroy"
    ),
)
class SprintDetailView(_SprintView):
    """One sprint: read, change, or delete it while planned (its items go back to the
    backlog)."""

    capabilities = {
        "GET": Action.BACKLOG_VIEW,
        "PATCH": Action.BACKLOG_EDIT,
        "DELETE": Action.BACKLOG_EDIT,
    }

    def get(self, request: Request, pk: str) -> Response:
        return Response(SprintSerializer(self.get_object()).data)

    def patch(self, request: Request, pk: str) -> Response:
        sprint = self.get_object()
        data = SprintInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        sprint_update(sprint=sprint, actor=self.actor, **data.validated_data)
        return Response(SprintSerializer(sprint).data)

    def delete(self, request: Request, pk: str) -> Response:
        sprint_delete(sprint=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _no_input(request: Request) -> None:
    if request.data:
        raise serializers.ValidationError(
            {str(key): ["Unknown or read-only field."] for key in request.data}
        )


@extend_schema_view(
    post=extend_schema(
        parameters=[PK_PATH], request=None, responses=SprintSerializer, operation_id="sprint_start"
    )
)
class SprintStartView(_SprintView):
    """Start a planned sprint: it becomes the product's one active sprint and records the open
    points it commits to (a 400 on `status` while another is active)."""

    capabilities = {"POST": Action.BACKLOG_EDIT}

    def post(self, request: Request, pk: str) -> Response:
        sprint = self.get_object()
        _no_input(request)
        sprint_start(sprint=sprint, actor=self.actor)
        return Response(SprintSerializer(sprint).data)


@extend_schema_view(
    post=extend_schema(
        parameters=[PK_PATH],
        request=CloseInput,
        responses=SprintSerializer,
        operation_id="sprint_close",
    )
)
class SprintCloseView(_SprintView):
    """Close the active sprint: its done points are recorded (velocity) and each unfinished item
    goes to `move_to` or back to the backlog."""

    capabilities = {"POST": Action.BACKLOG_EDIT}

    def post(self, request: Request, pk: str) -> Response:
        sprint = self.get_object()
        data = CloseInput(data=request.data, context=self.input_context())
        data.is_valid(raise_exception=True)
        options: dict[str, Any] = data.validated_data
        sprint_close(sprint=sprint, actor=self.actor, move_to=options.get("move_to"))
        return Response(SprintSerializer(sprint).data)
