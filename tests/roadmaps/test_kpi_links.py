"""A KPI lists the key results that its metric measures: on its tile and in the KPI API.

roadmaps gives them to metrics through ``metrics.links`` (metrics may not import roadmaps). The
events are the metrics dashboard tests' (``tests/metrics/test_dashboard_pages.py``).
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import selectors
from metrics.models import Interval, Metric
from metrics.services.metric_definitions import metric_update
from metrics.services.recompute import metrics_recompute_all
from metrics.services.write_keys import write_key_create
from roadmaps.models import KeyResult, Objective
from roadmaps.services.okrs import key_result_create, objective_create
from tests.factories import api_client
from tests.metrics.conftest import Source
from tests.metrics.test_dashboard_pages import ACTIVITY, send_activity


def _objective(tenant, title: str, starts_on: date, *, product=None) -> Objective:
    return objective_create(
        workspace=tenant.workspace,
        actor=tenant.owner,
        product=product,
        title=title,
        starts_on=starts_on,
        ends_on=date(2024, 12, 31),
    )


def _measure(objective: Objective, actor, title: str, metric: Metric | None) -> KeyResult:
    return key_result_create(
        objective=objective,
        actor=actor,
        title=title,
        start_value=0,
        target_value=10,
        metric=metric,
    )


@pytest.fixture
def linked(tenant_a, tenant_b):
    """dau of tenant A is a KPI measured by two key results; tenant B reaches for it too."""
    _, raw = write_key_create(product=tenant_a.product, actor=tenant_a.owner, name="web")
    send_activity(Source(tenant_a, tenant_a.product, raw, Client()), ACTIVITY)
    metrics_recompute_all(product=tenant_a.product)
    owner = tenant_a.owner
    dau = Metric.objects.get(product=tenant_a.product, key="dau")
    metric_update(metric=dau, actor=owner, target=5)
    metric_update(
        metric=Metric.objects.get(product=tenant_a.product, key="mau"), actor=owner, target=9
    )
    # Listed by the objective's start: the product objective's key result comes second.
    product_goal = _objective(tenant_a, "Activation", date(2024, 4, 1), product=tenant_a.product)
    company_goal = _objective(tenant_a, "Grow engagement", date(2024, 1, 1))
    second = _measure(product_goal, owner, "Daily actives to 10", dau)
    first = _measure(company_goal, owner, "Weekly habit for 10 teams", dau)
    _measure(company_goal, owner, "Ten paying teams", None)
    # Another tenant's key result on this metric, written past the service that refuses it: it
    # must never show on A's tile.
    foreign = _objective(tenant_b, "Their secret plan", date(2024, 1, 1))
    KeyResult.objects.create(
        objective=foreign,
        title="Their secret key result",
        start_value=0,
        target_value=1,
        metric=dau,
    )
    return tenant_a, first, second


def _expected(first: KeyResult, second: KeyResult, product) -> list[dict[str, str]]:
    return [
        {
            "kind": "Key result",
            "title": "Weekly habit for 10 teams",
            "url": f"{reverse('roadmaps:objectives')}#key-result-{first.pk}",
            "belongs_to": "Grow engagement",
        },
        {
            "kind": "Key result",
            "title": "Daily actives to 10",
            "url": reverse("roadmaps:product-objectives", args=[product.slug])
            + f"#key-result-{second.pk}",
            "belongs_to": "Activation",
        },
    ]


def test_the_kpi_api_lists_the_key_results_its_metric_measures(linked):
    tenant, first, second = linked
    api = api_client(tenant.owner, tenant.workspace)
    body = api.get(reverse("api:metrics:product-kpi-list", args=[tenant.product.pk])).json()
    links = {row["key"]: row["links"] for row in body["results"]}
    assert links == {"dau": _expected(first, second, tenant.product), "mau": []}


def test_the_dashboard_tile_links_each_key_result_to_its_place_in_the_okr_tree(linked):
    tenant, first, second = linked
    client = Client()
    client.force_login(tenant.owner)
    html = client.get(reverse("metrics:product-dashboard", args=[tenant.product.slug])).content
    html = html.decode()
    assert "Their secret" not in html
    dau = html.split('data-kpi="dau"')[1].split('data-testid="kpi-tile"')[0]
    shown = re.findall(r'<a href="([^"]+)"\s+title="Key result of “([^”]+)”">([^<]+)</a>', dau)
    assert [
        {
            "kind": "Key result",
            "url": url.replace("&amp;", "&"),
            "belongs_to": context,
            "title": title,
        }
        for url, context, title in shown
    ] == _expected(first, second, tenant.product)
    wau = html.split('data-kpi="wau"')[1].split('data-testid="kpi-tile"')[0]
    assert 'data-testid="kpi-links"' not in wau
    # The link lands on the key result in the tree.
    tree = client.get(reverse("roadmaps:objectives")).content.decode()
    assert f'id="key-result-{first.pk}"' in tree


def test_the_links_of_many_kpis_and_key_results_take_one_query(linked):
    tenant, first, _ = linked

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            selectors.kpi_boards(products=[tenant.product], keys=None, interval=Interval.WEEK)
        return len(queries)

    before = count()
    for key in ("wau", "mau", "new_users"):
        metric = Metric.objects.get(product=tenant.product, key=key)
        _measure(first.objective, tenant.owner, f"Move {key}", metric)
    assert count() == before == 4
