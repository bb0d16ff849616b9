"""REST API of the KPI dashboards: KPIs as a resource, and user-arranged dashboards.

The same rules as the other resources: thin views, strict input serializers, services write,
selectors read (the same ones the dashboard pages use), ``capabilities`` per method.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from metrics import selectors
from metrics.api.common import PRODUCT_PATH, WorkspaceProductField
from metrics.models import (
    ChartKind,
    Dashboard,
    DashboardTile,
    Interval,
    Metric,
    TargetDirection,
)
from metrics.services.dashboards import (
    dashboard_create,
    dashboard_delete,
    dashboard_tile_add,
    dashboard_tile_move,
    dashboard_tile_remove,
    dashboard_tile_update,
    dashboard_update,
)
from pmhub.capabilities import Action
from pmhub.filters import IdFilter
from pmhub.models import Product
from pmhub.selectors import product_get, product_list
from pmhub.serializers import MAX_ID, StrictSerializer, UserSummarySerializer
from pmhub.tenancy import WorkspaceContextMixin, WorkspaceScopedMixin, scope

# --- KPIs ----------------------------------------------------------------------------------------


class KpiQuery(serializers.Serializer):
    interval = serializers.ChoiceField(
        choices=Interval.choices,
        default=Interval.DAY,
        help_text="Bucket of the current value (retention KPIs are weekly whatever it is).",
    )


class KpiLinkSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="What the KPI serves: `Key result`.")
    title = serializers.CharField()
    url = serializers.CharField(help_text="Its page in pmhub (a path).")
    belongs_to = serializers.CharField(help_text="What it belongs to: a key result's objective.")


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
    links = KpiLinkSerializer(
        many=True, help_text="The key results that the metric measures, in the OKR tree's order."
    )


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
        "links": tile.links,
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


# --- User-arranged dashboards --------------------------------------------------------------------


class DashboardTileSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="metric.key", help_text="The metric's key.")
    product = serializers.IntegerField(source="metric.product_id", help_text="Its product's id.")

    class Meta:
        model = DashboardTile
        fields = ["id", "metric", "product", "kind", "interval", "width", "position"]
        read_only_fields = fields


class DashboardSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    tiles = DashboardTileSerializer(many=True, read_only=True)

    class Meta:
        model = Dashboard
        fields = ["id", "name", "product", "created_by", "created_at", "updated_at", "tiles"]
        read_only_fields = fields


class DashboardInput(StrictSerializer):
    name = serializers.CharField(max_length=120)
    product = WorkspaceProductField(
        required=False,
        allow_null=True,
        help_text="Id of the product whose metrics it shows; null: a workspace dashboard.",
    )


class DashboardRenameInput(StrictSerializer):
    name = serializers.CharField(max_length=120)


class TileMetricField(serializers.IntegerField):
    """A metric id of the request's workspace (the service checks it fits the dashboard)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        metric_id = super().run_validation(data)
        metric = (
            scope(Metric.objects.select_related("product"), self.context["workspace"])
            .filter(pk=metric_id)
            .first()
        )
        if metric is None:
            raise serializers.ValidationError("No metric of this workspace has this id.")
        return metric


class TileInput(StrictSerializer):
    metric = TileMetricField(help_text="Id of the metric to draw (of the dashboard's product).")
    kind = serializers.ChoiceField(choices=ChartKind.choices, required=False)
    interval = serializers.ChoiceField(choices=Interval.choices, required=False)
    width = serializers.IntegerField(min_value=1, max_value=3, required=False)


class TileChangeInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=ChartKind.choices, required=False)
    interval = serializers.ChoiceField(choices=Interval.choices, required=False)
    width = serializers.IntegerField(min_value=1, max_value=3, required=False)


class TileMoveInput(StrictSerializer):
    position = serializers.IntegerField(
        min_value=0, max_value=10_000, help_text="Where it goes: 0 is first; past the end, last."
    )


class DashboardFilter(django_filters.FilterSet):
    product = IdFilter(field_name="product_id")

    class Meta:
        model = Dashboard
        fields = ["product"]


