"""The series API keeps its answers until the product's data changes (metrics.series_cache).

A kept answer must be byte for byte the computed one, never outlive a write that changes it
(recompute, metric definition, annotation, product deletion), never reach another workspace, and
never be needed: without Redis every answer is orders.
"""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from metrics.models import Metric
from metrics.series_cache import KeptSeries
from metrics.services.annotations import annotation_create
from metrics.services.metric_definitions import metric_update
from metrics.services.recompute import metrics_recompute_dirty
from pmhub import services
from tests.factories import api_client
from tests.metrics.conftest import order

PARAMS = {"from": "2026-11-01", "to": "2026-11-05"}


def _url(source, key: str) -> str:
    return f"/api/v1/products/{source.product.pk}/metrics/{key}/series/"


def _api(source):
    """A token client whose token was used once (its first use writes ``last_used_at``)."""
    api = api_client(source.tenant.owner, source.tenant.workspace)
    assert api.get(f"/api/v1/products/{source.product.pk}/metrics/").status_code == 200
    return api


def _read(api, source, key: str = "revenue", params: dict | None = None):
    """The answer and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = api.get(_url(source, key), PARAMS if params is None else params)
    return response, len(queries)


def _values(response) -> list[float]:
    return [point["value"] for point in response.json()["points"]]


def test_a_second_read_is_the_kept_answer_byte_for_byte(orders):
    api = _api(orders)
    first, computed_queries = _read(api, orders)
    again, kept_queries = _read(api, orders)
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert (computed_queries, kept_queries) == (4, 1)  # the token's query only
    # Another query string, metric or interval is another answer.
    weekly, queries = _read(api, orders, params=PARAMS | {"interval": "week"})
    assert queries == 4 and _values(weekly) == [120.0]  # the week of Monday 2 November
    dau, queries = _read(api, orders, key="dau")
    assert queries == 4 and _values(dau) == [3.0] * 5


def test_a_recompute_with_new_events_is_read_at_once(orders):
    api = _api(orders)
    assert _values(_read(api, orders)[0]) == [30.0] * 5
    late = [order(100, "u9", 2, 5.5)]  # a late event, three days back
    assert orders.post("/v1/batch", {"batch": late}).status_code == 200
    assert _values(_read(api, orders)[0]) == [30.0] * 5  # not recomputed yet
    metrics_recompute_dirty(product=orders.product)
    assert _values(_read(api, orders)[0]) == [30.0, 35.5, 30.0, 30.0, 30.0]


def test_an_annotation_and_a_renamed_metric_are_read_at_once(orders):
    owner = orders.tenant.owner
    api = _api(orders)
    assert _read(api, orders)[0].json()["annotations"] == []
    annotation_create(product=orders.product, actor=owner, day=date(2026, 11, 3), text="v2.3")
    assert [a["text"] for a in _read(api, orders)[0].json()["annotations"]] == ["v2.3"]
    revenue = Metric.objects.get(product=orders.product, key="revenue")
    metric_update(metric=revenue, actor=owner, name="Gross revenue")
    assert _read(api, orders)[0].json()["name"] == "Gross revenue"


def test_a_deleted_product_is_a_404_not_its_kept_series(orders):
    api = _api(orders)
    assert _read(api, orders)[0].status_code == 200
    # The workspace keeps another product, so the token still authenticates.
    services.product_create(
        workspace=orders.tenant.workspace, actor=orders.tenant.owner, name="Another"
    )
    services.product_delete(product=orders.product, actor=orders.tenant.owner)
    assert _read(api, orders)[0].status_code == 404


def test_another_workspace_never_gets_a_kept_answer(orders, tenant_b):
    api = _api(orders)
    assert _read(api, orders)[0].status_code == 200
    stranger = api_client(tenant_b.owner, tenant_b.workspace)
    response, queries = _read(stranger, orders)
    assert response.status_code == 404 and queries > 1  # looked up, not found


def test_an_answer_computed_before_a_write_commits_is_not_found_after_it(
    orders, django_capture_on_commit_callbacks
):
    """A read racing a write: it computed its answer from the data before the write, read the
    version after the write's first stamp but before its commit, and keeps the answer after the
    commit. The stamp that the commit moves hides it."""
    api = _api(orders)
    stale = api.get(_url(orders, "revenue"), PARAMS)  # the data before the write
    racing = KeptSeries(
        workspace_id=orders.tenant.workspace.pk,
        product_id=orders.product.pk,
        key="revenue",
        query="from=2026-11-01&to=2026-11-05",
        media_type="application/json",
    )
    with django_capture_on_commit_callbacks(execute=True):
        annotation_create(
            product=orders.product,
            actor=orders.tenant.owner,
            day=date(2026, 11, 3),
            text="Pricing change",
        )
        assert racing.get() is None  # before the commit
    racing.keep(stale)
    fresh, queries = _read(api, orders)
    assert queries == 4
    assert [a["text"] for a in fresh.json()["annotations"]] == ["Pricing change"]


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1: a Redis that is down.
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
)
def test_without_redis_every_answer_is_computed(orders):
    api = _api(orders)
    for _ in range(2):
        response, queries = _read(api, orders)
        assert response.status_code == 200 and queries == 4
        assert _values(response) == [30.0] * 5
