"""Metric definitions of a product and their computed series."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics import selectors
from metrics.api.common import (
    PRODUCT_PATH,
    DateRangeQuery,
    ProductChildListView,
)
from metrics.models import (
    Annotation,
    Interval,
    Metric,
    MetricKind,
    TargetDirection,
)
from metrics.series_cache import KeptSeries
from metrics.services.metric_definitions import (
    METRIC_FIELDS,
    metric_create,
    metric_delete,
    metric_update,
)
from pmhub.capabilities import Action
from pmhub.selectors import product_get
from pmhub.serializers import (
    StrictSerializer,
    WorkspaceMemberField,
)
from pmhub.tenancy import WorkspaceContextMixin


class MetricSerializer(serializers.ModelSerializer):
    numerator: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="key", read_only=True
    )
    denominator: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="key", read_only=True
    )

    class Meta:
        model = Metric
        fields = ["id", *METRIC_FIELDS, "created_at", "updated_at"]
        read_only_fields = fields


class SeriesQuery(DateRangeQuery):
    interval = serializers.ChoiceField(choices=Interval.choices, default=Interval.DAY)
    to = serializers.DateField(required=False, help_text="Last bucket (default: the latest).")


SeriesQuery._declared_fields["from"] = serializers.DateField(
    required=False, help_text="First bucket (default: 90 days before `to`)."
)


class PointSerializer(serializers.Serializer):
    bucket = serializers.DateField()
    value = serializers.FloatField(allow_null=True)
    detail = serializers.JSONField(
        required=False, help_text="A funnel's persons per step, beside its conversion."
    )


class ChartAnnotationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Annotation
        fields = ["day", "text", "url", "source"]
        read_only_fields = fields
        extra_kwargs = {
            "url": {"help_text": "A link to what happened (may be empty)."},
            "source": {"help_text": "`manual`, or the app that wrote it (`roadmaps`)."},
        }


class SeriesSerializer(serializers.Serializer):
    metric = serializers.CharField(help_text="The metric's key.")
    name = serializers.CharField()
    kind = serializers.CharField()
    interval = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    points = PointSerializer(many=True)
    annotations = ChartAnnotationSerializer(
        many=True, help_text="Notes of the product dated within the series' buckets, by day."
    )


METRIC_KEY_PATH = OpenApiParameter("key", str, OpenApiParameter.PATH, description="Metric key.")


class MetricKeyField(serializers.SlugField):
    """Another metric of the same product, named by its key (a ratio's parts)."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        key = super().run_validation(data)  # the key is checked as text before it is looked up
        if key is None:
            return None
        metric = selectors.metric_list(product=self.context["product"]).filter(key=key).first()
        if metric is None:
            raise serializers.ValidationError(f"This product has no metric {key!r}.")
        return metric


class MetricInput(StrictSerializer):
    target = serializers.FloatField(
        required=False, allow_null=True, help_text="As a KPI: the value to reach."
    )
    target_direction = serializers.ChoiceField(choices=TargetDirection.choices, required=False)
    warning_threshold = serializers.FloatField(required=False, allow_null=True)
    bad_threshold = serializers.FloatField(required=False, allow_null=True)
    owner = WorkspaceMemberField(
        required=False, allow_null=True, help_text="User id of the member who owns this KPI."
    )
    key = serializers.SlugField(max_length=60)
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=500, allow_blank=True, required=False)
    kind = serializers.ChoiceField(choices=MetricKind.choices)
    event = serializers.CharField(
        max_length=200,
        allow_blank=True,
        required=False,
        help_text="Only track events of this name (blank: any event).",
    )
    value_property = serializers.CharField(max_length=200, allow_blank=True, required=False)
    window_days = serializers.IntegerField(
        min_value=1, max_value=365, required=False, allow_null=True
    )
    retention_weeks = serializers.IntegerField(min_value=1, max_value=52, required=False)
    filters = serializers.JSONField(
        required=False,
        help_text='Conditions, all of which must hold: [{"on": "property"|"trait", "key": …, '
        '"op": "eq"|"neq"|"contains"|"gt"|"lt"|"is_set", "value": …}]',
    )
    steps = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=10,
        help_text="Funnel: the event names, in order.",
    )
    conversion_window_hours = serializers.IntegerField(
        min_value=1,
        max_value=2160,
        required=False,
        allow_null=True,
        help_text="Funnel: how long after the first step the last may come.",
    )
    percentile = serializers.IntegerField(
        min_value=1, max_value=99, required=False, allow_null=True, help_text="e.g. 95 for p95"
    )
    numerator = MetricKeyField(max_length=60, required=False, allow_null=True)
    denominator = MetricKeyField(max_length=60, required=False, allow_null=True)
    unit = serializers.CharField(max_length=20, allow_blank=True, required=False)


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_metrics_list"),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=MetricInput,
        responses={201: MetricSerializer},
        operation_id="product_metrics_create",
    ),
)
class MetricListView(ProductChildListView):
    """The product's metric definitions (the standard KPI set and any added)."""

    serializer_class = MetricSerializer
    capabilities = {"GET": Action.METRIC_VIEW, "POST": Action.METRIC_MANAGE}
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Metric]:
        if getattr(self, "swagger_fake_view", False):
            return Metric.objects.none()
        return selectors.metric_list(product=self.product())

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = MetricInput(
            data=request.data, context={"product": product, "workspace": self.workspace}
        )
        data.is_valid(raise_exception=True)
        metric = metric_create(product=product, actor=self.actor, **data.validated_data)
        return Response(MetricSerializer(metric).data, status=status.HTTP_201_CREATED)