@extend_schema_view(
    create=extend_schema(request=DashboardInput, responses={201: DashboardSerializer}),
    partial_update=extend_schema(request=DashboardRenameInput, responses=DashboardSerializer),
    destroy=extend_schema(responses={204: None}),
)
class DashboardViewSet(
    WorkspaceScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Dashboards people arranged: a product's, or the workspace's (`product` null)."""

    queryset = Dashboard.objects.all()
    serializer_class = DashboardSerializer
    filterset_class = DashboardFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    capabilities = {
        "list": Action.METRIC_VIEW,
        "retrieve": Action.METRIC_VIEW,
        "create": Action.METRIC_MANAGE,
        "partial_update": Action.METRIC_MANAGE,
        "destroy": Action.METRIC_MANAGE,
    }

    def scoped_queryset(self, workspace):
        tiles = Prefetch("tiles", queryset=DashboardTile.objects.select_related("metric"))
        return selectors.dashboard_list(workspace=workspace).prefetch_related(tiles)

    def create(self, request: Request) -> Response:
        data = DashboardInput(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        dashboard = dashboard_create(
            workspace=self.workspace, actor=self.actor, **data.validated_data
        )
        return Response(DashboardSerializer(dashboard).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: str) -> Response:
        data = DashboardRenameInput(data=request.data)
        data.is_valid(raise_exception=True)
        dashboard = dashboard_update(
            dashboard=self.get_object(), actor=self.actor, **data.validated_data
        )
        return Response(DashboardSerializer(dashboard).data)

    def destroy(self, request: Request, pk: str) -> Response:
        dashboard_delete(dashboard=self.get_object(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


TILE_PATH = OpenApiParameter(
    "tile_pk", int, OpenApiParameter.PATH, description="Id of a tile of the dashboard."
)
DASHBOARD_PK_PATH = OpenApiParameter(
    "dashboard_pk", int, OpenApiParameter.PATH, description="Id of a dashboard of your workspace."
)


class _TileView(WorkspaceContextMixin, APIView):
    def dashboard(self) -> Dashboard:
        return selectors.dashboard_get(workspace=self.workspace, pk=self.kwargs["dashboard_pk"])

    def tile(self) -> DashboardTile:
        return selectors.dashboard_tile_get(dashboard=self.dashboard(), pk=self.kwargs["tile_pk"])


class DashboardTileListView(_TileView):
    """The dashboard's tiles in order; add one at the end."""

    capabilities = {"GET": Action.METRIC_VIEW, "POST": Action.METRIC_MANAGE}

    @extend_schema(
        parameters=[DASHBOARD_PK_PATH],
        responses=DashboardTileSerializer(many=True),
        operation_id="dashboard_tiles_list",
    )
    def get(self, request: Request, dashboard_pk: str) -> Response:
        tiles = selectors.dashboard_tile_list(dashboard=self.dashboard())
        return Response(DashboardTileSerializer(tiles, many=True).data)

    @extend_schema(
        parameters=[DASHBOARD_PK_PATH],
        request=TileInput,
        responses={201: DashboardTileSerializer},
        operation_id="dashboard_tiles_create",
    )
    def post(self, request: Request, dashboard_pk: str) -> Response:
        dashboard = self.dashboard()
        data = TileInput(data=request.data, context={"workspace": self.workspace})
        data.is_valid(raise_exception=True)
        tile = dashboard_tile_add(dashboard=dashboard, actor=self.actor, **data.validated_data)
        return Response(DashboardTileSerializer(tile).data, status=status.HTTP_201_CREATED)


class DashboardTileDetailView(_TileView):
    """One tile: read, change its kind, interval or width, or remove it."""

    capabilities = {
        "GET": Action.METRIC_VIEW,
        "PATCH": Action.METRIC_MANAGE,
        "DELETE": Action.METRIC_MANAGE,
    }

    @extend_schema(
        parameters=[DASHBOARD_PK_PATH, TILE_PATH],
        responses=DashboardTileSerializer,
        operation_id="dashboard_tile_retrieve",
    )
    def get(self, request: Request, dashboard_pk: str, tile_pk: str) -> Response:
        return Response(DashboardTileSerializer(self.tile()).data)

    @extend_schema(
        parameters=[DASHBOARD_PK_PATH, TILE_PATH],
        request=TileChangeInput,
        responses=DashboardTileSerializer,
        operation_id="dashboard_tile_update",
    )
    def patch(self, request: Request, dashboard_pk: str, tile_pk: str) -> Response:
        tile = self.tile()
        data = TileChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        dashboard_tile_update(tile=tile, actor=self.actor, **data.validated_data)
        return Response(DashboardTileSerializer(tile).data)

    @extend_schema(
        parameters=[DASHBOARD_PK_PATH, TILE_PATH],
        responses={204: None},
        operation_id="dashboard_tile_destroy",
    )
    def delete(self, request: Request, dashboard_pk: str, tile_pk: str) -> Response:
        dashboard_tile_remove(tile=self.tile(), actor=self.actor)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DashboardTileMoveView(_TileView):
    """Move a tile to another position; the others close up. Answers the tiles in order."""

    capabilities = {"POST": Action.METRIC_MANAGE}

    @extend_schema(
        parameters=[DASHBOARD_PK_PATH, TILE_PATH],
        request=TileMoveInput,
        responses=DashboardTileSerializer(many=True),
        operation_id="dashboard_tile_move",
    )
    def post(self, request: Request, dashboard_pk: str, tile_pk: str) -> Response:
        tile = self.tile()
        data = TileMoveInput(data=request.data)
        data.is_valid(raise_exception=True)
        dashboard_tile_move(tile=tile, actor=self.actor, **data.validated_data)
        tiles = selectors.dashboard_tile_list(dashboard=tile.dashboard)
        return Response(DashboardTileSerializer(tiles, many=True).data)
