"""The roll-up the roadmap shows: each initiative's items, done and in all, counted and in points.

Registered with ``roadmaps.progress`` by ``BacklogConfig.ready`` (the roadmaps app cannot import
the backlog). Won't-do items count in neither total: dropping work does not make an initiative
further along or further behind.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.urls import reverse

from backlog.models import Item, Status
from roadmaps.progress import Progress, WorkItem


def _rollup(rows, key: str) -> dict[int, Progress]:
    done = Q(status=Status.DONE)
    totals = (
        rows.exclude(status=Status.WONT_DO)
        .values(key)
        .annotate(
            total_items=Count("pk"),
            done_items=Count("pk", filter=done),
            total_points=Sum("estimate"),
            done_points=Sum("estimate", filter=done),
        )
    )
    return {
        row[key]: Progress(
            done_items=row["done_items"],
            total_items=row["total_items"],
            done_points=float(row["done_points"] or 0),
            total_points=float(row["total_points"] or 0),
        )
        for row in totals
    }


def initiatives_progress(initiative_ids: list[int]) -> dict[int, Progress]:
    """Progress of each initiative from its items, in one query."""
    return _rollup(Item.objects.filter(initiative__in=initiative_ids), "initiative")


def releases_progress(release_ids: list[int]) -> dict[int, Progress]:
    """What each release carries and how much of it is done, in one query."""
    return _rollup(Item.objects.filter(release__in=release_ids), "release")


def release_contents(release_id: int) -> list[WorkItem]:
    """The items a release carries, in backlog order, for the release page; one query."""
    items = Item.objects.filter(release=release_id).select_related("product").order_by("rank")
    return [
        WorkItem(
            title=item.title,
            status=item.get_status_display(),
            done=item.status == Status.DONE,
            points=item.estimate,
            url=reverse("backlog:item", args=[item.product.slug, item.pk]),
        )
        for item in items
    ]
