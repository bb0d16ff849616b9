"""Experiments: definitions, lifecycle, results and the decision record."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics import selectors
from metrics.api.common import (
    PRODUCT_PATH,
    ProductChildListView,
)
from metrics.models import (
    Experiment,
    ExperimentStatus,
)
from metrics.services.experiments import (
    experiment_create,
    experiment_decide,
    experiment_delete,
    experiment_results,
    experiment_update,
)
from pmhub.capabilities import Action
from pmhub.selectors import product_get
from pmhub.serializers import (
    StrictSerializer,
    UserSummarySerializer,
)
from pmhub.tenancy import WorkspaceContextMixin


class ExperimentSerializer(serializers.ModelSerializer):
    decided_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Experiment
        fields = [
            "id",
            "key",
            "name",
            "hypothesis",
            "exposure_event",
            "variant_property",
            "control_variant",
            "conversion_event",
            "start",
            "end",
            "status",
            "minimum_detectable_effect",
            "decision",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class VariantResultSerializer(serializers.Serializer):
    variant = serializers.CharField()
    is_control = serializers.BooleanField()
    users = serializers.IntegerField(help_text="Persons whose first exposure was this variant.")
    conversions = serializers.IntegerField(help_text="Of them, who converted after it.")
    rate = serializers.FloatField(allow_null=True)
    difference = serializers.FloatField(
        allow_null=True, help_text="rate − control's rate (null for the control)."
    )
    lift = serializers.FloatField(
        allow_null=True, help_text="(rate − control's rate) ÷ control's rate."
    )
    ci_low = serializers.FloatField(allow_null=True, help_text="95 % interval of the difference.")
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(
        allow_null=True, help_text="Two-sided, two-proportion z-test against the control."
    )


class SampleRatioSerializer(serializers.Serializer):
    chi_square = serializers.FloatField()
    df = serializers.IntegerField()
    p_value = serializers.FloatField()
    mismatch = serializers.BooleanField(help_text="p < 0.001: the split is not as planned.")


class ExperimentResultsSerializer(serializers.Serializer):
    until = serializers.DateTimeField(help_text="The end, or now while the experiment is open.")
    variants = VariantResultSerializer(many=True)
    sample_ratio = SampleRatioSerializer(allow_null=True)
    sample_size_per_variant = serializers.IntegerField(
        allow_null=True,
        help_text="Users per variant to detect the minimum detectable effect on the control's "
        "rate (alpha 0.05 two-sided, power 0.8).",
    )


class ExperimentDetailSerializer(ExperimentSerializer):
    results = ExperimentResultsSerializer(read_only=True)

    class Meta(ExperimentSerializer.Meta):
        fields = [*ExperimentSerializer.Meta.fields, "results"]
        read_only_fields = fields


def _results_body(experiment: Experiment) -> dict[str, Any]:
    results = experiment_results(experiment=experiment)
    variants = []
    for v in results.variants:
        c = v.comparison
        variants.append(
            {
                "variant": v.variant,
                "is_control": v.is_control,
                "users": v.users,
                "conversions": v.conversions,
                "rate": v.rate,
                "difference": c.difference if c else None,
                "lift": c.lift if c else None,
                "ci_low": c.ci_low if c else None,
                "ci_high": c.ci_high if c else None,
                "p_value": c.p_value if c else None,
            }
        )
    srm = results.srm
    return {
        "until": results.until,
        "variants": variants,
        "sample_ratio": None
        if srm is None
        else {
            "chi_square": srm.chi_square,
            "df": srm.df,
            "p_value": srm.p_value,
            "mismatch": srm.mismatch,
        },
        "sample_size_per_variant": results.sample_size_per_variant,
    }


class ExperimentInput(StrictSerializer):
    key = serializers.SlugField(max_length=60)
    name = serializers.CharField(max_length=120)
    hypothesis = serializers.CharField(allow_blank=True, required=False, max_length=5000)
    exposure_event = serializers.CharField(
        max_length=200, help_text="Track event sent when someone sees a variant."
    )
    variant_property = serializers.CharField(
        max_length=200, required=False, help_text="The exposure's property naming the variant."
    )
    control_variant = serializers.CharField(max_length=200, required=False)
    conversion_event = serializers.CharField(max_length=200)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=ExperimentStatus.choices,
        required=False,
        help_text="draft → running → stopped, one step at a time; decide with /decision/.",
    )
    minimum_detectable_effect = serializers.FloatField(
        min_value=0.0001, max_value=10, required=False, help_text="Relative: 0.1 = 10 %."
    )


class DecisionInput(StrictSerializer):
    decision = serializers.CharField(max_length=5000, help_text="What was decided, and why.")


EXPERIMENT_KEY_PATH = OpenApiParameter(
    "key", str, OpenApiParameter.PATH, description="Experiment key."
)


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_experiments_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=ExperimentInput,
        responses={201: ExperimentSerializer},
        operation_id="product_experiments_create",
    ),
)
class ExperimentListView(ProductChildListView):
    """The product's A/B tests, newest first (results are on each experiment)."""

    serializer_class = ExperimentSerializer
    capabilities = {"GET": Action.METRIC_VIEW, "POST": Action.METRIC_MANAGE}
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Experiment]:
        if getattr(self, "swagger_fake_view", False):
            return Experiment.objects.none()
        return selectors.experiment_list(product=self.product())

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = ExperimentInput(data=request.data)
        data.is_valid(raise_exception=True)
        experiment = experiment_create(product=product, actor=self.actor, **data.validated_data)
        return Response(ExperimentSerializer(experiment).data, status=status.HTTP_201_CREATED)


