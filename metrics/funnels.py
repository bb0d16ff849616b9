"""Funnel points: of the persons entering a funnel in a bucket (their first event of its first
step there), how many reach each later step in order within the conversion window.

A full run reads the bucket range's step events once for every interval. A run that only adds
events (``added_only``) changes each bucket's stored counts by the difference the new events make
to the journeys of their persons, and reads those journeys only from the conversion window
before the earliest new event: a person who entered a bucket before that (``FunnelDay`` says who)
keeps the funnel they had there. So its cost follows the new events, not the bucket behind them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from metrics import conditions
from metrics.buckets import DAY, bucket_last_day, bucket_of, utc_day, utc_midnight
from metrics.models import Event, FunnelDay, Metric, MetricPoint, PersonMerge
from metrics.pg_compute import array
from pmhub.models import Product

# (timestamp, event name, event id) of one person's step events, in time order.
Journey = list[tuple[datetime, str, int]]


def funnel_points(
    metric: Metric,
    *,
    product: Product,
    targets: dict[str, set[date]],
    last_day: date,
    added_only: bool,
) -> dict[str, dict[date, tuple[float | None, dict]]]:
    """Per interval and target bucket: (overall conversion, ``{"steps", "persons"}`` with the
    persons reaching each step). Rewrites the metric's ``FunnelDay`` rows of the days it read in
    full, or adds the new events' entries when ``added_only`` (the new events are staged in the
    ``pending_event`` table and are the only change since the stored points)."""
    wanted = {interval: buckets for interval, buckets in targets.items() if buckets}
    steps: list[str] = list(metric.steps)
    window = timedelta(hours=metric.conversion_window_hours or 0)
    first = min(min(buckets) for buckets in wanted.values())
    last = min(max(bucket_last_day(max(b), i) for i, b in wanted.items()), last_day)
    low, high = utc_midnight(first), utc_midnight(last + DAY) + window
    merges = dict(PersonMerge.objects.filter(product=product).values_list("merged_id", "into_id"))
    events = Event.objects.filter(
        product=product, type="track", name__in=set(steps), timestamp__gte=low, timestamp__lt=high
    )
    added: set[int] = set()
    entered_before: dict[int, date] = {}
    if added_only:
        added, persons, earliest = _added_step_events(steps)
        affected = {merges.get(p, p) for p in persons}
        ids = affected | {merged for merged, into in merges.items() if into in affected}
        events = events.filter(
            RawSQL("person_id = ANY(%s::bigint[])", [array(ids)], output_field=BooleanField())
        )
        if earliest is not None:
            # A funnel entered before ``cutoff`` ended before the earliest new event.
            cutoff = utc_day(earliest - window)
            entered_before = _last_entry(metric, ids, merges, first, cutoff)
            events = events.filter(timestamp__gte=max(low, utc_midnight(cutoff)))
    journeys = _journeys(product, metric, events, merges)
    reached = {
        interval: {bucket: [0] * len(steps) for bucket in buckets}
        for interval, buckets in wanted.items()
    }
    if added_only:
        _stored_counts(metric, reached)
    for person, journey in journeys.items():
        journey.sort()  # read in time order already, but a merge joins two persons' journeys
        before = [event for event in journey if event[2] not in added] if added else None
        entered = entered_before.get(person)
        for interval, counts in reached.items():
            kept = bucket_of(entered, interval) if entered else None
            _walk(journey, steps, window, interval, counts, kept=kept)
            if before is not None:
                _walk(before, steps, window, interval, counts, kept=kept, sign=-1)
    _keep_entries(metric, journeys, steps[0], (first, last), added if added_only else None)
    return {
        interval: {
            bucket: (
                (persons[-1] / persons[0]) if persons[0] else None,
                {"steps": steps, "persons": persons},
            )
            for bucket, persons in counts.items()
        }
        for interval, counts in reached.items()
    }


def _journeys(product: Product, metric: Metric, events, merges: dict[int, int]) -> dict:
    """Each canonical person's step events among ``events`` that pass the metric's filters
    (properties read only when a filter needs them)."""
    where = conditions.frozen(metric.filters)
    journeys: dict[int, Journey] = defaultdict(list)
    events = events.order_by("timestamp")
    if not where:
        rows = events.values_list("timestamp", "person_id", "name", "pk")
        for stamp, person, name, pk in rows.iterator(chunk_size=5000):
            journeys[merges.get(person, person)].append((stamp, name, pk))
        return journeys
    traits = conditions.traits_for(product.pk, where)
    with_properties = events.values_list("timestamp", "person_id", "name", "pk", "properties")
    for stamp, person, name, pk, properties in with_properties.iterator(chunk_size=5000):
        canonical = merges.get(person, person)
        if conditions.matches(where, properties, traits.get(canonical, {})):
            journeys[canonical].append((stamp, name, pk))
    return journeys


def _added_step_events(steps: list[str]) -> tuple[set[int], set[int], datetime | None]:
    """This run's new step events (staged in ``pending_event``): ids, persons, earliest time."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, person_id, timestamp FROM pending_event"
            " WHERE type = 'track' AND name = ANY(%s)",
            [steps],
        )
        rows = cursor.fetchall()
    earliest = min((stamp for _, _, stamp in rows), default=None)
    return {pk for pk, _, _ in rows}, {person for _, person, _ in rows}, earliest


