"""The pages of user-arranged dashboards: lists, the dashboard drawing every kind of tile with the
product dashboard's chart code, and the edit mode (htmx forms; move up / down without a mouse)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.models import Dashboard, Metric
from metrics.services.dashboards import dashboard_create, dashboard_tile_add
from metrics.services.metric_definitions import metric_create
from metrics.services.recompute import metrics_recompute_all
from pmhub.capabilities import Role
from tests.factories import make_member
from tests.metrics.test_dashboard_pages import ACTIVITY, HTMX, send_activity


@pytest.fixture
def board(source):
    send_activity(source, ACTIVITY)
    owner, product = source.tenant.owner, source.product
    funnel = metric_create(
        product=product,
        actor=owner,
        key="buying",
        name="Buying",
        kind="funnel",
        steps=["Dashboard Viewed", "Order Completed"],
        conversion_window_hours=48,
    )
    metrics_recompute_all(product=product)
    dashboard = dashboard_create(
        workspace=source.tenant.workspace, actor=owner, name="Growth", product=product
    )
    for key, kind, width in (
        ("dau", "line", 2),
        ("mau", "number", 1),
        ("revenue", "bar", 1),
        ("arpu", "area", 1),
        ("retention_w1", "heatmap", 3),
    ):
        metric = Metric.objects.get(product=product, key=key)
        dashboard_tile_add(dashboard=dashboard, actor=owner, metric=metric, kind=kind, width=width)
    dashboard_tile_add(dashboard=dashboard, actor=owner, metric=funnel, kind="funnel")
    return dashboard


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _charts(html: str) -> dict:
    raw = html.split('<script id="dashboard-data" type="application/json">', 1)[1]
    return json.loads(raw.split("</script>", 1)[0])


def test_the_dashboard_draws_each_kind_of_tile(board, source):
    html = _client(source.tenant.owner).get(reverse("metrics:custom-dashboard", args=[board.pk]))
    html = html.content.decode()
    assert html.count('data-testid="dashboard-tile"') == 6
    assert 'class="col-12 col-lg-8"' in html and 'class="col-12 col-lg-12"' in html
    assert 'data-kpi="mau"' in html  # the number tile is the KPI tile
    assert 'data-testid="retention-heatmap"' in html
    charts = _charts(html)
    kinds = sorted(t.get("kind", "funnel") for t in charts["tiles"].values())
    assert kinds == ["area", "bar", "funnel", "line"]
    line = next(t for t in charts["tiles"].values() if t.get("kind") == "line")
    assert line["values"][-1] == 2.0 and len(line["labels"]) == len(line["values"])
    assert charts["funnels"][0]["steps"] == ["Dashboard Viewed", "Order Completed"]
    assert "data-drag-handle" not in html  # not in edit mode


def test_edit_mode_is_for_those_who_manage_metrics(board, source):
    url = reverse("metrics:custom-dashboard", args=[board.pk]) + "?edit=1"
    owner = _client(source.tenant.owner).get(url).content.decode()
    assert "data-drag-handle" in owner and "Sortable.min.js" in owner and "Add tile" in owner
    viewer = make_member(source.tenant.workspace, Role.VIEWER)
    page = _client(viewer).get(url).content.decode()
    assert "data-drag-handle" not in page and "Add tile" not in page and "Edit" not in page


def test_move_down_with_htmx_answers_the_redrawn_body(board, source):
    client = _client(source.tenant.owner)
    first = board.tiles.get(position=0)
    response = client.post(
        reverse("metrics:custom-tile-move", args=[board.pk, first.pk]), {"position": "1"}, **HTMX
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="dashboard-body"')
    order = list(board.tiles.order_by("position").values_list("metric__key", flat=True))
    assert order[:2] == ["mau", "dau"]
    assert html.index('data-kpi="mau"') < html.index("Daily active users")


def test_a_bad_tile_shows_its_error_and_writes_nothing(board, source):
    client = _client(source.tenant.owner)
    dau = Metric.objects.get(product=source.product, key="dau")
    response = client.post(
        reverse("metrics:custom-tile-add", args=[board.pk]),
        {"metric": dau.pk, "kind": "heatmap", "interval": "day", "width": "1"},
        **HTMX,
    )
    assert 'data-field-error="kind"' in response.content.decode()
    assert board.tiles.count() == 6


def test_lists_show_the_workspace_and_product_dashboards(board, source):
    owner = source.tenant.owner
    dashboard_create(workspace=source.tenant.workspace, actor=owner, name="Executive")
    client = _client(owner)
    everything = client.get(reverse("metrics:dashboard-index")).content.decode()
    assert "Growth" in everything and "Executive" in everything and "6 tiles" in everything
    own = client.get(reverse("metrics:product-dashboards", args=[source.product.slug]))
    assert "Growth" in own.content.decode() and "Executive" not in own.content.decode()


def test_creating_a_dashboard_opens_its_edit_mode(source):
    response = _client(source.tenant.owner).post(
        reverse("metrics:dashboard-create"), {"name": "Exec", "product": ""}
    )
    dashboard = Dashboard.objects.get(name="Exec")
    assert dashboard.product is None
    assert response.url == reverse("metrics:custom-dashboard", args=[dashboard.pk]) + "?edit=1"


def test_the_dashboard_page_query_count_does_not_grow_with_tiles_of_the_same_kinds(board, source):
    client = _client(source.tenant.owner)
    url = reverse("metrics:custom-dashboard", args=[board.pk])

    def count() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    before = count()
    for key in ("wau", "new_users", "stickiness"):
        metric = Metric.objects.get(product=source.product, key=key)
        dashboard_tile_add(dashboard=board, actor=source.tenant.owner, metric=metric)
    assert count() == before


def test_the_dashboard_lists_query_count_does_not_grow_with_dashboards(board, source):
    client = _client(source.tenant.owner)
    urls = [
        reverse("metrics:dashboard-index"),
        reverse("metrics:product-dashboards", args=[source.product.slug]),
    ]

    def counts() -> list[int]:
        result = []
        for url in urls:
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    before = counts()
    for n in range(4):
        dashboard_create(
            workspace=source.tenant.workspace,
            actor=source.tenant.owner,
            name=f"More {n}",
            product=source.product if n % 2 else None,
        )
    assert counts() == before
