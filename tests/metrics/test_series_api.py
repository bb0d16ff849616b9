"""``GET /api/v1/products/<id>/metrics/<key>/series/``: computed points, validated ranges."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import api_client


def _url(source, key: str) -> str:
    return f"/api/v1/products/{source.product.pk}/metrics/{key}/series/"


def test_series_returns_the_points_in_order(orders):
    api = api_client(orders.tenant.owner, orders.tenant.workspace)
    body = api.get(_url(orders, "revenue"), {"from": "2026-11-02", "to": "2026-11-04"}).json()
    assert body["metric"] == "revenue" and body["interval"] == "day"
    assert body["computed_at"] is not None
    assert body["points"] == [
        {"bucket": "2026-11-02", "value": 30.0},
        {"bucket": "2026-11-03", "value": 30.0},
        {"bucket": "2026-11-04", "value": 30.0},
    ]


def test_series_defaults_to_the_latest_ninety_days_and_takes_an_interval(orders):
    api = api_client(orders.tenant.owner, orders.tenant.workspace)
    daily = api.get(_url(orders, "dau")).json()["points"]
    assert [p["bucket"] for p in daily] == [f"2026-11-0{d}" for d in range(1, 6)]
    monthly = api.get(_url(orders, "revenue"), {"interval": "month"}).json()["points"]
    assert monthly == [{"bucket": "2026-11-01", "value": 150.0}]


def test_metrics_list_names_the_standard_set(orders):
    api = api_client(orders.tenant.owner, orders.tenant.workspace)
    keys = {
        m["key"]
        for m in api.get(f"/api/v1/products/{orders.product.pk}/metrics/").json()["results"]
    }
    assert {
        "dau",
        "wau",
        "mau",
        "new_users",
        "stickiness",
        "retention_w1",
        "revenue",
        "arpu",
    } <= keys


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-11-05", "to": "2026-11-01"}, "from"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),
        ({"interval": "hour"}, "interval"),
        ({"to": "yesterday"}, "to"),
    ],
)
def test_bad_ranges_are_a_400_naming_the_parameter(orders, params, field):
    api = api_client(orders.tenant.owner, orders.tenant.workspace)
    response = api.get(_url(orders, "dau"), params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_an_unknown_metric_is_a_404(orders):
    api = api_client(orders.tenant.owner, orders.tenant.workspace)
    assert api.get(_url(orders, "nope")).status_code == 404


def test_series_reads_a_fixed_number_of_queries(orders):
    api = api_client(orders.tenant.owner, orders.tenant.workspace)
    api.get(_url(orders, "dau"), {"interval": "week"})  # the token's first use writes to it
    counts = []
    for params in ({"from": "2026-11-01", "to": "2026-11-01"}, {}):
        with CaptureQueriesContext(connection) as queries:
            api.get(_url(orders, "dau"), params)
        counts.append(len(queries))
    # The token with its user, workspace and membership; the metric with its product; the
    # points; the annotations (bench/dashboard.py measures this endpoint under load). The
    # default range costs one MAX() more.
    assert counts == [4, 5]
    # Asked again, the answers are the kept ones (tests/metrics/test_series_cache.py): the
    # token's query only.
    for params in ({"from": "2026-11-01", "to": "2026-11-01"}, {}):
        with CaptureQueriesContext(connection) as queries:
            api.get(_url(orders, "dau"), params)
        assert len(queries) == 1
