"""KPIs: a metric with a target, thresholds and an owner; tiles show where it stands."""

from __future__ import annotations

import pytest

from metrics.models import Metric
from metrics.services.recompute import metrics_recompute_all
from pmhub.capabilities import Role
from tests.factories import api_client, make_member


@pytest.mark.parametrize(
    ("direction", "target", "warning", "bad", "value", "status"),
    [
        ("increase", 100, 80, 50, 120, "good"),
        ("increase", 100, 80, 50, 90, "good"),
        ("increase", 100, 80, 50, 79, "warning"),
        ("increase", 100, 80, 50, 49.9, "bad"),
        ("increase", 100, None, None, 99, "warning"),
        ("increase", 100, None, None, 100, "good"),
        ("decrease", 0.01, 0.02, 0.05, 0.03, "warning"),
        ("decrease", 0.01, 0.02, 0.05, 0.06, "bad"),
        ("decrease", 0.01, 0.02, 0.05, 0.005, "good"),
        ("increase", None, None, None, 5, None),
        ("increase", 100, 80, 50, None, None),
    ],
)
def test_status_against_thresholds(direction, target, warning, bad, value, status):
    metric = Metric(
        target=target, target_direction=direction, warning_threshold=warning, bad_threshold=bad
    )
    assert metric.status_of(value) == status


def _url(source, key: str) -> str:
    return f"/api/v1/products/{source.product.pk}/metrics/{key}/"


def test_setting_a_target_with_an_owner_through_the_api(source):
    owner = make_member(source.tenant.workspace, Role.EDITOR)
    api = api_client(source.tenant.owner, source.tenant.workspace)
    body = {"target": 500, "warning_threshold": 400, "bad_threshold": 200, "owner": owner.pk}
    response = api.patch(_url(source, "mau"), body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == owner.pk
    assert Metric.objects.get(product=source.product, key="mau").target == 500


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target": 100, "warning_threshold": 120}, "warning_threshold"),
        ({"target": 100, "bad_threshold": 150}, "bad_threshold"),
        ({"target_direction": "decrease", "target": 5, "bad_threshold": 2}, "bad_threshold"),
        ({"target_direction": "sideways"}, "target_direction"),
        ({"owner": 999999}, "owner"),
    ],
)
def test_inconsistent_targets_are_a_400_naming_the_field(source, body, field):
    api = api_client(source.tenant.owner, source.tenant.workspace)
    response = api.patch(_url(source, "mau"), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert Metric.objects.get(product=source.product, key="mau").target is None


def test_the_dashboard_tile_shows_the_status(source, client):
    batch = [
        {
            "type": "track",
            "event": "Used",
            "userId": f"u{i}",
            "messageId": f"m{i}",
            "timestamp": f"2026-11-0{1 + i % 2}T10:00:00Z",
        }
        for i in range(6)
    ]
    source.post("/v1/batch", {"batch": batch})
    metrics_recompute_all(product=source.product)
    Metric.objects.filter(product=source.product, key="dau").update(target=10, bad_threshold=5)
    client.force_login(source.tenant.owner)
    page = client.get(
        f"/products/{source.product.slug}/metrics/", {"from": "2026-11-01", "to": "2026-11-02"}
    ).content.decode()
    assert 'data-kpi="dau"' in page
    assert "kpi-status-bad" in page and "Off target" in page
