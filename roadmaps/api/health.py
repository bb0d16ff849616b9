"""Health updates of initiatives and objectives: post one (it becomes the subject's health) and
read the history, newest first."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmhub.capabilities import Action
from pmhub.serializers import StrictSerializer, UserSummarySerializer
from pmhub.tenancy import get_scoped_or_404
from roadmaps.api.common import ChildListView, path_id
from roadmaps.models import Health, HealthUpdate, Initiative, Objective
from roadmaps.services.health import health_update_post


class HealthUpdateSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = HealthUpdate
        fields = ["id", "initiative", "objective", "health", "note", "author", "created_at"]
        read_only_fields = fields


class HealthUpdateInput(StrictSerializer):
    health = serializers.ChoiceField(choices=Health.choices)
    note = serializers.CharField(
        allow_blank=True, required=False, max_length=500, help_text="What changed, briefly."
    )


class _HealthUpdateListView(ChildListView):
    serializer_class = HealthUpdateSerializer
    capabilities = {"GET": Action.ROADMAP_VIEW, "POST": Action.LAUNCH_UPDATE}
    subject_model: type[Initiative] | type[Objective]

    def subject(self) -> Initiative | Objective:
        rows = self.subject_model._default_manager.select_related("product__workspace")
        return cast(
            "Initiative | Objective", get_scoped_or_404(rows, self.workspace, pk=self.kwargs["pk"])
        )

    def get_queryset(self) -> QuerySet[HealthUpdate]:
        if getattr(self, "swagger_fake_view", False):
            return HealthUpdate.objects.none()
        return self.subject().health_updates.select_related("author").order_by("-created_at", "-pk")

    def post(self, request: Request, pk: str) -> Response:
        subject = self.subject()
        data = HealthUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        update = health_update_post(subject=subject, actor=self.actor, **data.validated_data)
        return Response(HealthUpdateSerializer(update).data, status=status.HTTP_201_CREATED)


INITIATIVE_PATH = path_id("pk", "an initiative of your workspace")
OBJECTIVE_PATH = path_id("pk", "an objective of your workspace")


@extend_schema_view(
    get=extend_schema(parameters=[INITIATIVE_PATH], operation_id="initiative_health_list"),
    post=extend_schema(
        parameters=[INITIATIVE_PATH],
        request=HealthUpdateInput,
        responses={201: HealthUpdateSerializer},
        operation_id="initiative_health_create",
    ),
)
class InitiativeHealthView(_HealthUpdateListView):
    """An initiative's health updates, newest first; post one to set its health."""

    subject_model = Initiative


@extend_schema_view(
    get=extend_schema(parameters=[OBJECTIVE_PATH], operation_id="objective_health_list"),
    post=extend_schema(
        parameters=[OBJECTIVE_PATH],
        request=HealthUpdateInput,
        responses={201: HealthUpdateSerializer},
        operation_id="objective_health_create",
    ),
)
class ObjectiveHealthView(_HealthUpdateListView):
    """An objective's health updates, newest first; post one to set its health."""

    subject_model = Objective
