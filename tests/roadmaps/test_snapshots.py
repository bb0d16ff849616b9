"""Snapshots and their diff (roadmaps issue, acceptance 3): each kind of change reported once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from pmhub.errors import ApplicationError
from pmhub.models import AuditEvent
from roadmaps.models import Initiative, Snapshot
from roadmaps.services.initiatives import (
    initiative_create,
    initiative_delete,
    initiative_move,
    initiative_update,
)
from roadmaps.services.snapshots import (
    roadmap_state,
    snapshot_diff,
    snapshot_take,
    snapshots_take_weekly,
)


def _add(tenant, title: str, **fields) -> Initiative:
    return initiative_create(product=tenant.product, actor=tenant.owner, title=title, **fields)


def test_the_diff_reports_each_kind_of_change_exactly_once(tenant_a):
    owner = tenant_a.owner
    kept = _add(tenant_a, "Kept as it was", horizon="now")
    moved = _add(tenant_a, "Moves to Now", horizon="next")
    shifted = _add(
        tenant_a,
        "Slips a month",
        horizon="later",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 2, 1),
    )
    started = _add(tenant_a, "Gets started", horizon="now", status="planned")
    dropped = _add(tenant_a, "Dropped", horizon="later")
    everything = _add(tenant_a, "Changes in every way", horizon="later", status="proposed")
    before = snapshot_take(product=tenant_a.product, actor=owner, name="Monday")

    initiative_move(initiative=moved, actor=owner, horizon="now")
    initiative_update(
        initiative=shifted, actor=owner, starts_on=date(2027, 2, 1), ends_on=date(2027, 3, 1)
    )
    initiative_update(initiative=started, actor=owner, status="in_progress")
    initiative_delete(initiative=dropped, actor=owner)
    initiative_move(initiative=everything, actor=owner, horizon="next")
    initiative_update(
        initiative=everything,
        actor=owner,
        status="planned",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 1, 31),
    )
    initiative_update(initiative=kept, actor=owner, title="Renamed, same plan")
    initiative_move(initiative=kept, actor=owner, horizon="now", before=started)  # same column
    added = _add(tenant_a, "New idea")
    after = snapshot_take(product=tenant_a.product, actor=owner, name="Friday")

    diff = snapshot_diff(before.data, after.data)
    summary = {
        kind: [(c.title, c.before, c.after) for c in getattr(diff, kind)] for kind in diff.KINDS
    }
    assert summary == {
        "added": [("New idea", None, None)],
        "removed": [("Dropped", None, None)],
        "moved": [("Changes in every way", "later", "next"), ("Moves to Now", "next", "now")],
        "rescheduled": [
            ("Changes in every way", (None, None), ("2027-01-01", "2027-01-31")),
            ("Slips a month", ("2027-01-01", "2027-02-01"), ("2027-02-01", "2027-03-01")),
        ],
        "status_changed": [
            ("Changes in every way", "proposed", "planned"),
            ("Gets started", "planned", "in_progress"),
        ],
    }
    assert diff.count() == 8
    assert added.pk in {c.id for c in diff.added}
    # Nothing changed between a snapshot and the roadmap right after it.
    assert not snapshot_diff(after.data, roadmap_state(tenant_a.product))
    assert AuditEvent.objects.filter(action="snapshot.taken").count() == 2


def test_a_snapshot_keeps_the_roadmap_as_it_was(tenant_a):
    initiative = _add(tenant_a, "Search", horizon="next")
    snapshot = snapshot_take(product=tenant_a.product, actor=tenant_a.owner)
    initiative_update(initiative=initiative, actor=tenant_a.owner, title="Search v2")
    snapshot.refresh_from_db()
    assert [row["title"] for row in snapshot.data["initiatives"]] == ["Search"]


def test_a_too_long_name_is_refused_naming_the_field(tenant_a):
    with pytest.raises(ApplicationError) as refused:
        snapshot_take(product=tenant_a.product, actor=tenant_a.owner, name="x" * 121)
    assert refused.value.field == "name"
    assert not Snapshot.objects.exists()


def test_weekly_snapshots_are_taken_once_a_week_for_active_products_only(tenant_a, tenant_b):
    from pmhub import services

    services.product_set_archived(product=tenant_b.product, actor=tenant_b.owner, archived=True)
    assert snapshots_take_weekly() == 1
    assert snapshots_take_weekly() == 0  # a second run in the same week changes nothing
    snapshot = Snapshot.objects.get()
    assert snapshot.product == tenant_a.product and snapshot.automatic
    Snapshot.objects.update(taken_at=timezone.now() - timedelta(days=7))
    assert snapshots_take_weekly() == 1
