"""User-arranged dashboards: a product's or the workspace's, their tiles added, changed, moved
and removed through the API and the services; positions stay 0, 1, 2… in order."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.models import Dashboard, DashboardTile, Metric
from metrics.services.dashboards import (
    dashboard_create,
    dashboard_tile_add,
    dashboard_tile_move,
    dashboard_tile_remove,
)
from metrics.services.metric_definitions import metric_create
from pmhub import services
from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent
from tests.factories import api_client


def _metric(product, key: str) -> Metric:
    return Metric.objects.get(product=product, key=key)


@pytest.fixture
def board(tenant_a):
    dashboard = dashboard_create(
        workspace=tenant_a.workspace, actor=tenant_a.owner, name="Growth", product=tenant_a.product
    )
    for key in ("dau", "mau", "revenue"):
        dashboard_tile_add(
            dashboard=dashboard, actor=tenant_a.owner, metric=_metric(tenant_a.product, key)
        )
    return dashboard


def _order(dashboard) -> list[str]:
    return list(
        DashboardTile.objects.filter(dashboard=dashboard)
        .order_by("position")
        .values_list("metric__key", flat=True)
    )


def _positions(dashboard) -> list[int]:
    return list(
        DashboardTile.objects.filter(dashboard=dashboard)
        .order_by("position")
        .values_list("position", flat=True)
    )


# --- Services ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("position", "order"),
    [
        (0, ["revenue", "dau", "mau"]),
        (1, ["dau", "revenue", "mau"]),
        (2, ["dau", "mau", "revenue"]),
        (99, ["dau", "mau", "revenue"]),
    ],
)
def test_moving_a_tile_closes_up_the_others(board, tenant_a, position, order):
    tile = board.tiles.get(metric__key="revenue")
    dashboard_tile_move(tile=tile, actor=tenant_a.owner, position=position)
    assert _order(board) == order and _positions(board) == [0, 1, 2]


def test_removing_a_tile_renumbers_and_is_audited(board, tenant_a):
    dashboard_tile_remove(tile=board.tiles.get(metric__key="dau"), actor=tenant_a.owner)
    assert _order(board) == ["mau", "revenue"] and _positions(board) == [0, 1]
    assert AuditEvent.objects.filter(action="dashboard.tile_removed").exists()


def test_a_product_dashboard_takes_only_that_products_metrics(board, tenant_a):
    other = services.product_create(
        workspace=tenant_a.workspace, actor=tenant_a.owner, name="Other"
    )
    with pytest.raises(ApplicationError) as refused:
        dashboard_tile_add(dashboard=board, actor=tenant_a.owner, metric=_metric(other, "dau"))
    assert refused.value.field == "metric"
    overview = dashboard_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name="Exec")
    for product in (tenant_a.product, other):
        dashboard_tile_add(dashboard=overview, actor=tenant_a.owner, metric=_metric(product, "dau"))
    assert overview.tiles.count() == 2


@pytest.mark.parametrize(
    ("key", "fields", "field"),
    [
        ("dau", {"kind": "funnel"}, "kind"),
        ("dau", {"kind": "heatmap"}, "kind"),
        ("dau", {"kind": "pie"}, "kind"),
        ("dau", {"width": 4}, "width"),
        ("dau", {"interval": "hour"}, "interval"),
    ],
)
def test_a_tile_that_cannot_be_drawn_is_refused(board, tenant_a, key, fields, field):
    with pytest.raises(ApplicationError) as refused:
        dashboard_tile_add(
            dashboard=board, actor=tenant_a.owner, metric=_metric(tenant_a.product, key), **fields
        )
    assert refused.value.field == field
    assert board.tiles.count() == 3


def test_a_metric_of_an_archived_product_is_refused(tenant_a):
    other = services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name="Old")
    overview = dashboard_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name="All")
    services.product_set_archived(product=other, actor=tenant_a.owner, archived=True)
    with pytest.raises(ApplicationError) as refused:
        dashboard_tile_add(dashboard=overview, actor=tenant_a.owner, metric=_metric(other, "dau"))
    assert refused.value.field == "metric"
    assert not overview.tiles.exists()


def test_heatmap_and_funnel_tiles_draw_retention_and_funnel_metrics(board, tenant_a):
    funnel = metric_create(
        product=tenant_a.product,
        actor=tenant_a.owner,
        key="checkout",
        name="Checkout",
        kind="funnel",
        steps=["Cart", "Paid"],
        conversion_window_hours=24,
    )
    retention = _metric(tenant_a.product, "retention_w1")
    dashboard_tile_add(dashboard=board, actor=tenant_a.owner, metric=retention, kind="heatmap")
    dashboard_tile_add(dashboard=board, actor=tenant_a.owner, metric=funnel, kind="funnel")
    assert _order(board)[-2:] == ["retention_w1", "checkout"]


# --- API -----------------------------------------------------------------------------------------


def test_api_creates_a_dashboard_adds_changes_moves_and_removes_tiles(tenant_a):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    made = api.post(
        reverse("api:metrics:dashboard-list"),
        {"name": "Growth", "product": tenant_a.product.pk},
        format="json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    tiles_url = reverse("api:metrics:dashboard-tile-list", args=[pk])
    ids = []
    for key, kind in (("dau", "line"), ("mau", "number"), ("revenue", "bar")):
        added = api.post(
            tiles_url,
            {"metric": _metric(tenant_a.product, key).pk, "kind": kind, "width": 2},
            format="json",
        )
        assert added.status_code == 201, added.content
        ids.append(added.json()["id"])
    assert added.json() | {"id": 0} == {
        "id": 0,
        "metric": "revenue",
        "product": tenant_a.product.pk,
        "kind": "bar",
        "interval": "day",
        "width": 2,
        "position": 2,
    }
    moved = api.post(
        reverse("api:metrics:dashboard-tile-move", args=[pk, ids[2]]),
        {"position": 0},
        format="json",
    )
    assert moved.status_code == 200
    assert [t["metric"] for t in moved.json()] == ["revenue", "dau", "mau"]
    detail = reverse("api:metrics:dashboard-tile-detail", args=[pk, ids[0]])
    assert api.patch(detail, {"width": 3, "kind": "area"}, format="json").json()["width"] == 3
    assert api.delete(detail).status_code == 204
    body = api.get(reverse("api:metrics:dashboard-detail", args=[pk])).json()
    assert [(t["metric"], t["position"]) for t in body["tiles"]] == [("revenue", 0), ("mau", 1)]
    renamed = api.patch(
        reverse("api:metrics:dashboard-detail", args=[pk]), {"name": "Growth KPIs"}, format="json"
    )
    assert renamed.json()["name"] == "Growth KPIs"
    assert api.delete(reverse("api:metrics:dashboard-detail", args=[pk])).status_code == 204
    assert not Dashboard.objects.exists() and not DashboardTile.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "line"}, "metric"),
        ({"metric": 999999999}, "metric"),
        ({"metric": "dau"}, "metric"),
        ({"metric": "DAU_ID", "width": 0}, "width"),
        ({"metric": "DAU_ID", "kind": "pie"}, "kind"),
        ({"metric": "DAU_ID", "kind": "funnel"}, "kind"),
        ({"metric": "DAU_ID", "position": 3}, "position"),
        ({"metric": "OTHER_DAU_ID"}, "metric"),
    ],
)
def test_api_bad_tile_is_a_400_naming_the_field_and_writes_nothing(board, tenant_a, body, field):
    other = services.product_create(
        workspace=tenant_a.workspace, actor=tenant_a.owner, name="Other"
    )
    ids = {"DAU_ID": _metric(tenant_a.product, "dau").pk, "OTHER_DAU_ID": _metric(other, "dau").pk}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    api = api_client(tenant_a.owner, tenant_a.workspace)
    before = list(DashboardTile.objects.values())
    response = api.post(
        reverse("api:metrics:dashboard-tile-list", args=[board.pk]), body, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {field}
    assert list(DashboardTile.objects.values()) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"name": "x", "workspace": 1}, "workspace"), ({}, "name")],
)
def test_api_bad_dashboard_is_a_400_naming_the_field(tenant_a, body, field):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    response = api.post(reverse("api:metrics:dashboard-list"), body, format="json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {field}
    assert not Dashboard.objects.exists()


def test_api_bad_move_is_a_400_naming_position(board, tenant_a):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    tile = board.tiles.first()
    url = reverse("api:metrics:dashboard-tile-move", args=[board.pk, tile.pk])
    for position in (-1, "first", None):
        response = api.post(url, {"position": position}, format="json")
        assert response.status_code == 400 and set(response.json()["fields"]) == {"position"}
    assert _order(board) == ["dau", "mau", "revenue"]


def test_the_dashboard_lists_read_a_fixed_number_of_queries(board, tenant_a):
    api = api_client(tenant_a.owner, tenant_a.workspace)
    urls = [
        reverse("api:metrics:dashboard-list"),
        reverse("api:metrics:dashboard-tile-list", args=[board.pk]),
    ]

    def counts() -> list[int]:
        result = []
        for url in urls:
            api.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert api.get(url).status_code == 200
            result.append(len(queries))
        return result

    before = counts()
    for n in range(3):
        more = dashboard_create(
            workspace=tenant_a.workspace, actor=tenant_a.owner, name=f"More {n}"
        )
        for key in ("wau", "arpu"):
            metric = _metric(tenant_a.product, key)
            dashboard_tile_add(dashboard=more, actor=tenant_a.owner, metric=metric)
            dashboard_tile_add(dashboard=board, actor=tenant_a.owner, metric=metric)
    assert counts() == before
