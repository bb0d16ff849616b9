"""The backlog's manual order: move an item (one row written), apply the score order, rebalance.

Rank writes of one product hold its ``BacklogSettings`` row locked (``settings_for(lock=True)``):
two people dropping different items at the same spot are serialized, and the second reads the
first's new key, so no two items ever share a key and none is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F

from backlog.models import Item
from backlog.services.scores import settings_for
from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.ranking import rank_after, rank_between, rebalanced

# A key longer than this (many drops at one spot) has the product's ranks rebalanced in the
# background; the column holds 64.
REBALANCE_AT = 32


@transaction.atomic
def item_move(
    *,
    item: Item,
    actor: User,
    before: Item | None = None,
    after: Item | None = None,
    position: str | None = None,
) -> Item:
    """Put ``item`` just above ``before``, just below ``after``, or at the ``"top"`` /
    ``"bottom"`` of its backlog (exactly one of them).

    Writes one row, the item's own: its new rank is a key between its new neighbours. Records
    ``item.moved``; a key grown long schedules ``rebalance_ranks``.
    """
    if sum(x is not None for x in (before, after, position)) != 1:
        raise ApplicationError(
            "Say where: before an item, after one, top or bottom.", field="before"
        )
    if position not in (None, "top", "bottom"):
        raise ApplicationError("Position is top or bottom.", field="position")
    settings_for(item.product, lock=True)
    rows = Item.objects.filter(product=item.product_id).exclude(pk=item.pk)
    ranks = rows.values_list("rank", flat=True)
    for neighbour, field in ((before, "before"), (after, "after")):
        if neighbour is not None and (
            neighbour.product_id != item.product_id or neighbour.pk == item.pk
        ):
            raise ApplicationError("Drop it next to another item of this backlog.", field=field)
    if before is not None:
        anchor = rows.filter(pk=before.pk).values_list("rank", flat=True).get()
        new_rank = rank_between(ranks.filter(rank__lt=anchor).order_by("-rank").first(), anchor)
    elif after is not None:
        anchor = rows.filter(pk=after.pk).values_list("rank", flat=True).get()
        new_rank = rank_between(anchor, ranks.filter(rank__gt=anchor).order_by("rank").first())
    elif position == "top":
        new_rank = rank_between(None, ranks.order_by("rank").first())
    else:
        new_rank = rank_after(ranks.order_by("-rank").first())
    Item.objects.filter(pk=item.pk).update(rank=new_rank)
    item.rank = new_rank
    audit_record(
        workspace=item.product.workspace,
        actor=actor,
        action="item.moved",
        target=item,
        product=item.product,
    )
    if len(new_rank) > REBALANCE_AT:
        from backlog.tasks import rebalance_ranks  # tasks import services

        product_id = item.product_id
        transaction.on_commit(lambda: rebalance_ranks.delay(product_id))
    return item


def _write_ranks(pairs: Sequence[tuple[int, str]]) -> None:
    """Set many ranks in few statements (10,000 items: ten UPDATE … FROM VALUES)."""
    if connection.vendor != "postgresql":
        Item.objects.bulk_update(
            [Item(pk=pk, rank=rank) for pk, rank in pairs], ["rank"], batch_size=500
        )
        return
    table = Item._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), 1000):
            chunk = pairs[start : start + 1000]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET rank = v.rank FROM (VALUES {values}) AS v(id, rank) "  # noqa: S608 (table name is ours)
                f"WHERE {table}.id = v.id",
                [value for pair in chunk for value in pair],
            )


def _spread(ids: Sequence[int]) -> list[tuple[int, str]]:
    # Keys over the first half of the space leave the second half for items added at the end.
    return list(zip(ids, rebalanced(2 * len(ids) + 1)[: len(ids)], strict=True))


@transaction.atomic
def items_apply_score_order(*, product: Product, actor: User) -> int:
    """Make the manual order the score order (highest first; unscored items after, in their
    current order). Returns how many items it ranked. Records ``backlog.score_order_applied``."""
    settings = settings_for(product, lock=True)
    if settings.scores_stale:
        # The request is fine; the backlog's state is not ready for it yet (retry later).
        raise ApplicationError(
            "Scores are being recomputed for the new framework; try again in a moment.",
            code="scores_stale",
            status_code=409,
        )
    ids = list(
        Item.objects.filter(product=product).order_by(*_score_order()).values_list("pk", flat=True)
    )
    _write_ranks(_spread(ids))
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="backlog.score_order_applied",
        target=settings,
        product=product,
    )
    return len(ids)


def _score_order() -> list:
    return [F("score").desc(nulls_last=True), "rank"]


@transaction.atomic
def ranks_rebalance(*, product: Product) -> int:
    """Give ``product``'s items short, evenly spaced keys in their current order. Idempotent
    in effect (the order never changes). Returns how many items it ranked."""
    settings_for(product, lock=True)
    ids = list(Item.objects.filter(product=product).order_by("rank").values_list("pk", flat=True))
    _write_ranks(_spread(ids))
    return len(ids)