class ExperimentDetailView(WorkspaceContextMixin, APIView):
    """One experiment with its results computed from the events; change or delete it."""

    capabilities = {
        "GET": Action.METRIC_VIEW,
        "PATCH": Action.METRIC_MANAGE,
        "DELETE": Action.METRIC_MANAGE,
    }

    def _experiment(self, product_pk: str, key: str) -> Experiment:
        product = product_get(workspace=self.workspace, pk=product_pk)
        return selectors.experiment_get(product=product, key=key)

    @extend_schema(
        parameters=[PRODUCT_PATH, EXPERIMENT_KEY_PATH],
        responses=ExperimentDetailSerializer,
        operation_id="product_experiment_retrieve",
    )
    def get(self, request: Request, product_pk: str, key: str) -> Response:
        experiment = self._experiment(product_pk, key)
        body = ExperimentSerializer(experiment).data | {"results": _results_body(experiment)}
        return Response(ExperimentDetailSerializer(body).data)

    @extend_schema(
        parameters=[PRODUCT_PATH, EXPERIMENT_KEY_PATH],
        request=ExperimentInput(partial=True),
        responses=ExperimentSerializer,
        operation_id="product_experiment_update",
    )
    def patch(self, request: Request, product_pk: str, key: str) -> Response:
        experiment = self._experiment(product_pk, key)
        data = ExperimentInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        experiment_update(experiment=experiment, actor=self.actor, **data.validated_data)
        return Response(ExperimentSerializer(experiment).data)

    @extend_schema(
        parameters=[PRODUCT_PATH, EXPERIMENT_KEY_PATH],
        responses={204: None},
        operation_id="product_experiment_destroy",
    )
    def delete(self, request: Request, product_pk: str, key: str) -> Response:
        experiment_delete(experiment=self._experiment(product_pk, key), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExperimentDecisionView(WorkspaceContextMixin, APIView):
    """Record the decision of a stopped experiment; it becomes ``decided``."""

    capabilities = {"POST": Action.METRIC_MANAGE}

    @extend_schema(
        parameters=[PRODUCT_PATH, EXPERIMENT_KEY_PATH],
        request=DecisionInput,
        responses=ExperimentSerializer,
        operation_id="product_experiment_decide",
    )
    def post(self, request: Request, product_pk: str, key: str) -> Response:
        product = product_get(workspace=self.workspace, pk=product_pk)
        experiment = selectors.experiment_get(product=product, key=key)
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        experiment_decide(experiment=experiment, actor=self.actor, **data.validated_data)
        return Response(ExperimentSerializer(experiment).data)
