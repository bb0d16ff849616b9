"""The KPI dashboards: a product's board (tiles, charts, range and interval), the workspace
overview, and the Recompute button.

Events go in through the ingestion HTTP path (the ``source`` fixture) and ``metrics_recompute_all``
computes them, exactly as in production; the expected values below are worked out by hand.

    day          active        revenue
    Mon 4 Mar    u1 u2         u1: 10
    Tue 5 Mar    u1 u2 u3 u4   u3: 20, u4: 1234.5
    Mon 11 Mar   u1 u3 u5      —
    Sun 17 Mar   u1 u2 u3      u2: 15
    Mon 18 Mar   u1 u6         u6: 30
"""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from kombu.exceptions import OperationalError

from metrics import selectors, tasks
from metrics.models import Interval, Metric, MetricPoint
from metrics.services.recompute import metrics_recompute_all
from metrics.services.write_keys import write_key_create
from pmhub import services
from pmhub.capabilities import Role
from tests.factories import make_member
from tests.metrics.conftest import Source

ACTIVITY = {
    "2024-03-04": {"u1": 10, "u2": None},
    "2024-03-05": {"u1": None, "u2": None, "u3": 20, "u4": 1234.5},
    "2024-03-11": {"u1": None, "u3": None, "u5": None},
    "2024-03-17": {"u1": None, "u2": 15, "u3": None},
    "2024-03-18": {"u1": None, "u6": 30},
}
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "dashboard-body"}


def send_activity(source: Source, activity: dict, *, prefix: str = "m") -> None:
    batch = []
    for day, users in activity.items():
        for user, revenue in users.items():
            message = {
                "type": "track",
                "event": "Order Completed" if revenue else "Dashboard Viewed",
                "userId": user,
                "messageId": f"{prefix}-{day}-{user}",
                "timestamp": f"{day}T10:00:00Z",
            }
            if revenue:
                message["properties"] = {"revenue": revenue}
            batch.append(message)
    assert source.post("/v1/batch", {"batch": batch}).status_code == 200


@pytest.fixture
def computed(source) -> Source:
    send_activity(source, ACTIVITY)
    metrics_recompute_all(product=source.product)
    return source


@pytest.fixture
def owner(source) -> Client:
    client = Client()
    client.force_login(source.tenant.owner)
    return client


