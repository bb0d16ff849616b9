"""Recompute through a real Celery worker: triggered by ingestion, and surviving SIGKILL."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection

from metrics.models import DirtyDay, MetricPoint, PendingEvents
from metrics.services.recompute import metrics_recompute_all
from metrics.tasks import metrics_sweep_dirty
from tests.celery_worker import running_worker, worker_database_url
from tests.metrics import reference

pytestmark = pytest.mark.slow


def _points(product) -> dict:
    return {
        (key, interval, bucket): value
        for key, interval, bucket, value in MetricPoint.objects.filter(
            metric__product=product
        ).values_list("metric__key", "interval", "bucket", "value")
    }


def _ingest(source, batches) -> None:
    for batch in batches:
        assert source.post("/v1/batch", {"batch": batch}).status_code == 200


def test_ingestion_triggers_a_recompute_by_the_worker(transactional_db, source, tmp_path):
    with running_worker(tmp_path) as worker:
        _ingest(source, reference.generate(seed=3, events=3000, persons=150))
        worker.wait_for(
            "the triggered recompute",
            lambda: (
                not DirtyDay.objects.filter(product=source.product).exists()
                and MetricPoint.objects.filter(metric__product=source.product).exists()
            ),
        )
    triggered = _points(source.product)
    metrics_recompute_all(product=source.product)
    assert triggered.keys() == _points(source.product).keys()


def test_a_worker_killed_mid_recompute_leaves_correct_series_after_the_next_run(
    transactional_db, source, tmp_path
):
    batches = reference.generate(seed=5, events=6000, persons=300)
    _ingest(source, batches)
    # Hold the points table: the worker's recompute stops there with its rollups half-written.
    blocker = psycopg.connect(worker_database_url(), autocommit=False)
    try:
        blocker.execute("LOCK TABLE metrics_metricpoint IN ACCESS EXCLUSIVE MODE")
        with running_worker(tmp_path) as worker:
            metrics_sweep_dirty.delay()  # what beat does every minute

            def blocked() -> bool:
                # Another session: activity statistics are a snapshot within a transaction.
                with psycopg.connect(worker_database_url(), autocommit=True) as probe:
                    row = probe.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()"
                    ).fetchone()
                return bool(row and row[0])

            worker.wait_for("the recompute to block mid-way", blocked)
            worker.kill()
    finally:
        blocker.rollback()
        blocker.close()
    # The killed transaction wrote nothing, and the marks are still there for the next run.
    assert not MetricPoint.objects.filter(metric__product=source.product).exists()
    assert DirtyDay.objects.filter(product=source.product).exists()
    with running_worker(tmp_path, purge=False) as worker:
        metrics_sweep_dirty.delay()
        worker.wait_for(
            "the next run",
            lambda: not DirtyDay.objects.filter(product=source.product).exists(),
        )
    connection.close()
    time.sleep(0.1)
    after_kill = _points(source.product)
    extra = {key for key, _ in reference.EXTRA_METRICS}  # not defined on this product
    wanted = {k: v for k, v in reference.expected(batches).items() if k[0] not in extra}
    assert {(k, i) for k, i, _ in after_kill} == set(wanted)
    for (key, interval, bucket), value in after_kill.items():
        expected = wanted[(key, interval)][bucket]
        assert (
            value == pytest.approx(expected, rel=1e-9) if expected is not None else (value is None)
        ), (key, interval, bucket)


def test_the_sweep_finds_pending_events_whose_day_marks_are_gone(source, settings):
    """A recompute that claimed a day's mark but not a batch committed just after leaves the batch
    without a mark; the beat sweep still enqueues its product."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _ingest(source, reference.generate(seed=3, events=50, persons=5))
    DirtyDay.objects.filter(product=source.product).delete()
    assert PendingEvents.objects.filter(product=source.product).exists()
    assert metrics_sweep_dirty() == 1
