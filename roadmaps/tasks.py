"""Celery tasks of the roadmaps app."""

from __future__ import annotations

from celery import shared_task

from roadmaps.services.snapshots import snapshots_take_weekly


@shared_task(acks_late=True)
def snapshot_weekly() -> int:
    """Take the automatic weekly snapshot of every active product that has none from the last
    week; return how many were taken.

    Beat runs it daily, so a day the beat or a worker missed is made up the next day; a second
    run in the same week takes none (``snapshots_take_weekly`` skips products with a recent
    automatic snapshot), so a redelivered task changes nothing.
    """
    return snapshots_take_weekly()