# One index probe per person (only added-only runs call it, on PostgreSQL).
_LAST_ENTRY = """
SELECT p.id, (
    SELECT f.day FROM metrics_funnelday AS f
    WHERE f.metric_id = %s AND f.person_id = p.id AND f.day >= %s AND f.day < %s
    ORDER BY f.day DESC LIMIT 1
) FROM unnest(%s::bigint[]) AS p (id)
"""


def _last_entry(
    metric: Metric, ids: set[int], merges: dict[int, int], first: date, cutoff: date
) -> dict[int, date]:
    """Each canonical person's last day of entry in ``first`` ≤ day < ``cutoff`` (ids merged
    away may still hold rows written before the merge)."""
    with connection.cursor() as cursor:
        cursor.execute(_LAST_ENTRY, [metric.pk, first, cutoff, array(sorted(ids))])
        rows = cursor.fetchall()
    out: dict[int, date] = {}
    for person, day in rows:
        if day is not None:
            canonical = merges.get(person, person)
            out[canonical] = max(day, out.get(canonical, day))
    return out


def _stored_counts(metric: Metric, reached: dict[str, dict[date, list[int]]]) -> None:
    """Start ``reached`` from the persons per step of the stored points."""
    buckets = {bucket for counts in reached.values() for bucket in counts}
    for interval, bucket, detail in MetricPoint.objects.filter(
        metric=metric, interval__in=list(reached), bucket__in=buckets
    ).values_list("interval", "bucket", "detail"):
        counts = reached[interval].get(bucket)
        if counts is not None and detail and len(detail["persons"]) == len(counts):
            counts[:] = detail["persons"]


def _walk(
    journey: Journey,
    steps: list[str],
    window: timedelta,
    interval: str,
    reached: dict[date, list[int]],
    *,
    kept: date | None = None,
    sign: int = 1,
) -> None:
    """Add (``sign`` -1: take away) one person's funnels in ``reached``: one per bucket, from its
    first step-1 event there; the ``kept`` bucket (entered before the events read) is left."""
    entered: set[date] = {kept} if kept else set()
    for index, (start, name, _) in enumerate(journey):
        if name != steps[0]:
            continue
        bucket = bucket_of(utc_day(start), interval)
        if bucket not in reached or bucket in entered:
            continue
        entered.add(bucket)
        done, previous = 1, start
        for stamp, later, _ in journey[index + 1 :]:
            if stamp > start + window or done == len(steps):
                break
            if later == steps[done] and stamp > previous:
                done, previous = done + 1, stamp
        for step in range(done):
            reached[bucket][step] += sign


_COPY_ENTRIES = "COPY metrics_funnelday (metric_id, person_id, day) FROM STDIN"
_ADD_ENTRIES = """
INSERT INTO metrics_funnelday (metric_id, person_id, day)
SELECT %s, * FROM unnest(%s::bigint[], %s::date[]) ON CONFLICT DO NOTHING
"""


def _keep_entries(
    metric: Metric,
    journeys: dict[int, Journey],
    first_step: str,
    span: tuple[date, date],
    added: set[int] | None,
) -> None:
    """Record the days on which the journeys enter the funnel: the entries of the ``added``
    events, or (None) every entry of the ``span`` they cover in full, replacing its rows."""
    entries: set[tuple[int, date]] = set()
    for person, journey in journeys.items():
        for stamp, name, pk in journey:
            if name != first_step:
                continue
            day = utc_day(stamp)
            if (pk in added) if added is not None else span[0] <= day <= span[1]:
                entries.add((person, day))
    if added is not None:  # only PostgreSQL's runs add
        if entries:
            persons, days = zip(*sorted(entries), strict=True)
            with connection.cursor() as cursor:
                cursor.execute(_ADD_ENTRIES, [metric.pk, array(persons), array(days)])
        return
    FunnelDay.objects.filter(metric=metric, day__range=span).delete()
    if connection.vendor != "postgresql":
        FunnelDay.objects.bulk_create(
            FunnelDay(metric=metric, person_id=person, day=day) for person, day in entries
        )
        return
    # A full recompute writes a row per person and day of entry: COPY rather than INSERTs.
    with connection.connection.cursor() as cursor, cursor.copy(_COPY_ENTRIES) as copy:
        for person, day in sorted(entries):
            copy.write_row((metric.pk, person, day))
