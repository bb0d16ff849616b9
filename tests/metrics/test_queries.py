"""The metrics lists read a constant number of queries, however many rows they show (no N+1)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.services.write_keys import write_key_create
from tests.factories import api_client

_ids = itertools.count()


def _grow(source, n: int) -> None:
    """Add ``n`` events of several people (and kinds), ``n`` rejections and ``n`` write keys."""
    batch = []
    for _ in range(n):
        i = next(_ids)
        batch.append(
            {
                "type": "track",
                "event": f"E{i % 3}",
                "userId": f"u{i}",
                "messageId": f"m{i}",
                "properties": {"i": i},
            }
        )
        batch.append(
            {
                "type": "identify",
                "anonymousId": f"a{i}",
                "userId": f"u{i}",
                "messageId": f"id{i}",
                "traits": {"n": i},
            }
        )
        batch.append({"type": "track", "event": "no person", "messageId": f"bad{i}"})
    assert source.post("/v1/batch", {"batch": batch}).status_code == 200
    for _ in range(n):
        write_key_create(product=source.product, actor=source.tenant.owner, name=f"k{next(_ids)}")


def _count(fetch) -> int:
    fetch()  # warm up: the first call of a token also records its last use
    with CaptureQueriesContext(connection) as queries:
        response = fetch()
    assert response.status_code == 200
    return len(queries)


def _api_urls(source) -> list[str]:
    return [
        reverse("api:metrics:event-list", args=[source.product.pk]),
        reverse("api:metrics:event-list", args=[source.product.pk]) + "?person=u1&type=track",
        reverse("api:metrics:rejection-list", args=[source.product.pk]),
        reverse("api:metrics:write-key-list"),
    ]


@pytest.mark.parametrize("index", range(4))
def test_api_list_query_count_does_not_grow_with_rows(source, index):
    api = api_client(source.tenant.owner, source.tenant.workspace)
    url = _api_urls(source)[index]
    _grow(source, 2)
    small = _count(lambda: api.get(url))
    _grow(source, 30)
    assert _count(lambda: api.get(url)) == small


@pytest.mark.parametrize(
    ("name", "headers"),
    [
        ("metrics:product-events", {}),
        ("metrics:product-events", {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "events-table"}),
        ("metrics:product-events", {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "rejections"}),
        ("metrics:product-sources", {}),
    ],
    ids=["events-page", "events-table-fragment", "rejections-fragment", "sources-page"],
)
def test_page_query_count_does_not_grow_with_rows(client, source, name, headers):
    client.force_login(source.tenant.owner)
    url = reverse(name, args=[source.product.slug])
    _grow(source, 2)
    small = _count(lambda: client.get(url, **headers))
    _grow(source, 30)
    assert _count(lambda: client.get(url, **headers)) == small
