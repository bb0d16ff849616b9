"""The backlog's manual order: a move writes one row whatever the backlog's size, moves of two
people at once never share or lose a position, and the score order can become the rank."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from backlog.models import Item
from backlog.services.items import item_create
from backlog.services.ranking import item_move, items_apply_score_order, ranks_rebalance
from pmhub.errors import ApplicationError
from pmhub.ranking import rank_after
from tests.factories import make_tenant


def _fill(product, count: int) -> list[Item]:
    """``count`` items in order (bulk: the subject here is the move, not the create)."""
    rank, items = None, []
    for n in range(count):
        rank = rank_after(rank)
        items.append(Item(product=product, title=f"item {n}", rank=rank))
    Item.objects.bulk_create(items, batch_size=2000)
    return list(Item.objects.filter(product=product).order_by("rank"))


def _titles(product) -> list[str]:
    return list(
        Item.objects.filter(product=product).order_by("rank").values_list("title", flat=True)
    )


@pytest.mark.django_db
def test_a_move_among_ten_thousand_items_writes_one_row(django_assert_max_num_queries):
    acme = make_tenant("Acme")
    items = _fill(acme.product, 10_000)
    with CaptureQueriesContext(connection) as queries:
        item_move(item=items[9_000], actor=acme.owner, before=items[1])
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and '"backlog_item"' in updates[0]
    order = _titles(acme.product)
    assert order[:3] == ["item 0", "item 9000", "item 1"]
    assert len(order) == 10_000


@pytest.mark.django_db
def test_moves_to_top_bottom_and_after(db):
    acme = make_tenant("Acme")
    a, b, c, d = _fill(acme.product, 4)
    item_move(item=d, actor=acme.owner, position="top")
    item_move(item=a, actor=acme.owner, position="bottom")
    item_move(item=b, actor=acme.owner, after=c)
    assert _titles(acme.product) == ["item 3", "item 2", "item 1", "item 0"]
    with pytest.raises(ApplicationError):
        item_move(item=a, actor=acme.owner, before=a)
    other = make_tenant("Bravo")
    (foreign,) = _fill(other.product, 1)
    with pytest.raises(ApplicationError) as refused:
        item_move(item=a, actor=acme.owner, before=foreign)
    assert refused.value.field == "before"


@pytest.mark.django_db
def test_score_order_becomes_the_rank_and_rebalancing_keeps_the_order(db):
    acme = make_tenant("Acme")
    for n, reach in enumerate([10, None, 30, 20]):
        item_create(
            product=acme.product,
            actor=acme.owner,
            title=f"i{n}",
            reach=reach,
            impact=1,
            confidence=100,
            effort=1,
        )
    assert items_apply_score_order(product=acme.product, actor=acme.owner) == 4
    assert _titles(acme.product) == ["i2", "i3", "i0", "i1"]  # unscored last
    first = Item.objects.get(title="i2")
    for _ in range(40):  # drops at one spot grow keys
        item_move(item=Item.objects.get(title="i1"), actor=acme.owner, before=first)
        item_move(
            item=Item.objects.get(title="i0"), actor=acme.owner, before=Item.objects.get(title="i1")
        )
        first = Item.objects.get(title="i0")
    before = _titles(acme.product)
    assert max(len(r) for r in Item.objects.values_list("rank", flat=True)) > 10
    ranks_rebalance(product=acme.product)
    assert _titles(acme.product) == before
    assert max(len(r) for r in Item.objects.values_list("rank", flat=True)) <= 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_by_two_people_never_duplicate_or_lose_a_position():
    """Two connections drop different items at the same spot, many times over: each move reads
    its neighbours after the other's commit (the product's settings row is the lock)."""
    acme = make_tenant("Acme")
    items = _fill(acme.product, 40)
    target = items[5]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def mover(movers: list[Item]) -> None:
        try:
            for item in movers:
                barrier.wait(timeout=30)
                item_move(item=item, actor=acme.owner, before=target)
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=mover, args=(items[20:30],)),
        threading.Thread(target=mover, args=(items[30:40],)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    ranks = list(Item.objects.filter(product=acme.product).values_list("rank", flat=True))
    assert len(ranks) == 40 and len(set(ranks)) == 40
    order = _titles(acme.product)
    moved = {f"item {n}" for n in range(20, 40)}
    # All twenty moved items sit together just above the target, nothing else moved.
    at = order.index("item 5")
    assert set(order[at - 20 : at]) == moved
    assert [t for t in order if t not in moved] == [f"item {n}" for n in range(20)]
