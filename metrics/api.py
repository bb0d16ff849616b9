"""REST API of the metrics app: write keys, the event explorer, metric definitions and series.

Thin views as in ``pmhub.api``: serializers validate and shape, services write, selectors read,
and ``capabilities`` names the action of the capability table each request needs. A product in a
URL or a body is looked up in the request's workspace only: another workspace's is a 404 in a URL
and a 400 naming ``product`` in a body.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics import selectors
from metrics.filters import EventFilter, RejectionFilter
from metrics.models import (
    Annotation,
    Event,
    Experiment,
    ExperimentStatus,
    Interval,
    Metric,
    MetricKind,
    Rejection,
    TargetDirection,
    WriteKey,
)
from metrics.services.annotations import annotation_create, annotation_delete
from metrics.services.experiments import (
    experiment_create,
    experiment_decide,
    experiment_delete,
    experiment_results,
    experiment_update,
)
from metrics.services.metric_definitions import (
    METRIC_FIELDS,
    metric_create,
    metric_delete,
    metric_update,
)
from metrics.services.write_keys import write_key_create, write_key_revoke
from pmhub.capabilities import Action
from pmhub.filters import IdFilter
from pmhub.models import Product
from pmhub.selectors import product_get
from pmhub.serializers import (
    MAX_ID,
    StrictSerializer,
    UserSummarySerializer,
    WorkspaceMemberField,
)
from pmhub.tenancy import WorkspaceContextMixin, WorkspaceScopedMixin, scope

# --- Write keys ----------------------------------------------------------------------------------


class WriteKeySerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = WriteKey
        fields = [
            "id",
            "product",
            "name",
            "prefix",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
            "active",
        ]
        read_only_fields = fields


class NewWriteKeySerializer(WriteKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The write key itself; shown only once.")

    class Meta(WriteKeySerializer.Meta):
        fields = [*WriteKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


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


class WriteKeyInput(StrictSerializer):
    product = WorkspaceProductField(help_text="Id of the product the key sends events to.")
    name = serializers.CharField(max_length=100, help_text="Where the events come from.")


class WriteKeyFilter(django_filters.FilterSet):
    product = IdFilter(field_name="product_id")

    class Meta:
        model = WriteKey
        fields = ["product"]


@extend_schema_view(
    create=extend_schema(request=WriteKeyInput, responses={201: NewWriteKeySerializer}),
    destroy=extend_schema(
        responses={204: None}, description="Revoke the write key: its events are refused."
    ),
)
class WriteKeyViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Write keys of the workspace's products: what analytics SDKs send events with."""

    queryset = WriteKey.objects.all()
    serializer_class = WriteKeySerializer
    filterset_class = WriteKeyFilter
    ordering_fields = ["created_at", "name", "last_used_at"]
    ordering = ["-created_at", "-id"]
    capabilities = {
        "list": Action.WRITE_KEY_MANAGE,
        "retrieve": Action.WRITE_KEY_MANAGE,
        "create": Action.WRITE_KEY_MANAGE,
        "destroy": Action.WRITE_KEY_MANAGE,
    }

    def scoped_queryset(self, workspace):
        return selectors.write_key_list(workspace=workspace)

    def create(self, request: Request) -> Response:
        data = WriteKeyInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        key, raw = write_key_create(actor=self.actor, **data.validated_data)
        body = NewWriteKeySerializer(key).data | {"key": raw}
        return Response(body, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str) -> Response:
        write_key_revoke(key=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Event explorer ------------------------------------------------------------------------------

PRODUCT_PATH = OpenApiParameter(
    "product_pk",
    int,
    OpenApiParameter.PATH,
    description="Id of a product of your workspace.",
)


class EventSerializer(serializers.ModelSerializer):
    person_id = serializers.IntegerField(
        read_only=True, help_text="The person at ingestion (persons merged later point onward)."
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "message_id",
            "type",
            "name",
            "user_id",
            "anonymous_id",
            "person_id",
            "timestamp",
            "received_at",
            "properties",
            "traits",
            "context",
        ]
        read_only_fields = fields


class RejectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rejection
        fields = ["id", "code", "reason", "message_id", "excerpt", "received_at"]
        read_only_fields = fields


class _ProductListView(WorkspaceContextMixin, generics.ListAPIView):
    """A list of one product's rows: the product is looked up in the request's workspace."""

    filter_backends = [DjangoFilterBackend]

    def product(self) -> Product:
        return product_get(workspace=self.workspace, pk=self.kwargs["product_pk"])


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_events_list")
)
class EventListView(_ProductListView):
    """Events the product received, newest arrival first, with the total `count`."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    capabilities = {"GET": Action.EVENT_VIEW}

    def get_queryset(self) -> QuerySet[Event]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no request
            return Event.objects.none()
        return selectors.event_list(product=self.product())


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH], operation_id="product_rejections_list")
)
class RejectionListView(_ProductListView):
    """Messages ingestion refused for the product, newest first, each with its reason."""

    serializer_class = RejectionSerializer
    filterset_class = RejectionFilter
    capabilities = {"GET": Action.EVENT_VIEW}

    def get_queryset(self) -> QuerySet[Rejection]:
        if getattr(self, "swagger_fake_view", False):
            return Rejection.objects.none()
        return selectors.rejection_list(product=self.product())


# --- Metrics and their series --------------------------------------------------------------------

# A series request may span at most this many days (resource limits: no unbounded reads).
MAX_SERIES_DAYS = 1100


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
class MetricListView(_ProductListView):
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
    def get(self, request: Request, product_pk: str, key: str) -> Response:
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
        return Response(body)


# --- Annotations ---------------------------------------------------------------------------------


class AnnotationSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Annotation
        fields = ["id", "day", "text", "url", "source", "created_by", "created_at"]
        read_only_fields = fields


class AnnotationInput(StrictSerializer):
    day = serializers.DateField(help_text="The day the note marks on the charts.")
    text = serializers.CharField(max_length=200, help_text="What happened, e.g. “v2.3 shipped”.")
    url = serializers.CharField(
        max_length=500, allow_blank=True, required=False, help_text="An http(s) link, optional."
    )


ANNOTATION_PATH = OpenApiParameter(
    "pk", int, OpenApiParameter.PATH, description="Id of an annotation of the product."
)


@extend_schema_view(
    get=extend_schema(
        parameters=[PRODUCT_PATH, DateRangeQuery], operation_id="product_annotations_list"
    ),
    post=extend_schema(
        parameters=[PRODUCT_PATH],
        request=AnnotationInput,
        responses={201: AnnotationSerializer},
        operation_id="product_annotations_create",
    ),
)
class AnnotationListView(_ProductListView):
    """Dated notes on the product's charts, by day (`from`/`to` narrow them)."""

    serializer_class = AnnotationSerializer
    capabilities = {"GET": Action.METRIC_VIEW, "POST": Action.METRIC_MANAGE}
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Annotation]:
        if getattr(self, "swagger_fake_view", False):
            return Annotation.objects.none()
        product = self.product()
        query = DateRangeQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.annotation_list(
            product=product,
            start=query.validated_data.get("from"),
            end=query.validated_data.get("to"),
        )

    def post(self, request: Request, product_pk: str) -> Response:
        product = self.product()
        data = AnnotationInput(data=request.data)
        data.is_valid(raise_exception=True)
        annotation = annotation_create(product=product, actor=self.actor, **data.validated_data)
        return Response(AnnotationSerializer(annotation).data, status=status.HTTP_201_CREATED)


class AnnotationDetailView(WorkspaceContextMixin, APIView):
    """One annotation: delete it from the product's charts."""

    capabilities = {"DELETE": Action.METRIC_MANAGE}

    @extend_schema(
        parameters=[PRODUCT_PATH, ANNOTATION_PATH],
        responses={204: None},
        operation_id="product_annotation_destroy",
    )
    def delete(self, request: Request, product_pk: str, pk: str) -> Response:
        product = product_get(workspace=self.workspace, pk=product_pk)
        annotation = selectors.annotation_get(product=product, pk=int(pk))
        annotation_delete(annotation=annotation, actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Experiments ---------------------------------------------------------------------------------


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
class ExperimentListView(_ProductListView):
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