def dashboard(product, **params) -> str:
    url = reverse("metrics:product-dashboard", args=[product.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def tiles(html: str) -> dict[str, dict[str, str]]:
    """Each tile's value, change (arrow word + amount) and bucket, as the page shows them."""
    found = {}
    for chunk in html.split('data-testid="kpi-tile"')[1:]:
        key = re.search(r'data-kpi="([\w-]+)"', chunk).group(1)
        value = re.search(r'data-testid="kpi-value">([^<]*)<', chunk).group(1).strip()
        change = re.search(r'data-testid="kpi-change">(.*?)</span>\s*<span', chunk, re.S)
        words = ""
        if change:
            words = " ".join(re.sub(r"<[^>]+>", " ", change.group(1)).split())
        when = re.search(r'data-testid="kpi-when">(.*?)</div>', chunk, re.S)
        found[key] = {
            "value": value,
            "change": words,
            "when": " ".join(re.sub(r"<[^>]+>", " ", when.group(1)).split()) if when else "",
        }
    return found


def chart_data(html: str) -> dict:
    raw = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html)
    return json.loads(raw.group(1))


# --- Tiles ---------------------------------------------------------------------------------------


def test_tiles_show_the_last_day_and_the_change_from_the_day_before(computed, owner):
    response = owner.get(dashboard(computed.product))
    assert response.status_code == 200
    shown = tiles(response.content.decode())
    assert {key: tile["value"] for key, tile in shown.items()} == {
        "dau": "2",
        "wau": "4",
        "mau": "6",
        "new_users": "1",
        "stickiness": "33.3%",
        "retention_w1": "75.0%",
        "revenue": "30.00",
        "arpu": "15.00",
    }
    assert {key: tile["change"] for key, tile in shown.items()} == {
        "dau": "down 33.3%",
        "wau": "unchanged 0.0%",
        "mau": "up 20.0%",
        "new_users": "",  # the day before had none: no ratio to show
        "stickiness": "down 26.7 pp",  # shares change in percentage points (60 % → 33.3 %)
        "retention_w1": "",  # the first cohort has none before it
        "revenue": "up 100.0%",
        "arpu": "up 200.0%",
    }
    assert shown["dau"]["when"] == "18 Mar 2024"
    # The newest cohorts' following week is not over: the tile shows the latest finished one.
    assert shown["retention_w1"]["when"] == "Cohort · Week of 4 Mar 2024"
    html = response.content.decode()
    assert "was 0 on 17 Mar" in html  # new users: the previous value, as no % exists
    assert 'data-testid="computed-at"' in html


def test_counts_get_thousands_separators_and_money_two_decimals(source, owner):
    send_activity(source, {"2024-05-01": {f"p{n}": 1234.567 for n in range(1200)}})
    metrics_recompute_all(product=source.product)
    shown = tiles(owner.get(dashboard(source.product)).content.decode())
    assert shown["dau"]["value"] == "1,200"
    assert shown["revenue"]["value"] == "1,481,480.40"
    assert shown["arpu"]["value"] == "1,234.57"


def test_weekly_tiles_compare_whole_weeks(computed, owner):
    html = owner.get(dashboard(computed.product, interval="week")).content.decode()
    shown = tiles(html)
    assert shown["dau"] == {"value": "2", "change": "down 33.3%", "when": "Week of 18 Mar 2024"}
    assert shown["revenue"]["value"] == "30.00" and shown["revenue"]["change"] == "up 100.0%"
    assert shown["new_users"]["change"] == "unchanged 0.0%"  # u5, then u6
    data = chart_data(html)
    assert data["interval"] == "week"
    assert data["labels"] == ["4 Mar", "11 Mar", "18 Mar"]
    assert data["series"]["revenue"] == [1264.5, 15.0, 30.0]
    assert data["series"]["new_users"] == [4.0, 1.0, 1.0]


def test_monthly_interval_has_one_bucket_per_month(computed, owner):
    data = chart_data(owner.get(dashboard(computed.product, interval="month")).content.decode())
    assert data["titles"] == ["March 2024"]
    assert data["series"]["new_users"] == [6.0]


def test_charts_carry_every_series_and_the_retention_cohorts(computed, owner):
    data = chart_data(owner.get(dashboard(computed.product)).content.decode())
    assert data["labels"][0] == "4 Mar" and data["labels"][-1] == "18 Mar"
    assert len(data["labels"]) == 15  # every day from the first to the last
    assert set(data["series"]) == {"dau", "wau", "mau", "new_users", "revenue", "arpu"}
    assert data["series"]["dau"][:2] == [2.0, 4.0]
    assert data["formats"]["revenue"] == "decimal" and data["formats"]["stickiness"] == "percent"
    assert data["retention"]["titles"] == [
        "Week of 4 Mar 2024",
        "Week of 11 Mar 2024",
        "Week of 18 Mar 2024",
    ]
    assert data["retention"]["values"] == [0.75, 0.0, 0.0]
    assert data["retention"]["complete"] == [True, False, False]


# --- Range and interval --------------------------------------------------------------------------


def test_a_date_range_moves_the_tiles_and_narrows_the_charts(computed, owner):
    html = owner.get(dashboard(computed.product, **{"from": "2024-03-04", "to": "2024-03-11"}))
    html = html.content.decode()
    shown = tiles(html)
    assert shown["dau"]["value"] == "3" and shown["dau"]["when"] == "11 Mar 2024"
    assert shown["revenue"]["value"] == "0.00"
    data = chart_data(html)
    assert len(data["labels"]) == 8
    assert 'value="2024-03-04"' in html and 'value="2024-03-11"' in html
    assert "4 Mar 2024 – 11 Mar 2024 · by day" in html


def test_a_quick_range_counts_back_from_the_last_day_with_data(computed, owner):
    html = owner.get(dashboard(computed.product, days=7)).content.decode()
    data = chart_data(html)
    assert data["titles"][0] == "12 Mar 2024" and data["titles"][-1] == "18 Mar 2024"
    assert 'data-days="7"' in html
    # A quick range wins over dates sent along with it (the form posts both).
    both = owner.get(dashboard(computed.product, days=7, **{"from": "2024-01-01"}))
    assert chart_data(both.content.decode())["labels"] == data["labels"]


def test_the_default_range_is_ninety_days_up_to_the_last_day_with_data(computed, owner):
    html = owner.get(dashboard(computed.product)).content.decode()
    assert re.search(r'id="range-from"\s+value="2023-12-20"', html)
    assert re.search(r'id="range-to"\s+value="2024-03-18"', html)


def test_htmx_gets_only_the_dashboard_body(computed, owner):
    response = owner.get(dashboard(computed.product, interval="week"), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="dashboard-body"')
    assert "<html" not in html and 'data-interval="week"' in html
    assert "HX-Request" in response["Vary"]
    assert "HX-Request" in owner.get(dashboard(computed.product))["Vary"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"interval": "year"}, "interval"),
        ({"from": "yesterday"}, "from"),
        ({"to": "2024-02-30"}, "to"),
        ({"from": "2024-03-18", "to": "2024-03-01"}, "from"),
        ({"from": "2020-01-01", "to": "2024-03-18"}, "from"),  # more than 1,100 days
        ({"from": "0001-01-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
        ({"days": "-5"}, "days"),
        ({"days": "100000"}, "days"),
        ({"days": "9" * 40}, "days"),
    ],
)
def test_bad_parameters_show_an_error_and_the_default_range(computed, owner, params, field):
    for headers in ({}, HTMX):
        response = owner.get(dashboard(computed.product, **params), **headers)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'data-field-error="{field}"' in html
        assert tiles(html)["dau"]["value"] == "2"  # the default range still renders


def test_a_start_long_before_the_data_is_capped_not_an_error(computed, owner):
    html = owner.get(dashboard(computed.product, **{"from": "2000-01-01"})).content.decode()
    assert "data-field-error" not in html
    assert tiles(html)["dau"]["value"] == "2"


def test_a_range_without_data_says_so(computed, owner):
    html = owner.get(dashboard(computed.product, **{"from": "2025-01-01", "to": "2025-01-31"}))
    html = html.content.decode()
    assert 'data-testid="range-empty"' in html
    assert "data ends on 18 Mar 2024" in " ".join(html.split())
    assert tiles(html)["dau"]["value"] == "—"


def test_a_product_without_data_shows_how_to_send_events(source, owner):
    html = owner.get(dashboard(source.product)).content.decode()
    assert 'data-testid="dashboard-empty"' in html
    assert reverse("metrics:product-sources", args=[source.product.slug]) in html
    assert "dashboard-data" not in html


def test_a_deleted_standard_metric_just_has_no_tile(computed, owner):
    Metric.objects.filter(product=computed.product, key="new_users").delete()
    html = owner.get(dashboard(computed.product)).content.decode()
    assert "new_users" not in tiles(html) and "new_users" not in chart_data(html)["series"]


# --- The selector behind the tiles ---------------------------------------------------------------


def test_an_unfinished_bucket_is_not_compared_with_a_whole_one(computed):
    board = selectors.kpi_boards(
        products=[computed.product],
        keys=selectors.DASHBOARD_KEYS,
        interval=Interval.DAY,
        today=date(2024, 3, 18),  # 18 March is still going on
    )[computed.product.pk]
    dau = next(tile for tile in board.tiles if tile.key == "dau")
    assert dau.current == (date(2024, 3, 17), 3.0) and not dau.partial
    assert dau.points[-1] == (date(2024, 3, 17), 3.0)  # the sparkline ends there too
    assert board.series["dau"][-1] == (date(2024, 3, 18), 2.0)  # the chart still shows it
    only_today = selectors.kpi_boards(
        products=[computed.product],
        keys=("dau",),
        interval=Interval.DAY,
        start=date(2024, 3, 18),
        end=date(2024, 3, 18),
        today=date(2024, 3, 18),
    )[computed.product.pk]
    assert only_today.tiles[0].current == (date(2024, 3, 18), 2.0)
    assert only_today.tiles[0].partial and only_today.tiles[0].previous[1] == 3.0


def _queries(fetch) -> int:
    with CaptureQueriesContext(connection) as queries:
        fetch()
    return len(queries)


def test_the_tiles_of_many_products_take_four_queries(computed):
    tenant = computed.tenant
    products = [computed.product]
    one = _queries(
        lambda: selectors.kpi_boards(
            products=products, keys=selectors.DASHBOARD_KEYS, interval=Interval.DAY
        )
    )
    for n in range(4):
        product = services.product_create(
            workspace=tenant.workspace, actor=tenant.owner, name=f"P{n}"
        )
        _, key = write_key_create(product=product, actor=tenant.owner, name="web")
        send_activity(Source(tenant, product, key, Client()), ACTIVITY, prefix=f"p{n}")
        metrics_recompute_all(product=product)
        products.append(product)
    many = _queries(
        lambda: selectors.kpi_boards(
            products=products, keys=selectors.DASHBOARD_KEYS, interval=Interval.WEEK
        )
    )
    assert one == many == 4  # metrics, last days, points, key results


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "body-fragment"])
def test_dashboard_query_count_does_not_grow_with_data(source, owner, headers):
    send_activity(source, {"2024-03-04": {"u1": 5}})
    metrics_recompute_all(product=source.product)
    url = dashboard(source.product)
    owner.get(url, **headers)
    small = _queries(lambda: owner.get(url, **headers))
    more = {f"2024-{m:02d}-{d:02d}": {f"u{d}": d, f"v{m}": None} for m in (1, 2, 3) for d in (1, 9)}
    send_activity(source, more, prefix="more")
    metrics_recompute_all(product=source.product)
    assert _queries(lambda: owner.get(url, **headers)) == small


