"""Acceptance 1 and 2 of the metrics issue: pmhub's series equal an independent reference,
bucket by bucket, and an incremental recompute equals a full one."""

from __future__ import annotations

import math
import os

import pytest

from metrics.models import ActivityDay, CohortWeek, DayTotal, DirtyDay, Metric, MetricPoint
from metrics.services.metric_definitions import metric_create
from metrics.services.recompute import metrics_recompute_all, metrics_recompute_dirty
from tests.metrics import reference

EVENTS = int(os.environ.get("PMHUB_REFERENCE_EVENTS", "100000"))


def _define_extra_metrics(source) -> None:
    for key, fields in reference.EXTRA_METRICS:
        metric_create(product=source.product, actor=source.tenant.owner, key=key, **fields)


def _ingest(source, batches) -> None:
    for batch in batches:
        response = source.post("/v1/batch", {"batch": batch})
        assert response.status_code == 200, response.content


def _series(product) -> dict[tuple[str, str], dict]:
    out: dict[tuple[str, str], dict] = {}
    for key, interval, bucket, value in MetricPoint.objects.filter(
        metric__product=product
    ).values_list("metric__key", "interval", "bucket", "value"):
        out.setdefault((key, interval), {})[bucket] = value
    return out


def _assert_equal(actual: dict, wanted: dict) -> None:
    for series, buckets in wanted.items():
        got = actual.get(series)
        assert got is not None, f"no points for {series}"
        assert set(got) == set(buckets), f"{series}: buckets differ"
        for bucket, value in buckets.items():
            mine = got[bucket]
            if value is None or mine is None:
                assert mine == value, f"{series} {bucket}: {mine} != {value}"
            else:
                assert math.isclose(mine, value, rel_tol=1e-9, abs_tol=1e-9), (
                    f"{series} {bucket}: {mine} != {value}"
                )


@pytest.mark.slow
def test_every_standard_metric_equals_the_independent_reference(source):
    batches = reference.generate(seed=2026, events=EVENTS, persons=EVENTS // 20)
    _define_extra_metrics(source)
    _ingest(source, batches)
    metrics_recompute_all(product=source.product)
    wanted = reference.expected(batches)
    assert {key for key, _ in wanted} == set(
        Metric.objects.filter(product=source.product).values_list("key", flat=True)
    )
    _assert_equal(_series(source.product), wanted)


@pytest.mark.slow
def test_incremental_recompute_equals_a_full_one(source):
    batches = reference.generate(seed=7, events=EVENTS // 4, persons=EVENTS // 50)
    cut = len(batches) * 2 // 3
    _define_extra_metrics(source)
    _ingest(source, batches[:cut])
    metrics_recompute_all(product=source.product)
    _ingest(source, batches[cut:])  # more events, late ones and merges among them
    assert DirtyDay.objects.filter(product=source.product).exists()
    metrics_recompute_dirty(product=source.product)
    incremental = _series(source.product)
    metrics_recompute_all(product=source.product)
    full = _series(source.product)
    assert set(incremental) == set(full)
    _assert_equal(incremental, full)  # sums may add in another order: floats to 1e-9
    _assert_equal(incremental, reference.expected(batches))


@pytest.mark.slow
def test_the_python_path_equals_the_postgresql_path(source):
    """SQLite's path (rollups and points computed in Python) and PostgreSQL's (pg_compute) agree,
    in full and incrementally, on every metric kind."""
    from metrics.compute import recompute

    batches = reference.generate(seed=11, events=EVENTS // 5, persons=EVENTS // 50)
    cut = len(batches) * 3 // 4
    _define_extra_metrics(source)
    _ingest(source, batches[:cut])
    recompute(source.product, None, python=True)
    python_full, python_cohorts = _series(source.product), _cohorts(source.product)
    assert python_cohorts
    metrics_recompute_all(product=source.product)
    _assert_equal(_series(source.product), python_full)
    assert _cohorts(source.product) == python_cohorts
    _ingest(source, batches[cut:])
    dirty = set(DirtyDay.objects.filter(product=source.product).values_list("day", flat=True))
    recompute(source.product, dirty, python=True)
    python_incremental = _series(source.product)
    metrics_recompute_all(product=source.product)
    _assert_equal(_series(source.product), python_incremental)
    _assert_equal(python_incremental, reference.expected(batches))


def _cohorts(product) -> dict:
    return {
        (cohort, week): persons
        for cohort, week, persons in CohortWeek.objects.filter(product=product).values_list(
            "cohort", "week", "persons"
        )
    }


def _summaries(product) -> tuple[dict, dict, dict]:
    activity = {
        (source, day, gap, week, month): persons
        for source, day, gap, week, month, persons in ActivityDay.objects.filter(
            product=product
        ).values_list("source", "day", "gap", "first_in_week", "first_in_month", "persons")
    }
    totals = {
        (source, day): (events, value_sum, count)
        for source, day, events, value_sum, count in DayTotal.objects.filter(
            product=product
        ).values_list("source", "day", "events", "value_sum", "value_count")
    }
    return activity, totals, _cohorts(product)


def _track(user: str, day: str, **extra) -> dict:
    return {
        "type": "track",
        "event": "Order Completed",
        "userId": user,
        "messageId": f"{user}-{day}-{len(extra)}",
        "timestamp": f"{day}T12:00:00Z",
        "properties": {"revenue": 10},
        **extra,
    }


def test_changed_days_are_applied_to_the_summaries_as_a_rebuild_writes_them(source):
    """A recompute of a few days applies their changes to the activity summaries and the cohort
    table (not a rebuild): new persons, persons active again between two active days, a
    person's first day moving earlier, and two persons merged, across a week and a month
    boundary."""
    days = ["2026-03-02", "2026-03-09", "2026-03-20", "2026-03-30", "2026-04-02", "2026-04-15"]
    history = [_track(f"u{n}", day) for n in range(6) for day in days[n % 3 :: 2]]
    history += [
        {
            "type": "track",
            "event": "Page Viewed",
            "anonymousId": "anon-1",
            "messageId": "anon-1",
            "timestamp": "2026-03-20T08:00:00Z",
        }
    ]
    source.post("/v1/batch", {"batch": history})
    metrics_recompute_all(product=source.product)
    later = [
        _track("u0", "2026-03-31"),  # between two of u0's days, across the month end
        _track("u7", "2026-03-31"),  # a new person
        _track("u1", "2026-03-01"),  # u1's first day moves earlier (a late event)
        {
            "type": "identify",
            "userId": "u2",
            "anonymousId": "anon-1",
            "messageId": "link",
            "timestamp": "2026-04-15T09:00:00Z",
        },  # anon-1 becomes u2
    ]
    source.post("/v1/batch", {"batch": later})
    dirty = set(DirtyDay.objects.filter(product=source.product).values_list("day", flat=True))
    assert len(dirty) < 8  # a few days: the summaries are changed, not rebuilt
    metrics_recompute_dirty(product=source.product)
    applied, applied_series = _summaries(source.product), _series(source.product)
    metrics_recompute_all(product=source.product)
    assert _summaries(source.product) == applied
    _assert_equal(applied_series, _series(source.product))
