"""Defining metrics through the API: validation per kind, recompute scheduled, safe deletes."""

from __future__ import annotations

import pytest

from metrics.models import DirtyDay, Metric, MetricPoint
from metrics.services.recompute import metrics_recompute_all, metrics_recompute_dirty
from tests.factories import api_client


@pytest.fixture
def api(source):
    batch = [
        {
            "type": "track",
            "event": "Signed Up" if i % 2 else "Used",
            "userId": f"u{i}",
            "messageId": f"m{i}",
            "timestamp": "2026-11-02T10:00:00Z",
            "properties": {"load_ms": 100 + i},
        }
        for i in range(10)
    ]
    source.post("/v1/batch", {"batch": batch})
    metrics_recompute_all(product=source.product)
    return api_client(source.tenant.owner, source.tenant.workspace)


def _url(source, key: str = "") -> str:
    base = f"/api/v1/products/{source.product.pk}/metrics/"
    return f"{base}{key}/" if key else base


def test_a_new_metric_is_computed_by_the_next_recompute(api, source):
    body = {"key": "signups", "name": "Sign-ups", "kind": "event_count", "event": "Signed Up"}
    response = api.post(_url(source), body, format="json")
    assert response.status_code == 201, response.content
    assert DirtyDay.objects.filter(product=source.product).exists()
    metrics_recompute_dirty(product=source.product)
    point = MetricPoint.objects.get(metric__key="signups", interval="day")
    assert point.value == 5.0


def test_average_of_a_property(api, source):
    body = {"key": "load", "name": "Load time", "kind": "average", "value_property": "load_ms"}
    assert api.post(_url(source), body, format="json").status_code == 201
    metrics_recompute_dirty(product=source.product)
    assert MetricPoint.objects.get(metric__key="load", interval="day").value == 104.5


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "dau", "name": "Again", "kind": "event_count"}, "key"),
        ({"key": "Bad Key!", "name": "x", "kind": "event_count"}, "key"),
        ({"key": "x", "name": "x", "kind": "active_users"}, "window_days"),
        ({"key": "x", "name": "x", "kind": "sum"}, "value_property"),
        ({"key": "x", "name": "x", "kind": "ratio", "numerator": "revenue"}, "denominator"),
        (
            {"key": "x", "name": "x", "kind": "ratio", "numerator": "arpu", "denominator": "users"},
            "numerator",
        ),
        (
            {"key": "x", "name": "x", "kind": "ratio", "numerator": "nope", "denominator": "users"},
            "numerator",
        ),
        ({"key": "x", "name": "x", "kind": "median"}, "kind"),
        ({"key": "x", "name": "x", "kind": "event_count", "product": 1}, "product"),
    ],
)
def test_a_definition_that_cannot_be_computed_is_a_400_naming_the_field(api, source, body, field):
    before = Metric.objects.count()
    response = api.post(_url(source), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert Metric.objects.count() == before


def test_a_metric_a_ratio_divides_by_cannot_be_deleted(api, source):
    response = api.delete(_url(source, "revenue"))
    assert response.status_code == 400
    assert "arpu" in response.json()["message"]
    assert Metric.objects.filter(product=source.product, key="revenue").exists()
    assert api.delete(_url(source, "arpu")).status_code == 204
    assert api.delete(_url(source, "revenue")).status_code == 204


def test_patch_changes_the_window_and_the_values_follow(api, source):
    response = api.patch(_url(source, "wau"), {"window_days": 14}, format="json")
    assert response.status_code == 200
    assert response.json()["window_days"] == 14
    metrics_recompute_dirty(product=source.product)
    assert Metric.objects.get(product=source.product, key="wau").window_days == 14
