"""Every list of the backlog API reads the same number of queries however many rows it shows
(the items list at 5 and 60 items: test_api_items.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backlog.models import ImportJob, Item
from backlog.services.fields import custom_field_create, label_create, saved_view_create
from backlog.services.items import item_create, item_update
from backlog.services.sprints import sprint_create
from tests.backlog.sample_backlog import SampleBacklog, make_backlog
from tests.factories import api_client, make_tenant

# (route, its kwargs from the product and the first sample backlog)
LISTS: list[tuple[str, Callable[[Any, SampleBacklog], dict[str, Any]]]] = [
    ("item-list", lambda product, sample: {"product_pk": product.pk}),
    ("item-history", lambda product, sample: {"pk": sample.story.pk}),
    ("label-list", lambda product, sample: {"product_pk": product.pk}),
    ("custom-field-list", lambda product, sample: {"product_pk": product.pk}),
    ("saved-view-list", lambda product, sample: {"product_pk": product.pk}),
    ("sprint-list", lambda product, sample: {"product_pk": product.pk}),
    ("import-list", lambda product, sample: {"product_pk": product.pk}),
]


def _grow(tenant, sample: SampleBacklog) -> None:
    """More of every row the lists show, in the same product: items with labels and children,
    labels, fields, sprints, views, imports, and history for the sample's story."""
    owner, product = tenant.owner, tenant.product
    for n in range(3):
        label = label_create(product=product, actor=owner, name=f"more {n}")
        custom_field_create(
            product=product, actor=owner, key=f"more_{n}", name=f"More {n}", kind="text"
        )
        sprint_create(
            product=product,
            actor=owner,
            name=f"more sprint {n}",
            starts_on=date(2027, 1, 1 + n),
            ends_on=date(2027, 1, 10 + n),
        )
        saved_view_create(product=product, actor=owner, name=f"more {n}", shared=n % 2 == 0)
        ImportJob.objects.create(product=product, actor=owner, format="pmhub", content="title\n")
        item_create(
            product=product,
            actor=owner,
            title=f"more {n}",
            assignee=owner,
            parent=sample.bug,
            labels=[label, sample.label],
        )
    story = Item.objects.get(pk=sample.story.pk)
    for status in ("in_progress", "in_review"):
        item_update(item=story, actor=owner, status=status)


def _count(client, url: str) -> tuple[int, int]:
    client.get(url)  # warm up: the token's first use is recorded once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), response.json()["count"]


@pytest.mark.parametrize(("name", "kwargs"), LISTS, ids=[name for name, _ in LISTS])
def test_a_list_reads_the_same_queries_for_more_rows(db, name, kwargs):
    tenant = make_tenant("Acme")
    sample = make_backlog(tenant.product, tenant.owner, "acme")
    client = api_client(tenant.owner, tenant.workspace)
    url = reverse(f"api:backlog:{name}", kwargs=kwargs(tenant.product, sample))
    few_queries, few_rows = _count(client, url)
    _grow(tenant, sample)
    many_queries, many_rows = _count(client, url)
    assert many_rows > few_rows
    assert many_queries == few_queries
