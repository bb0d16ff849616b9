"""Every list of the roadmaps API reads the same number of queries however many rows it shows
(the initiative list at scale: test_api_initiatives.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmaps.services.health import health_update_post
from roadmaps.services.okrs import key_result_create
from roadmaps.services.releases import checklist_item_create
from tests.factories import api_client, make_tenant
from tests.roadmaps.sample_roadmap import SampleRoadmap, build_roadmap

# (route, its kwargs from the product and the first roadmap)
LISTS: list[tuple[str, Callable[[Any, SampleRoadmap], dict[str, Any]]]] = [
    ("objective-list", lambda product, plan: {}),
    ("key-result-list", lambda product, plan: {"objective_pk": plan.objective.pk}),
    ("theme-list", lambda product, plan: {"product_pk": product.pk}),
    ("initiative-list", lambda product, plan: {"product_pk": product.pk}),
    ("initiative-health", lambda product, plan: {"pk": plan.now.pk}),
    ("objective-health", lambda product, plan: {"pk": plan.objective.pk}),
    ("release-list", lambda product, plan: {"product_pk": product.pk}),
    ("checklist-list", lambda product, plan: {"release_pk": plan.release.pk}),
    ("snapshot-list", lambda product, plan: {"product_pk": product.pk}),
    ("share-link-list", lambda product, plan: {"product_pk": product.pk}),
    ("competitor-list", lambda product, plan: {"product_pk": product.pk}),
    ("feature-list", lambda product, plan: {"product_pk": product.pk}),
    ("matrix", lambda product, plan: {"product_pk": product.pk}),
]


def _grow(tenant, plan: SampleRoadmap) -> None:
    """A second and third roadmap in the same product, and more rows under the first's."""
    for tag in ("more", "most"):
        build_roadmap(tenant.product, tenant.owner, tag)
    for n in range(5):
        checklist_item_create(release=plan.release, actor=tenant.owner, title=f"extra {n}")
        key_result_create(
            objective=plan.objective,
            actor=tenant.owner,
            title=f"extra {n}",
            start_value=0,
            target_value=n + 1,
            current_value=0,
        )
        for subject in (plan.now, plan.objective):
            health_update_post(subject=subject, actor=tenant.owner, health="on_track")


def _count(client, url: str) -> tuple[int, int]:
    client.get(url)  # warm up: the token's first use is recorded once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["count"] if "count" in body else sum(len(v) for v in body.values())
    return len(queries), rows


@pytest.mark.parametrize(("name", "kwargs"), LISTS, ids=[name for name, _ in LISTS])
def test_a_list_reads_the_same_queries_for_more_rows(db, name, kwargs):
    tenant = make_tenant("Acme")
    plan = build_roadmap(tenant.product, tenant.owner, "acme")
    # Every list has a row to start with (an empty page skips its query).
    health_update_post(subject=plan.objective, actor=tenant.owner, health="at_risk")
    client = api_client(tenant.owner, tenant.workspace)
    url = reverse(f"api:roadmaps:{name}", kwargs=kwargs(tenant.product, plan))
    few_queries, few_rows = _count(client, url)
    _grow(tenant, plan)
    many_queries, many_rows = _count(client, url)
    assert many_rows > few_rows
    assert many_queries == few_queries
