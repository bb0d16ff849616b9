"""REST API of the KPI dashboards: KPIs as a resource, and user-arranged dashboards.

Beside ``metrics.api`` (events, metric definitions, series, experiments), which is past the size
where a module is split by noun. The same rules: thin views, strict input serializers, services
write, selectors read (the same ones the dashboard pages use), ``capabilities`` per method.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers

from metrics import selectors
from metrics.api import PRODUCT_PATH
from metrics.models import Interval, TargetDirection
from pmhub.capabilities import Action
from pmhub.models import Product
from pmhub.selectors import product_get, product_list
from pmhub.serializers import UserSummarySerializer
from pmhub.tenancy import WorkspaceContextMixin

# --- KPIs ----------------------------------------------------------------------------------------


class KpiQuery(serializers.Serializer):
    interval = serializers.ChoiceField(
        choices=Interval.choices,
        default=Interval.DAY,
        help_text="Bucket of the current value (retention KPIs are weekly whatever it is).",
    )


class KpiSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Id of the metric.")
    product = serializers.IntegerField(help_text="Id of the KPI's product.")
    product_name = serializers.CharField()
    key = serializers.CharField(help_text="The metric's key.")
    name = serializers.CharField()
    kind = serializers.CharField()
    unit = serializers.CharField()
    format = serializers.ChoiceField(
        choices=["count", "decimal", "percent"], help_text="How values read (percent: a share)."
    )
    interval = serializers.CharField()
    bucket = serializers.DateField(
        allow_null=True, help_text="The latest finished bucket (day by default) with a value."
    )
    value = serializers.FloatField(allow_null=True)
    finished = serializers.BooleanField(
        help_text="False when no bucket of the last 90 days is over yet: the value is then of "
        "one still filling up."
    )
    previous_bucket = serializers.DateField(allow_null=True)
    previous_value = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(
        allow_null=True, help_text="vs the previous bucket; read with `change_unit`."
    )
    change_unit = serializers.ChoiceField(
        choices=["relative", "points"],
        help_text="relative: 0.1 = +10 %; points: a share's difference (0.02 = 2 pp).",
    )
    status = serializers.CharField(
        allow_null=True,
        help_text="Against the thresholds (or the target): `good` (on target), `warning` (at "
        "risk) or `bad` (off target).",
    )
    target = serializers.FloatField()
    target_direction = serializers.ChoiceField(choices=TargetDirection.choices)
    warning_threshold = serializers.FloatField(allow_null=True)
    bad_threshold = serializers.FloatField(allow_null=True)
    owner = UserSummarySerializer(allow_null=True)
    alerted = serializers.BooleanField(help_text="The owner was emailed that it is off target.")
    alerted_at = serializers.DateTimeField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)


def _kpi_row(board: selectors.KpiBoard, tile: selectors.Tile) -> dict[str, Any]:
    metric = tile.metric
    current, previous = tile.current, tile.previous
    return {
        "id": metric.pk,
        "product": board.product.pk,
        "product_name": board.product.name,
        "key": metric.key,
        "name": metric.name,
        "kind": metric.kind,
        "unit": metric.unit,
        "format": tile.format,
        "interval": tile.interval,
        "bucket": current[0] if current else None,
        "value": current[1] if current else None,
        "finished": not tile.partial,
        "previous_bucket": previous[0] if previous else None,
        "previous_value": previous[1] if previous else None,
        "change": tile.change,
        "change_unit": tile.change_unit,
        "status": tile.status,
        "target": metric.target,
        "target_direction": metric.target_direction,
        "warning_threshold": metric.warning_threshold,
        "bad_threshold": metric.bad_threshold,
        "owner": metric.owner,
        "alerted": metric.alerted_at is not None,
        "alerted_at": metric.alerted_at,
        "computed_at": board.computed_at,
    }


class _KpiListView(WorkspaceContextMixin, generics.ListAPIView):
    """KPIs of some products of the workspace: their tiles, paginated."""

    serializer_class = KpiSerializer
    capabilities = {"GET": Action.METRIC_VIEW}
    filter_backends: list = []

    def products(self) -> list[Product]:
        raise NotImplementedError

    def get_queryset(self) -> list[dict[str, Any]]:  # type: ignore[override]
        if getattr(self, "swagger_fake_view", False):
            return []
        query = KpiQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        kpis = selectors.kpi_list(
            products=self.products(), interval=query.validated_data["interval"]
        )
        return [_kpi_row(board, tile) for board, tile in kpis]


@extend_schema_view(
    get=extend_schema(parameters=[PRODUCT_PATH, KpiQuery], operation_id="product_kpis_list")
)
class ProductKpiListView(_KpiListView):
    """The product's KPIs (metrics with a target): latest finished value, change, status."""

    def products(self) -> list[Product]:
        return [product_get(workspace=self.workspace, pk=self.kwargs["product_pk"])]


@extend_schema_view(get=extend_schema(parameters=[KpiQuery], operation_id="kpis_list"))
class WorkspaceKpiListView(_KpiListView):
    """The executive overview: the KPIs of every active product, by product name then key."""

    def products(self) -> list[Product]:
        return list(product_list(workspace=self.workspace).order_by("name", "pk"))


DASHBOARD_PATH = OpenApiParameter(
    "pk", int, OpenApiParameter.PATH, description="Id of a dashboard of your workspace."
)
