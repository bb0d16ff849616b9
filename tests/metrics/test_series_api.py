"""``GET /api/v1/products/<id>/metrics/<key>/series/``: computed points, validated ranges."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from metrics.services.recompute import metrics_recompute_all
from tests.factories import api_client


def _day(n: int) -> str:
    return f"2026-11-{n:02d}T12:00:00Z"


@pytest.fixture
def computed(source):
    batch = [
        {
            "type": "track",
            "event": "Order Completed",
            "userId": f"u{i % 3}",
            "messageId": f"m{i}",
            "timestamp": _day(1 + i % 5),
            "properties": {"revenue": 10},
        }
        for i in range(15)
    ]
    assert source.post("/v1/batch", {"batch": batch}).status_code == 200
    metrics_recompute_all(product=source.product)
    return source


def _url(source, key: str) -> str:
    return f"/api/v1/products/{source.product.pk}/metrics/{key}/series/"


def test_series_returns_the_points_in_order(computed):
    api = api_client(computed.tenant.owner, computed.tenant.workspace)
    body = api.get(_url(computed, "revenue"), {"from": "2026-11-02", "to": "2026-11-04"}).json()
    assert body["metric"] == "revenue" and body["interval"] == "day"
    assert body["computed_at"] is not None
    assert body["points"] == [
        {"bucket": "2026-11-02", "value": 30.0},
        {"bucket": "2026-11-03", "value": 30.0},
        {"bucket": "2026-11-04", "value": 30.0},
    ]


def test_series_defaults_to_the_latest_ninety_days_and_takes_an_interval(computed):
    api = api_client(computed.tenant.owner, computed.tenant.workspace)
    daily = api.get(_url(computed, "dau")).json()["points"]
    assert [p["bucket"] for p in daily] == [f"2026-11-0{d}" for d in range(1, 6)]
    monthly = api.get(_url(computed, "revenue"), {"interval": "month"}).json()["points"]
    assert monthly == [{"bucket": "2026-11-01", "value": 150.0}]


def test_metrics_list_names_the_standard_set(computed):
    api = api_client(computed.tenant.owner, computed.tenant.workspace)
    keys = {
        m["key"]
        for m in api.get(f"/api/v1/products/{computed.product.pk}/metrics/").json()["results"]
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
def test_bad_ranges_are_a_400_naming_the_parameter(computed, params, field):
    api = api_client(computed.tenant.owner, computed.tenant.workspace)
    response = api.get(_url(computed, "dau"), params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_an_unknown_metric_is_a_404(computed):
    api = api_client(computed.tenant.owner, computed.tenant.workspace)
    assert api.get(_url(computed, "nope")).status_code == 404


def test_series_reads_a_fixed_number_of_queries(computed):
    api = api_client(computed.tenant.owner, computed.tenant.workspace)
    api.get(_url(computed, "dau"))
    counts = []
    for params in ({"from": "2026-11-01", "to": "2026-11-01"}, {}):
        with CaptureQueriesContext(connection) as queries:
            api.get(_url(computed, "dau"), params)
        counts.append(len(queries))
    assert counts[0] <= counts[1] <= counts[0] + 1  # the default range costs one MAX() more
    # The token with its user, workspace and membership; the metric with its product; the
    # points; the annotations (bench/dashboard.py measures this endpoint under load).
    assert counts[0] == 4
