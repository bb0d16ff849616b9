"""A product's backlog settings: its prioritization framework (and custom formula), estimation
scale and the board's WIP limits."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from backlog.api.common import ProductActionView
from backlog.models import BacklogSettings, EstimationScale, Status
from backlog.scoring import Framework
from backlog.services.scores import settings_for, settings_update
from pmhub.capabilities import Action
from pmhub.serializers import StrictSerializer
from roadmaps.api.common import PRODUCT_PATH


class BacklogSettingsSerializer(serializers.ModelSerializer):
    wip_limits = serializers.DictField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="The most items each status column should hold, by status.",
    )

    class Meta:
        model = BacklogSettings
        fields = ["product", "framework", "formula", "scale", "wip_limits", "scores_stale"]
        read_only_fields = fields
        extra_kwargs = {
            "formula": {
                "help_text": "The custom framework's formula over the numeric inputs "
                "and the number and checkbox custom fields."
            },
            "scores_stale": {
                "help_text": "true while the items are rescored after a change "
                "of framework or formula."
            },
        }


class BacklogSettingsInput(StrictSerializer):
    framework = serializers.ChoiceField(choices=Framework.choices, required=False)
    formula = serializers.CharField(
        max_length=500,
        allow_blank=True,
        required=False,
        help_text="For the custom framework, e.g. `(reach * impact) / effort`; an error names "
        "its position.",
    )
    scale = serializers.ChoiceField(choices=EstimationScale.choices, required=False)
    wip_limits = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=10_000),
        required=False,
        help_text=f"Status ({', '.join(Status.values)}) to the most items its column should "
        "hold; replaces the map.",
    )


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_backlog_settings_retrieve"),
    patch=extend_schema(
        parameters=[PRODUCT_PATH],
        request=BacklogSettingsInput,
        responses=BacklogSettingsSerializer,
        operation_id="product_backlog_settings_update",
    ),
)
class BacklogSettingsView(ProductActionView):
    """How the product prioritizes and estimates. A new framework or formula rescores every item
    in the background (`scores_stale` until then)."""

    serializer_class = BacklogSettingsSerializer
    capabilities = {"GET": Action.BACKLOG_VIEW, "PATCH": Action.BACKLOG_CONFIGURE}

    def get(self, request: Request, product_pk: str) -> Response:
        return Response(BacklogSettingsSerializer(settings_for(self.product())).data)

    def patch(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = BacklogSettingsInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        settings = settings_update(product=product, actor=self.actor, **data.validated_data)
        return Response(BacklogSettingsSerializer(settings).data)