class MetricDetailView(WorkspaceContextMixin, APIView):
    """One metric definition: read, change (values are recomputed) or delete."""

    capabilities = {
        "GET": Action.METRIC_VIEW,
        "PATCH": Action.METRIC_MANAGE,
        "DELETE": Action.METRIC_MANAGE,
    }

    def _metric(self, product_pk: str, key: str) -> Metric:
        product = product_get(workspace=self.workspace, pk=product_pk)
        return selectors.metric_get(product=product, key=key)

    @extend_schema(
        parameters=[PRODUCT_PATH, METRIC_KEY_PATH],
        responses=MetricSerializer,
        operation_id="product_metric_retrieve",
    )
    def get(self, request: Request, product_pk: str, key: str) -> Response:
        return Response(MetricSerializer(self._metric(product_pk, key)).data)

    @extend_schema(
        parameters=[PRODUCT_PATH, METRIC_KEY_PATH],
        request=MetricInput(partial=True),
        responses=MetricSerializer,
        operation_id="product_metric_update",
    )
    def patch(self, request: Request, product_pk: str, key: str) -> Response:
        metric = self._metric(product_pk, key)
        data = MetricInput(
            data=request.data,
            partial=True,
            context={"product": metric.product, "workspace": self.workspace},
        )
        data.is_valid(raise_exception=True)
        metric_update(metric=metric, actor=self.actor, **data.validated_data)
        return Response(MetricSerializer(metric).data)

    @extend_schema(
        parameters=[PRODUCT_PATH, METRIC_KEY_PATH],
        responses={204: None},
        operation_id="product_metric_destroy",
    )
    def delete(self, request: Request, product_pk: str, key: str) -> Response:
        metric_delete(metric=self._metric(product_pk, key), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SeriesView(WorkspaceContextMixin, APIView):
    """A metric's computed values per bucket; dashboards read the same points."""

    capabilities = {"GET": Action.METRIC_VIEW}

    @extend_schema(
        parameters=[PRODUCT_PATH, METRIC_KEY_PATH, SeriesQuery],
        responses=SeriesSerializer,
        operation_id="product_metric_series",
    )
    def get(self, request: Request, product_pk: str, key: str) -> HttpResponse:
        # Checked before: the token, the membership and the role. The workspace is part of the
        # entry's key, so a kept answer is only found by the workspace that computed it.
        kept = KeptSeries(
            workspace_id=self.workspace.pk,
            product_id=int(product_pk),  # digits, as the URL pattern takes them
            key=key,
            query=request.META.get("QUERY_STRING", ""),
            media_type=request.accepted_media_type,
        )
        answer = kept.get()
        if answer is not None:
            return answer
        metric = selectors.product_metric_get(
            workspace=self.workspace, product_pk=product_pk, key=key
        )
        query = SeriesQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        series = selectors.metric_series(
            metric=metric,
            interval=query.validated_data["interval"],
            start=query.validated_data.get("from"),
            end=query.validated_data.get("to"),
        )
        annotations = selectors.annotation_list(
            product=metric.product,
            start=series.start,
            end=selectors.bucket_end(series.end, series.interval),
        )
        # Already in SeriesSerializer's shape: dates, datetimes and floats render the same through
        # the JSON renderer, without a serializer field per point (the hot path of dashboards).
        body = {
            "metric": metric.key,
            "name": metric.name,
            "kind": metric.kind,
            "interval": series.interval,
            "computed_at": series.computed_at,
            "points": [
                {"bucket": bucket, "value": value}
                | ({"detail": series.details[bucket]} if bucket in series.details else {})
                for bucket, value in series.points
            ],
            "annotations": list(annotations.values(*ChartAnnotationSerializer.Meta.fields)),
        }
        response = Response(body)
        response.add_post_render_callback(kept.keep)
        return response
