"""Snapshots of a product's roadmap, and what changed between two of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from roadmaps.models import Initiative, Snapshot

NAME_MAX = Snapshot._meta.get_field("name").max_length or 120
# The weekly beat task skips a product that has an automatic snapshot younger than this.
WEEKLY_GAP = timedelta(days=6, hours=12)


def roadmap_state(product: Product) -> dict[str, Any]:
    """What a snapshot keeps of ``product``'s roadmap: every initiative with its place and dates
    (one query)."""
    rows = Initiative.objects.filter(product=product).order_by("horizon", "rank")
    initiatives = [
        {
            "id": row["pk"],
            "title": row["title"],
            "horizon": row["horizon"],
            "status": row["status"],
            "rank": row["rank"],
            "starts_on": row["starts_on"].isoformat() if row["starts_on"] else None,
            "ends_on": row["ends_on"].isoformat() if row["ends_on"] else None,
            "theme": row["theme__name"],
        }
        for row in rows.values(
            "pk", "title", "horizon", "status", "rank", "starts_on", "ends_on", "theme__name"
        )
    ]
    return {"version": 1, "initiatives": initiatives}


@transaction.atomic
def snapshot_take(
    *, product: Product, actor: User | None, name: str = "", automatic: bool = False
) -> Snapshot:
    """Save ``product``'s roadmap as it is now; records ``snapshot.taken``."""
    name = " ".join(str(name).split())
    if len(name) > NAME_MAX:
        raise ApplicationError(f"Keep the name under {NAME_MAX} characters.", field="name")
    snapshot = Snapshot.objects.create(
        product=product,
        name=name,
        taken_at=timezone.now(),
        taken_by=actor if actor is not None and actor.is_authenticated else None,
        automatic=automatic,
        data=roadmap_state(product),
    )
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="snapshot.taken",
        target=snapshot,
        product=product,
    )
    return snapshot


def snapshots_take_weekly() -> int:
    """Take an automatic snapshot of every active product that has none from the last week;
    return how many were taken. A second run in the same week takes none, even one running at
    the same time (each product is locked while it is checked and snapshotted)."""
    since = timezone.now() - WEEKLY_GAP
    recent = Snapshot.objects.filter(automatic=True, taken_at__gte=since)
    due = Product.objects.filter(archived_at__isnull=True).exclude(
        pk__in=recent.values("product_id")
    )
    taken = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            product = Product.objects.select_for_update().get(pk=pk)
            if recent.filter(product=product).exists():  # another run got here first
                continue
            snapshot_take(product=product, actor=None, name="Weekly snapshot", automatic=True)
            taken += 1
    return taken


@transaction.atomic
def snapshot_delete(*, snapshot: Snapshot, actor: User) -> None:
    """Delete ``snapshot``; records ``snapshot.deleted``."""
    audit_record(
        workspace=snapshot.product.workspace,
        actor=actor,
        action="snapshot.deleted",
        target=snapshot,
        product=snapshot.product,
    )
    snapshot.delete()


@dataclass
class Change:
    """One initiative's change of one kind: ``before`` and ``after`` are None when it was added
    or removed; otherwise the changed values (horizon, status, or the (start, end) dates)."""

    id: int
    title: str
    before: Any = None
    after: Any = None


@dataclass
class SnapshotDiff:
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)
    moved: list[Change] = field(default_factory=list)  # horizon changed
    rescheduled: list[Change] = field(default_factory=list)  # start or end date changed
    status_changed: list[Change] = field(default_factory=list)

    KINDS = ("added", "removed", "moved", "rescheduled", "status_changed")

    def __bool__(self) -> bool:
        return any(getattr(self, kind) for kind in self.KINDS)

    def count(self) -> int:
        return sum(len(getattr(self, kind)) for kind in self.KINDS)


def snapshot_diff(older: dict[str, Any], newer: dict[str, Any]) -> SnapshotDiff:
    """What changed from the roadmap state ``older`` to ``newer`` (``Snapshot.data`` or
    ``roadmap_state``): each initiative appears at most once per kind of change. A rename alone
    is not a change of the plan; a move within its column neither."""
    before = {row["id"]: row for row in older.get("initiatives", [])}
    after = {row["id"]: row for row in newer.get("initiatives", [])}
    diff = SnapshotDiff()
    for pk, row in after.items():
        if pk not in before:
            diff.added.append(Change(pk, row["title"]))
    for pk, row in before.items():
        if pk not in after:
            diff.removed.append(Change(pk, row["title"]))
            continue
        now = after[pk]
        if row["horizon"] != now["horizon"]:
            diff.moved.append(Change(pk, now["title"], row["horizon"], now["horizon"]))
        dates = (row["starts_on"], row["ends_on"]), (now["starts_on"], now["ends_on"])
        if dates[0] != dates[1]:
            diff.rescheduled.append(Change(pk, now["title"], *dates))
        if row["status"] != now["status"]:
            diff.status_changed.append(Change(pk, now["title"], row["status"], now["status"]))
    for kind in SnapshotDiff.KINDS:
        getattr(diff, kind).sort(key=lambda change: (change.title.lower(), change.id))
    return diff
