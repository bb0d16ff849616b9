"""A real Celery worker process rescores a product's backlog after its framework changes, and
rebalances rank keys that grew long from many drops at one spot — in the background, through
Redis, each task idempotent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backlog.models import BacklogSettings, Item
from backlog.services.items import item_create
from backlog.services.ranking import REBALANCE_AT, item_move
from backlog.services.scores import settings_update
from backlog.tasks import rebalance_ranks, rescore_product
from tests.celery_worker import Worker, running_worker
from tests.factories import make_tenant

pytestmark = pytest.mark.slow


@pytest.fixture
def worker(transactional_db, tmp_path) -> Iterator[Worker]:
    with running_worker(tmp_path) as started:
        yield started


def test_a_framework_change_rescores_every_item_in_the_background(worker):
    acme = make_tenant("Acme")
    items = [
        item_create(
            product=acme.product,
            actor=acme.owner,
            title=f"i{n}",
            reach=100 * n,
            impact=1,
            confidence=100,
            effort=1,
            value=n + 1,
            ice_impact=n + 1,
            ice_confidence=5,
            ice_ease=2,
        )
        for n in range(1, 6)
    ]
    settings_update(product=acme.product, actor=acme.owner, framework="ice")  # commits, enqueues

    def rescored() -> bool:
        return not BacklogSettings.objects.get(product=acme.product).scores_stale

    worker.wait_for("the rescore", rescored)
    scores = dict(Item.objects.filter(product=acme.product).values_list("title", "score"))
    assert scores == {item.title: (n + 2) * 5 * 2 for n, item in enumerate(items)}
    assert rescore_product(acme.product.pk) == 0  # a redelivered task changes nothing


def test_long_rank_keys_are_rebalanced_in_the_background_keeping_the_order(worker):
    acme = make_tenant("Acme")
    first, *rest = [
        item_create(product=acme.product, actor=acme.owner, title=f"i{n}") for n in range(4)
    ]
    top = first
    while len(top.rank) <= REBALANCE_AT:  # drop one above the other at the top, again and again
        moving = Item.objects.get(pk=rest[-1].pk if top.pk != rest[-1].pk else rest[0].pk)
        top = item_move(item=moving, actor=acme.owner, position="top")

    def short() -> bool:
        return max(len(r) for r in Item.objects.values_list("rank", flat=True)) <= 3

    order = list(Item.objects.order_by("rank").values_list("pk", flat=True))
    worker.wait_for("the rebalance", short)
    assert list(Item.objects.order_by("rank").values_list("pk", flat=True)) == order
    assert rebalance_ranks(acme.product.pk) == 4
    assert list(Item.objects.order_by("rank").values_list("pk", flat=True)) == order
