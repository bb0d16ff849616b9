"""KPIs as an API resource: a product's (``/products/<id>/kpis/``) and the workspace's (``/kpis/``).

The data is the dashboard tests' (tests/metrics/test_dashboard_pages.py): the last day is Monday
18 March 2024 with 2 active people (u1, u6), the day before 3 (u1, u2, u3); revenue 30 and 15.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.models import Metric
from metrics.services.metric_definitions import metric_update
from metrics.services.recompute import metrics_recompute_all
from pmhub import services
from pmhub.capabilities import Role
from tests.factories import api_client, make_member
from tests.metrics.test_dashboard_pages import ACTIVITY, send_activity


def _target(product, key: str, actor, **fields) -> None:
    metric_update(metric=Metric.objects.get(product=product, key=key), actor=actor, **fields)


@pytest.fixture
def kpis(source):
    send_activity(source, ACTIVITY)
    metrics_recompute_all(product=source.product)
    owner = source.tenant.owner
    _target(source.product, "dau", owner, target=5, warning_threshold=3, bad_threshold=1)
    _target(source.product, "revenue", owner, target=10, owner=owner)
    return source


def test_a_products_kpis_are_its_metrics_with_a_target_as_their_tiles_show_them(kpis):
    api = api_client(kpis.tenant.owner, kpis.tenant.workspace)
    response = api.get(reverse("api:metrics:product-kpi-list", args=[kpis.product.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    dau, revenue = body["results"]
    assert dau["key"] == "dau" and revenue["key"] == "revenue"
    assert dau | {"change": round(dau["change"], 6), "computed_at": None} == {
        "id": Metric.objects.get(product=kpis.product, key="dau").pk,
        "product": kpis.product.pk,
        "product_name": "Alpha Product",
        "key": "dau",
        "name": dau["name"],
        "kind": "active_users",
        "unit": "",
        "format": "count",
        "interval": "day",
        "bucket": "2024-03-18",
        "value": 2.0,
        "finished": True,
        "previous_bucket": "2024-03-17",
        "previous_value": 3.0,
        "change": round(-1 / 3, 6),
        "change_unit": "relative",
        "status": "warning",
        "target": 5.0,
        "target_direction": "increase",
        "warning_threshold": 3.0,
        "bad_threshold": 1.0,
        "owner": None,
        "alerted": False,
        "alerted_at": None,
        "computed_at": None,
        "links": [],
    }
    assert dau["computed_at"] is not None
    assert (revenue["value"], revenue["previous_value"], revenue["status"]) == (30.0, 15.0, "good")
    assert revenue["owner"] == {"id": kpis.tenant.owner.pk, "username": kpis.tenant.owner.username}


def test_the_interval_moves_the_current_bucket_and_a_bad_one_is_a_400(kpis):
    api = api_client(kpis.tenant.owner, kpis.tenant.workspace)
    url = reverse("api:metrics:product-kpi-list", args=[kpis.product.pk])
    weekly = api.get(url, {"interval": "week"}).json()["results"][0]
    assert (weekly["interval"], weekly["bucket"]) == ("week", "2024-03-18")
    bad = api.get(url, {"interval": "hour"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"interval"}


def test_the_workspace_list_has_every_active_products_kpis_by_product_name(kpis):
    owner = kpis.tenant.owner
    workspace = kpis.tenant.workspace
    other = services.product_create(workspace=workspace, actor=owner, name="Aardvark")
    _target(other, "mau", owner, target=1)
    archived = services.product_create(workspace=workspace, actor=owner, name="Zebra")
    _target(archived, "mau", owner, target=1)
    services.product_set_archived(product=archived, actor=owner, archived=True)
    viewer = make_member(workspace, Role.VIEWER)
    body = api_client(viewer, workspace).get(reverse("api:metrics:kpi-list")).json()
    rows = [(row["product_name"], row["key"], row["value"]) for row in body["results"]]
    # A product without data has its KPIs, without a value yet.
    assert rows == [
        ("Aardvark", "mau", None),
        ("Alpha Product", "dau", 2.0),
        ("Alpha Product", "revenue", 30.0),
    ]


def test_the_kpi_lists_read_a_fixed_number_of_queries(kpis):
    owner, workspace = kpis.tenant.owner, kpis.tenant.workspace
    api = api_client(owner, workspace)
    urls = [
        reverse("api:metrics:kpi-list"),
        reverse("api:metrics:product-kpi-list", args=[kpis.product.pk]),
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
    for n in range(4):
        product = services.product_create(workspace=workspace, actor=owner, name=f"More {n}")
        for key in ("dau", "mau", "arpu"):
            _target(product, key, owner, target=1, owner=owner)
    for key in ("wau", "new_users", "arpu"):
        _target(kpis.product, key, owner, target=1, owner=owner)
    assert counts() == before