def test_overview_query_count_does_not_grow_with_products(computed, owner):
    url = reverse("metrics:index")
    owner.get(url)
    one = _queries(lambda: owner.get(url))
    tenant = computed.tenant
    for n in range(3):
        product = services.product_create(
            workspace=tenant.workspace, actor=tenant.owner, name=f"P{n}"
        )
        _, key = write_key_create(product=product, actor=tenant.owner, name="web")
        send_activity(Source(tenant, product, key, Client()), ACTIVITY, prefix=f"p{n}")
        metrics_recompute_all(product=product)
    assert _queries(lambda: owner.get(url)) == one


# --- The workspace overview ----------------------------------------------------------------------


def test_overview_shows_every_active_product_with_its_headline_tiles(computed, owner):
    tenant = computed.tenant
    quiet = services.product_create(workspace=tenant.workspace, actor=tenant.owner, name="Quiet")
    old = services.product_create(workspace=tenant.workspace, actor=tenant.owner, name="Old one")
    services.product_set_archived(product=old, actor=tenant.owner, archived=True)
    response = owner.get(reverse("metrics:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="overview-product"') == 2
    assert "Old one" not in html and quiet.name in html
    shown = tiles(html)
    assert {key: tile["value"] for key, tile in shown.items()} == {
        "dau": "2",
        "mau": "6",
        "revenue": "30.00",
        "arpu": "15.00",
    }
    assert reverse("metrics:product-dashboard", args=[computed.product.slug]) in html
    assert 'data-testid="overview-empty"' in html  # Quiet has sent nothing yet


def test_the_navbar_links_the_overview_and_the_product_page_its_dashboard(computed, owner):
    page = owner.get(reverse("product-detail", args=[computed.product.slug])).content.decode()
    assert f'href="{reverse("metrics:index")}">Metrics</a>' in page
    assert reverse("metrics:product-dashboard", args=[computed.product.slug]) in page


# --- Recompute -----------------------------------------------------------------------------------


def recompute_url(product) -> str:
    return reverse("metrics:product-recompute", args=[product.slug])


def test_recompute_enqueues_a_full_recompute_after_commit(
    computed, owner, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        tasks.metrics_recompute_all_task, "apply_async", lambda args, **kw: sent.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(
            recompute_url(computed.product), {"query": "interval=week&days=30&evil=1"}
        )
    assert response.status_code == 302
    assert response["Location"] == dashboard(computed.product, days=30, interval="week")
    assert sent == [(computed.product.pk,)]
    assert "Recompute started" in owner.get(response["Location"]).content.decode()


def test_recompute_survives_an_unreachable_broker(
    computed, owner, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def refuse(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(tasks.metrics_recompute_all_task, "apply_async", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner.post(recompute_url(computed.product))
    assert response.status_code == 302
    assert "full recompute of product" in caplog.text


def test_the_recompute_task_rebuilds_every_series(computed):
    MetricPoint.objects.filter(metric__product=computed.product).delete()
    assert tasks.metrics_recompute_all_task(computed.product.pk) > 0
    dau = MetricPoint.objects.get(
        metric__product=computed.product, metric__key="dau", interval="day", bucket="2024-03-18"
    )
    assert dau.value == 2.0
    assert tasks.metrics_recompute_all_task(10**12) == 0  # a deleted product: nothing to do


def test_viewers_read_the_dashboard_without_a_recompute_button(computed, monkeypatch):
    monkeypatch.setattr(
        tasks.metrics_recompute_all_task, "apply_async", lambda *a, **k: pytest.fail("enqueued")
    )
    viewer = Client()
    viewer.force_login(make_member(computed.tenant.workspace, Role.VIEWER))
    html = viewer.get(dashboard(computed.product)).content.decode()
    assert tiles(html)["dau"]["value"] == "2"
    assert recompute_url(computed.product) not in html
    assert viewer.post(recompute_url(computed.product)).status_code == 403
    owner = Client()
    owner.force_login(computed.tenant.owner)
    assert (
        recompute_url(computed.product) in owner.get(dashboard(computed.product)).content.decode()
    )


@pytest.mark.parametrize(
    ("interval", "dau", "link"),
    [("week", "Week of 18 Mar 2024", "?interval=week"), ("decade", "18 Mar 2024", "")],
)
def test_overview_switches_interval_and_ignores_unknown_ones(computed, owner, interval, dau, link):
    html = owner.get(reverse("metrics:index"), {"interval": interval}).content.decode()
    assert tiles(html)["dau"]["when"] == dau
    board = reverse("metrics:product-dashboard", args=[computed.product.slug])
    assert f'href="{board}{link}"' in html
