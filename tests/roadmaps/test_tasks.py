"""The weekly snapshot task: registered in beat, one automatic snapshot per active product and
week, idempotent (a second run or a redelivered task takes none)."""

from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

from pmhub import services
from pmhub.celery import app
from roadmaps.models import Snapshot
from roadmaps.services.initiatives import initiative_create
from roadmaps.services.snapshots import snapshot_take
from roadmaps.tasks import snapshot_weekly
from tests.factories import make_tenant


def test_the_weekly_snapshot_is_in_the_beat_schedule_and_registered():
    entry = settings.CELERY_BEAT_SCHEDULE["roadmaps-snapshot-weekly"]
    assert entry["task"] == "roadmaps.tasks.snapshot_weekly"
    assert isinstance(entry["schedule"], crontab)
    assert "roadmaps.tasks.snapshot_weekly" in app.tasks


def test_a_run_snapshots_every_active_product_once_and_a_second_run_takes_none(db):
    alpha, bravo = make_tenant("Alpha"), make_tenant("Bravo")
    initiative_create(product=alpha.product, actor=alpha.owner, title="Onboarding", horizon="now")
    old = services.product_create(workspace=alpha.workspace, actor=alpha.owner, name="Old")
    services.product_set_archived(product=old, actor=alpha.owner, archived=True)

    assert snapshot_weekly.apply().get() == 2
    taken = Snapshot.objects.filter(automatic=True)
    assert sorted(s.product_id for s in taken) == sorted([alpha.product.pk, bravo.product.pk])
    mine = taken.get(product=alpha.product)
    assert mine.taken_by is None and mine.name == "Weekly snapshot"
    assert [row["title"] for row in mine.data["initiatives"]] == ["Onboarding"]

    assert snapshot_weekly.apply().get() == 0  # the same week: nothing more
    assert Snapshot.objects.count() == 2


def test_a_hand_made_snapshot_does_not_replace_the_weekly_one(db):
    alpha = make_tenant("Alpha")
    snapshot_take(product=alpha.product, actor=alpha.owner, name="Before planning")
    assert snapshot_weekly.apply().get() == 1


def test_a_week_later_the_next_weekly_snapshot_is_taken(db):
    alpha = make_tenant("Alpha")
    snapshot_weekly.apply()
    Snapshot.objects.update(taken_at=timezone.now() - timedelta(days=7))
    assert snapshot_weekly.apply().get() == 1
    assert Snapshot.objects.filter(product=alpha.product, automatic=True).count() == 2
    # Six days after the last one is still the same week.
    Snapshot.objects.filter(taken_at__gte=timezone.now() - timedelta(days=1)).update(
        taken_at=timezone.now() - timedelta(days=6)
    )
    assert snapshot_weekly.apply().get() == 0
