"""URLs of the metrics app, mounted by pmhub/urls.py."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from metrics import dashboard_pages, pages, views
from metrics.api import annotations, dashboards, definitions, events, experiments, write_keys

# Event ingestion at the server root, exactly where the SDKs send (no trailing-slash redirects).
ingest_urlpatterns = [
    path("v1/batch", views.segment, {"kind": "batch"}, name="ingest-batch"),
    *[
        path(f"v1/{kind}", views.segment, {"kind": kind}, name=f"ingest-{kind}")
        for kind in ("track", "identify", "page", "screen", "group", "alias")
    ],
    re_path(r"^(?:batch|capture|e|i/v0/e)/?$", views.posthog, name="ingest-posthog"),
]

# The API, mounted under /api/v1/ in the ``api:metrics`` namespace.
router = SimpleRouter()
router.register("write-keys", write_keys.WriteKeyViewSet, basename="write-key")
router.register("dashboards", dashboards.DashboardViewSet, basename="dashboard")

_PRODUCT = r"^products/(?P<product_pk>[0-9]{1,18})"
_TILES = r"^dashboards/(?P<dashboard_pk>[0-9]{1,18})/tiles"
api_urlpatterns = [
    # The hottest read of the API (every chart), tried first.
    re_path(
        rf"{_PRODUCT}/metrics/(?P<key>[-a-zA-Z0-9_]{{1,60}})/series/$",
        definitions.SeriesView.as_view(),
        name="metric-series",
    ),
    *router.urls,
    re_path(rf"{_PRODUCT}/events/$", events.EventListView.as_view(), name="event-list"),
    re_path(rf"{_PRODUCT}/rejections/$", events.RejectionListView.as_view(), name="rejection-list"),
    re_path(rf"{_PRODUCT}/metrics/$", definitions.MetricListView.as_view(), name="metric-list"),
    re_path(
        rf"{_PRODUCT}/metrics/(?P<key>[-a-zA-Z0-9_]{{1,60}})/$",
        definitions.MetricDetailView.as_view(),
        name="metric-detail",
    ),
    re_path(
        rf"{_PRODUCT}/kpis/$", dashboards.ProductKpiListView.as_view(), name="product-kpi-list"
    ),
    path("kpis/", dashboards.WorkspaceKpiListView.as_view(), name="kpi-list"),
    re_path(rf"{_TILES}/$", dashboards.DashboardTileListView.as_view(), name="dashboard-tile-list"),
    re_path(
        rf"{_TILES}/(?P<tile_pk>[0-9]{{1,18}})/$",
        dashboards.DashboardTileDetailView.as_view(),
        name="dashboard-tile-detail",
    ),
    re_path(
        rf"{_TILES}/(?P<tile_pk>[0-9]{{1,18}})/move/$",
        dashboards.DashboardTileMoveView.as_view(),
        name="dashboard-tile-move",
    ),
    re_path(
        rf"{_PRODUCT}/annotations/$",
        annotations.AnnotationListView.as_view(),
        name="annotation-list",
    ),
    re_path(
        rf"{_PRODUCT}/annotations/(?P<pk>[0-9]{{1,18}})/$",
        annotations.AnnotationDetailView.as_view(),
        name="annotation-detail",
    ),
    re_path(
        rf"{_PRODUCT}/experiments/$",
        experiments.ExperimentListView.as_view(),
        name="experiment-list",
    ),
    re_path(
        rf"{_PRODUCT}/experiments/(?P<key>[-a-zA-Z0-9_]{{1,60}})/$",
        experiments.ExperimentDetailView.as_view(),
        name="experiment-detail",
    ),
    re_path(
        rf"{_PRODUCT}/experiments/(?P<key>[-a-zA-Z0-9_]{{1,60}})/decision/$",
        experiments.ExperimentDecisionView.as_view(),
        name="experiment-decision",
    ),
]

# Pages of a product, in the ``metrics`` namespace.
page_urlpatterns = [
    path("products/<slug:slug>/events/", pages.product_events, name="product-events"),
    path("products/<slug:slug>/sources/", pages.product_sources, name="product-sources"),
    path(
        "products/<slug:slug>/sources/<int:pk>/revoke/",
        pages.write_key_revoke_view,
        name="write-key-revoke",
    ),
    # KPI dashboards: the workspace's executive overview and each product's board.
    path("metrics/", pages.metrics_index, name="index"),
    path("products/<slug:slug>/metrics/", pages.product_dashboard, name="product-dashboard"),
    path(
        "products/<slug:slug>/metrics/recompute/",
        pages.product_recompute,
        name="product-recompute",
    ),
    # Dashboards people arrange: the workspace's and a product's, each with an edit mode.
    path("metrics/dashboards/", dashboard_pages.dashboard_index, name="dashboard-index"),
    path("metrics/dashboards/new/", dashboard_pages.dashboard_create_view, name="dashboard-create"),
    path(
        "products/<slug:slug>/dashboards/",
        dashboard_pages.product_dashboards,
        name="product-dashboards",
    ),
    path("metrics/dashboards/<int:pk>/", dashboard_pages.dashboard_page, name="custom-dashboard"),
    path(
        "metrics/dashboards/<int:pk>/delete/",
        dashboard_pages.dashboard_delete_view,
        name="custom-dashboard-delete",
    ),
    path(
        "metrics/dashboards/<int:pk>/tiles/",
        dashboard_pages.tile_add_view,
        name="custom-tile-add",
    ),
    *[
        path(f"metrics/dashboards/<int:pk>/tiles/<int:tile_pk>/{suffix}", view, name=name)
        for suffix, view, name in (
            ("", dashboard_pages.tile_change_view, "custom-tile-change"),
            ("move/", dashboard_pages.tile_move_view, "custom-tile-move"),
            ("remove/", dashboard_pages.tile_remove_view, "custom-tile-remove"),
        )
    ],
    # Experiments (A/B tests). "new-experiment" sits beside the list so no key can shadow it.
    path(
        "products/<slug:slug>/experiments/",
        pages.product_experiments,
        name="product-experiments",
    ),
    path(
        "products/<slug:slug>/new-experiment/",
        pages.experiment_create_view,
        name="experiment-create",
    ),
    *[
        path(f"products/<slug:slug>/experiments/<slug:key>/{suffix}", view, name=name)
        for suffix, view, name in (
            ("", pages.experiment_detail, "experiment-detail"),
            ("edit/", pages.experiment_edit, "experiment-edit"),
            ("status/", pages.experiment_status, "experiment-status"),
            ("decision/", pages.experiment_decide_view, "experiment-decide"),
            ("delete/", pages.experiment_delete_view, "experiment-delete"),
        )
    ],
    path(
        "products/<slug:slug>/metrics/annotations/",
        pages.annotation_add,
        name="annotation-add",
    ),
    path(
        "products/<slug:slug>/metrics/annotations/<int:pk>/delete/",
        pages.annotation_remove,
        name="annotation-remove",
    ),
]
