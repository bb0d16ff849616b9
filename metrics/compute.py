"""Turning events into metric series, in full or only where new events changed something.

Three stages, each rebuilt only for the days a recompute is given (the "dirty" days):
1. Rollups: per selection of events (event name + value property), per day, per canonical person
   (identity merges applied): event count and the sum of the value property.
2. First-seen days: each person's first day with any event (new users, cohorts).
3. Points: every metric's value per day, ISO week and month bucket that those days can affect
   (a rolling window reaches forward ``window_days``, a retention cohort backward its offset).
A day is a UTC calendar day. An activity is a ``track``, ``page`` or ``screen`` message;
identify, group and alias say who someone is, not what they did.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from metrics import conditions, pg_compute
from metrics.buckets import DAY, bucket_last_day, bucket_of, days_between, utc_day, utc_midnight
from metrics.funnels import funnel_points
from metrics.models import (
    ActivityDay,
    CohortWeek,
    DayTotal,
    Event,
    FirstSeen,
    FunnelDay,
    Interval,
    Metric,
    MetricKind,
    MetricPoint,
    PersonMerge,
    Rollup,
)
from metrics.series_cache import series_changed
from pmhub.models import Product

ACTIVITY_TYPES = ("track", "page", "screen")
ANY = "any"
PersonDay = tuple[int, date]


@dataclass(frozen=True)
class Selection:
    """Which events a rollup counts: ``event`` (blank: any activity) and the summed property."""

    event: str = ""
    value_property: str = ""
    conditions: tuple[conditions.Condition, ...] = ()

    @property
    def source(self) -> str:
        if not self.event and not self.value_property and not self.conditions:
            return ANY
        key = f"{self.event}\x1f{self.value_property}\x1f{self.conditions!r}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]


def selection_of(metric: Metric) -> Selection | None:
    if metric.kind in (MetricKind.RATIO, MetricKind.FUNNEL):
        return None  # ratios read other metrics' points, funnels read events
    where = conditions.frozen(metric.filters)
    if metric.kind in (MetricKind.SUM, MetricKind.AVERAGE, MetricKind.PERCENTILE, MetricKind.NPS):
        return Selection(metric.event, metric.value_property, where)
    return Selection(metric.event, "", where)


# --- Entry point ---------------------------------------------------------------------------------


@dataclass
class Result:
    days: int
    points: int


def recompute(
    product: Product,
    days: Iterable[date] | None = None,
    *,
    touched: Iterable[date] = (),
    pending: list[int] | None = None,
    python: bool = False,
) -> Result:
    """Recompute ``product``'s metrics: rebuild the rollups of ``days`` (None: everything, from
    scratch), add the events of the ``pending`` batches (ids of PendingEvents this run claimed)
    to the others, and recompute the points of those days and of ``touched`` ones.

    One transaction: a recompute that dies half-way leaves the previous series intact.
    ``python=True`` computes in Python instead of SQL (SQLite's path; the tests compare): it
    rebuilds ``touched`` days instead of adding pending events.
    """
    # A caller that claimed no pending batches (None) rebuilds from every stored event.
    claimed = pending
    pending = pending or []
    metrics = list(
        Metric.objects.filter(product=product).select_related("numerator", "denominator")
    )
    sql = connection.vendor == "postgresql" and not python
    with transaction.atomic():
        if sql:
            pg_compute.tune_session()
        old_range = _day_range(product)
        if days is None:
            Rollup.objects.filter(product=product).delete()
            ActivityDay.objects.filter(product=product).delete()
            CohortWeek.objects.filter(product=product).delete()
            DayTotal.objects.filter(product=product).delete()
            FirstSeen.objects.filter(product=product).delete()
            FunnelDay.objects.filter(metric__product=product).delete()
            MetricPoint.objects.filter(metric__product=product).delete()
            dirty = set(_event_days(product))
            old_range = None
        else:
            dirty = set(days) | (set() if sql else set(touched))
        if not dirty and not touched and not pending:
            return Result(days=0, points=0)
        # Points change from here on: the series API's kept answers of the product are void.
        series_changed(product.pk)
        selections = {s for s in map(selection_of, metrics) if s is not None} | {Selection()}
        # Rebuilding a selection's summaries costs one sort of its rollups; applying a change
        # costs a few index reads per person whose days changed: below all days, apply.
        rebuild = old_range is None or dirty >= set(days_between(*old_range))
        if sql and rebuild and days is not None:
            # Rebuilding everything anyway: the pending events' days are rebuilt, not added to.
            dirty |= set(touched) | _pending_days(product, pending)
        rebuilt, added = set(dirty), set(touched) if sql else set()
        staged = sql and bool(pending) and not rebuild
        if staged:
            with connection.cursor() as cursor:
                cursor.execute(_STAGE_PENDING, {"product": product.pk, "claimed": pending})
        any_changes = None  # the "any activity" person-days gained and lost, when applied
        for selection in selections:
            # Sums, averages, percentiles and NPS read day totals or events, never persons: on
            # PostgreSQL their selections keep day totals only, written straight from events.
            totals_only = sql and bool(selection.value_property)
            old: set[PersonDay] = set()
            new: set[PersonDay] = set()
            if rebuilt:
                old, new = _rebuild_rollup(
                    product,
                    selection,
                    rebuilt,
                    python=python,
                    changes=sql and not rebuild and not totals_only,
                    claimed=claimed,
                    totals_only=totals_only,
                )
            if not sql:
                continue
            if rebuild:
                if not totals_only:
                    is_any = selection.source == ANY
                    pg_compute.activity_rebuild(product.pk, selection.source, spans=is_any)
                continue
            created: set[PersonDay] = set()
            if pending:
                created, days_added = _add_pending(
                    product, selection, rebuilt, totals_only=totals_only
                )
                added |= days_added
            if totals_only:
                continue
            gained, lost = _by_person((new - old) | created), _by_person(old - new)
            pg_compute.activity_apply(product.pk, selection.source, gained, lost)
            if selection.source == ANY:
                any_changes = (gained, lost)
            if rebuilt:
                pg_compute.day_totals_rebuild(product.pk, selection.source, rebuilt)
        dirty |= added
        if not dirty:
            return Result(days=0, points=0)
        if sql and rebuild:  # first-seen days and cohorts were rebuilt with the summaries
            pg_compute.analyze()
            first_changed = dirty
        elif any_changes is not None:
            spans = pg_compute.first_seen_apply(product.pk, any_changes[0].keys() | any_changes[1])
            pg_compute.cohorts_apply(product.pk, *any_changes, spans)
            first_changed = spans.changed
        else:
            first_changed = _rebuild_first_seen(product, dirty)
            _rebuild_cohorts(product)
        new_range = _day_range(product)
        if new_range is None:
            MetricPoint.objects.filter(metric__product=product).delete()
            return Result(days=len(dirty), points=0)
        grown = set(days_between(*new_range)) - (
            set(days_between(*old_range)) if old_range else set()
        )
        context = _Context(
            product,
            new_range,
            dirty | grown,
            first_changed | grown,
            sql=sql,
            added_only=sql and staged and not rebuild and not rebuilt,
        )
        for metric in metrics:
            reads = selection_of(metric)
            if reads and metric.kind in (MetricKind.ACTIVE_USERS, MetricKind.STICKINESS):
                lengths = {1, 30} if metric.kind == MetricKind.STICKINESS else {_window(metric)}
                context.windows[reads.source] |= lengths
        written = 0
        ordered = sorted(metrics, key=lambda m: m.kind == MetricKind.RATIO)
        for metric in ordered:
            written += _compute(metric, context)
    return Result(days=len(dirty), points=written)


def _event_days(product: Product) -> list[date]:
    stamps = Event.objects.filter(product=product, type__in=ACTIVITY_TYPES).aggregate(
        first=Min("timestamp"), last=Max("timestamp")
    )
    if stamps["first"] is None:
        return []
    return days_between(utc_day(stamps["first"]), utc_day(stamps["last"]))


def _day_range(product: Product) -> tuple[date, date] | None:
    span = Rollup.objects.filter(product=product, source=ANY).aggregate(
        first=Min("day"), last=Max("day")
    )
    return None if span["first"] is None else (span["first"], span["last"])


# --- Stage 1: rollups ----------------------------------------------------------------------------

# The activities a selection counts, with the person they count for (merges applied) and the
# value property; ``{where}`` narrows them to the events of a rebuild or of pending batches.
_SELECTED_SQL = """
    SELECT (e.timestamp AT TIME ZONE 'UTC')::date AS day,
           COALESCE(m.into_id, e.person_id) AS person_id,
           CASE WHEN %(prop)s <> '' AND jsonb_typeof(e.properties -> %(prop)s) = 'number'
                THEN (e.properties ->> %(prop)s)::float8 END AS value
    FROM {events} AS e
    LEFT JOIN metrics_personmerge AS m ON m.merged_id = e.person_id{person_join}
    WHERE e.product_id = %(product)s{where}
      AND e.type IN ('track', 'page', 'screen')
      AND (%(event)s = '' OR (e.type = 'track' AND e.name = %(event)s)){conditions}
"""
_PENDING_IDS = """
    SELECT (jsonb_array_elements_text(p.event_ids))::bigint FROM metrics_pendingevents AS p
    WHERE p.product_id = %(product)s AND {claimed}p.id = ANY(%(claimed)s)"""

# A rebuild reads the days' events, but not those of batches committed after this recompute
# claimed its pending batches: the next recompute adds those.
_ROLLUP_SQL = """
INSERT INTO metrics_rollup (product_id, source, day, person_id, events, value_sum, value_count)
SELECT %(product)s, %(source)s, day, person_id, COUNT(*), SUM(value), COUNT(value)
FROM ({selected}) AS selected
WHERE day = ANY(%(days)s)
GROUP BY day, person_id
ORDER BY person_id, day{returning}
"""
_ROLLUP_RANGE = """
      AND e.timestamp >= %(low)s AND e.timestamp < %(high)s"""
_ROLLUP_UNCLAIMED = f"""
      AND e.id NOT IN ({_PENDING_IDS.format(claimed="NOT ")})"""

# The claimed pending events, read once by id for every selection of the run. As an array, the
# ids are sorted and probed in one index scan (93 ms for 100,000), where IN (...) hashed them
# first and probed them one by one (198 ms).
_STAGE_PENDING = f"""
DROP TABLE IF EXISTS pending_event;
CREATE TEMP TABLE pending_event AS
SELECT e.id, e.product_id, e.timestamp, e.person_id, e.type, e.name, e.properties
FROM metrics_event AS e
WHERE e.product_id = %(product)s AND e.id = ANY(ARRAY({_PENDING_IDS.format(claimed="")}));
ANALYZE pending_event;
"""  # noqa: S608 - constant text

_ADD_TO_TOTALS = """
    ON CONFLICT (product_id, source, day) DO UPDATE SET events = t.events + excluded.events,
        value_sum = t.value_sum + excluded.value_sum,
        value_count = t.value_count + excluded.value_count"""

# Pending events add to the rollups (and day totals) of days that are not being rebuilt; the
# person-days they create are returned (``xmax = 0``: inserted, not updated).
_PENDING_SQL = f"""
WITH grouped AS (
    SELECT day, person_id, COUNT(*) AS events, SUM(value) AS value_sum, COUNT(value) AS value_count
    FROM ({{selected}}) AS selected
    WHERE NOT day = ANY(%(days)s)
    GROUP BY day, person_id
), totals AS (
    INSERT INTO metrics_daytotal AS t (product_id, source, day, events, value_sum, value_count)
    SELECT %(product)s, %(source)s, day, SUM(events), COALESCE(SUM(value_sum), 0), SUM(value_count)
    FROM grouped GROUP BY day{_ADD_TO_TOTALS}
)
INSERT INTO metrics_rollup AS r (product_id, source, day, person_id, events, value_sum, value_count)
SELECT %(product)s, %(source)s, day, person_id, events, value_sum, value_count FROM grouped
ORDER BY person_id, day
ON CONFLICT (product_id, source, person_id, day) DO UPDATE SET events = r.events + excluded.events,
    value_sum = CASE WHEN excluded.value_sum IS NULL THEN r.value_sum
                     ELSE COALESCE(r.value_sum, 0) + excluded.value_sum END,
    value_count = r.value_count + excluded.value_count
RETURNING person_id, day, xmax = 0
"""  # noqa: S608 - constant text

# A selection that keeps day totals only: rebuilt days replaced, pending events added.
_TOTALS_OF = """
INSERT INTO metrics_daytotal AS t (product_id, source, day, events, value_sum, value_count)
SELECT %(product)s, %(source)s, day, COUNT(*), COALESCE(SUM(value), 0), COUNT(value)
FROM ({selected}) AS selected"""
_TOTALS_SQL = f"""
DELETE FROM metrics_daytotal
WHERE product_id = %(product)s AND source = %(source)s AND day = ANY(%(days)s);{_TOTALS_OF}
WHERE day = ANY(%(days)s) GROUP BY day
"""  # noqa: S608 - constant text
_PENDING_TOTALS = f"""{_TOTALS_OF}
WHERE NOT day = ANY(%(days)s) GROUP BY day{_ADD_TO_TOTALS}
RETURNING day
"""


def _selection_sql(product: Product, selection: Selection, **params: Any) -> tuple[str, dict]:
    """The SELECT of ``selection``'s activities (``{where}`` left to fill) and its params."""
    params |= {
        "product": product.pk,
        "source": selection.source,
        "prop": selection.value_property,
        "event": selection.event,
    }
    where = conditions.sql(selection.conditions, params)
    join = (
        "\n    LEFT JOIN metrics_person AS p ON p.id = COALESCE(m.into_id, e.person_id)"
        if conditions.uses_traits(selection.conditions)
        else ""
    )
    return _SELECTED_SQL.replace("{person_join}", join).replace("{conditions}", where), params


_PENDING_DAYS = """
SELECT DISTINCT (timestamp AT TIME ZONE 'UTC')::date FROM metrics_event
WHERE product_id = %(product)s AND id IN ({ids})
"""


def _pending_days(product: Product, pending: list[int]) -> set[date]:
    if not pending:
        return set()
    sql = _PENDING_DAYS.replace("{ids}", _PENDING_IDS.format(claimed=""))
    with connection.cursor() as cursor:
        cursor.execute(sql, {"product": product.pk, "claimed": pending})
        return {day for (day,) in cursor}


def _add_pending(
    product: Product, selection: Selection, rebuilt: set[date], *, totals_only: bool = False
) -> tuple[set[PersonDay], set[date]]:
    """Add the staged pending events outside ``rebuilt`` days to ``selection``'s rollups (unless
    ``totals_only``) and day totals; returns the person-days created and every day touched."""
    selected, params = _selection_sql(product, selection, days=sorted(rebuilt))
    selected = selected.replace("{events}", "pending_event").replace("{where}", "")
    with connection.cursor() as cursor:
        if totals_only:
            cursor.execute(_PENDING_TOTALS.replace("{selected}", selected), params)
            return set(), {day for (day,) in cursor.fetchall()}
        cursor.execute(_PENDING_SQL.replace("{selected}", selected), params)
        rows = cursor.fetchall()
    return {(p, day) for p, day, created in rows if created}, {day for _, day, _ in rows}


def _by_person(person_days: set[tuple[int, date]]) -> dict[int, set[date]]:
    out: dict[int, set[date]] = defaultdict(set)
    for person, day in person_days:
        out[person].add(day)
    return out


def _rebuild_rollup(
    product: Product,
    selection: Selection,
    days: set[date],
    *,
    python: bool,
    changes: bool = False,
    claimed: list[int] | None = None,
    totals_only: bool = False,
) -> tuple[set[PersonDay], set[PersonDay]]:
    """Rebuild ``selection``'s rollups of ``days`` (``totals_only``, on PostgreSQL: its day
    totals instead). With ``changes`` (PostgreSQL's path only), returns the (person, day) pairs
    before and after; otherwise two empty sets. Events of pending batches not ``claimed`` by
    this recompute (when it claimed any) are left for the next one."""
    rows = Rollup.objects.filter(product=product, source=selection.source, day__in=days)
    old: set[PersonDay] = set(rows.values_list("person_id", "day")) if changes else set()
    rows.delete()
    low, high = utc_midnight(min(days)), utc_midnight(max(days) + DAY)
    if connection.vendor == "postgresql" and not python:
        selected, params = _selection_sql(
            product, selection, low=low, high=high, days=sorted(days), claimed=claimed or []
        )
        where = _ROLLUP_RANGE + ("" if claimed is None else _ROLLUP_UNCLAIMED)
        returning = "\nRETURNING person_id, day" if changes else ""
        selected = selected.replace("{events}", "metrics_event").replace("{where}", where)
        sql = (_TOTALS_SQL if totals_only else _ROLLUP_SQL).replace("{selected}", selected)
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("{returning}", returning), params)
            return old, set(cursor.fetchall()) if changes else set()
    merges = dict(PersonMerge.objects.filter(product=product).values_list("merged_id", "into_id"))
    traits = conditions.traits_for(product.pk, selection.conditions)
    totals: dict[tuple[date, int], list] = {}
    for stamp, person, properties in _selected_events(product, selection, low, high):
        day = utc_day(stamp)
        canonical = merges.get(person, person)
        if day not in days or not conditions.matches(
            selection.conditions, properties, traits.get(canonical, {})
        ):
            continue
        row = totals.setdefault((day, canonical), [0, None, 0])
        row[0] += 1
        value = properties.get(selection.value_property) if selection.value_property else None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            row[1] = (row[1] or 0.0) + float(value)
            row[2] += 1
    Rollup.objects.bulk_create(
        Rollup(
            product=product,
            source=selection.source,
            day=day,
            person_id=person,
            events=count,
            value_sum=total,
            value_count=n,
        )
        for (day, person), (count, total, n) in totals.items()
    )
    return set(), set()


def _selected_events(product: Product, selection: Selection, low: datetime, high: datetime):
    """(timestamp, person, properties) of the activities ``selection`` names, low ≤ t < high."""
    events = Event.objects.filter(
        product=product, timestamp__gte=low, timestamp__lt=high, type__in=ACTIVITY_TYPES
    )
    if selection.event:
        events = events.filter(type="track", name=selection.event)
    return events.values_list("timestamp", "person_id", "properties").iterator(chunk_size=5000)


# --- Stage 2: first-seen days --------------------------------------------------------------------


def _rebuild_cohorts(product: Product) -> None:
    """The cohort table from first-seen days and rollups, in Python (SQLite's path)."""
    cohort_of = {
        person: bucket_of(day, Interval.WEEK)
        for person, day in FirstSeen.objects.filter(product=product).values_list("person_id", "day")
    }
    active = {
        (cohort_of[person], bucket_of(day, Interval.WEEK), person)
        for person, day in Rollup.objects.filter(product=product, source=ANY).values_list(
            "person_id", "day"
        )
        if person in cohort_of
    }
    cells = Counter((cohort, week) for cohort, week, _ in active)
    CohortWeek.objects.filter(product=product).delete()
    CohortWeek.objects.bulk_create(
        CohortWeek(product=product, cohort=cohort, week=week, persons=n)
        for (cohort, week), n in cells.items()
    )


def _rebuild_first_seen(product: Product, days: set[date]) -> set[date]:
    """Bring first and last days up to date for everyone active (or first or last seen) on
    ``days``; returns every day whose set of new users changed.

    Reads only the rollups of ``days``: outside them nothing changed, so a person's first day
    moves only to an earlier day they are active on now, and their last day to a later one. Only a
    person no longer active on a first or last day that was rebuilt (a merge took their events)
    has the rest of their span read again.
    """
    any_rows = Rollup.objects.filter(product=product, source=ANY)
    on_days = any_rows.filter(day__in=days)
    active = {
        person: (first, last)
        for person, first, last in on_days.values("person_id")
        .annotate(first=Min("day"), last=Max("day"))
        .values_list("person_id", "first", "last")
    }
    old = {
        person: (first, last)
        for person, first, last in FirstSeen.objects.filter(product=product)
        .filter(
            Q(day__in=days) | Q(last_day__in=days) | Q(person_id__in=on_days.values("person_id"))
        )
        .values_list("person_id", "day", "last_day")
    }
    new: dict[int, tuple[date, date]] = {}
    reread: list[int] = []
    for person, (first, last) in old.items():
        now = active.get(person)
        if (first in days and (now is None or now[0] > first)) or (
            last in days and (now is None or now[1] < last)
        ):
            reread.append(person)
        elif now is not None:
            new[person] = (min(first, now[0]), max(last, now[1]))
    for person, span in active.items():
        if person not in old:
            new[person] = span
    if reread:
        low = min(old[person][0] for person in reread)
        high = max(old[person][1] for person in reread)
        new |= {
            person: (first, last)
            for person, first, last in any_rows.filter(day__range=(low, high), person_id__in=reread)
            .values("person_id")
            .annotate(first=Min("day"), last=Max("day"))
            .values_list("person_id", "first", "last")
        }
    changed: set[date] = set()
    gone = [person for person in old if person not in new]
    moved = {p: span for p, span in new.items() if old.get(p) != span}
    for person in gone:
        changed.add(old[person][0])
    for person, (first, _) in moved.items():
        if person not in old or old[person][0] != first:
            changed.add(first)
            if person in old:
                changed.add(old[person][0])
    FirstSeen.objects.filter(product=product, person_id__in=gone).delete()
    FirstSeen.objects.bulk_create(
        [
            FirstSeen(product=product, person_id=p, day=first, last_day=last)
            for p, (first, last) in moved.items()
        ],
        update_conflicts=True,
        unique_fields=["product", "person_id"],
        update_fields=["day", "last_day"],
    )
    return changed


# --- Stage 3: points -----------------------------------------------------------------------------


class _Context:
    """What one recompute run knows: the data's day range, what changed, points it wrote."""

    def __init__(
        self,
        product: Product,
        span: tuple[date, date],
        dirty: set[date],
        first_changed: set[date],
        *,
        sql: bool = False,
        added_only: bool = False,
    ) -> None:
        self.product = product
        self.sql = sql  # compute in PostgreSQL (pg_compute) rather than from rollup rows here
        # The only change since the stored points: the claimed pending events (staged in the
        # ``pending_event`` table), so a value may be updated by the difference they make.
        self.added_only = added_only
        self.first, self.last = span
        self.dirty = {d for d in dirty if self.first <= d <= self.last}
        self.first_changed = {d for d in first_changed if self.first <= d <= self.last}
        self.written: dict[int, dict[str, set[date]]] = {}
        self.now = timezone.now()
        self._rows: dict[str, tuple[date, date, dict[date, list]]] = {}
        self._person_days: dict[str, pg_compute.PersonDays] = {}
        self.windows: dict[str, set[int]] = defaultdict(set)  # window lengths per selection

    def buckets(self, days: Iterable[date], interval: str) -> set[date]:
        return {bucket_of(d, interval) for d in days}

    def evaluation_day(self, bucket: date, interval: str) -> date:
        """A bucket's value for a point-in-time metric is its last day's (or the data's last)."""
        return min(bucket_last_day(bucket, interval), self.last)

    def rows(self, selection: Selection, low: date, high: date) -> dict[date, list]:
        """Rollup rows of ``selection`` grouped by day, for at least the days low..high.

        Read once per run and selection (widened when a metric needs more days): every metric
        and interval of a run reads the same rows. Callers ignore days they did not ask for.
        """
        cached = self._rows.get(selection.source)
        if cached and cached[0] <= low and high <= cached[1]:
            return cached[2]
        if cached:
            low, high = min(low, cached[0]), max(high, cached[1])
        by_day: dict[date, list] = defaultdict(list)
        for row in Rollup.objects.filter(
            product=self.product, source=selection.source, day__range=(low, high)
        ).values_list("day", "person_id", "events", "value_sum", "value_count"):
            by_day[row[0]].append(row)
        self._rows[selection.source] = (low, high, by_day)
        return by_day

    def person_days(self, selection: Selection, low: date, high: date) -> pg_compute.PersonDays:
        """pg_compute.PersonDays of ``selection`` exact for days and buckets from low to high.

        Read once per run and selection, widened (and read again) only when a metric needs
        earlier or later days.
        """
        longest = max(self.windows[selection.source] | {1})
        # The month of the week of the window's start: one read serves every interval's buckets.
        start = bucket_of(low - timedelta(days=longest - 1), Interval.WEEK)
        low = bucket_of(start, Interval.MONTH)
        cached = self._person_days.get(selection.source)
        if cached and cached.low <= low and high <= cached.high:
            return cached
        if cached:
            low, high = min(low, cached.low), max(high, cached.high)
        found = pg_compute.PersonDays.read(self.product.pk, selection.source, longest, low, high)
        self._person_days[selection.source] = found
        return found


def _compute(metric: Metric, ctx: _Context) -> int:
    targets = _targets(metric, ctx)
    values: dict[str, dict]
    if metric.kind == MetricKind.FUNNEL:  # every interval from one read of the step events
        values = (
            funnel_points(
                metric,
                product=ctx.product,
                targets=targets,
                last_day=ctx.last,
                added_only=ctx.added_only,
            )
            if any(targets.values())
            else {}
        )
    else:
        values = {
            interval: _values(metric, interval, buckets, ctx)
            for interval, buckets in targets.items()
            if buckets
        }
    ctx.written[metric.pk] = {interval: set(v) for interval, v in values.items()}
    points = []
    for interval, by_bucket in values.items():
        for bucket, result in by_bucket.items():
            value, detail = result if isinstance(result, tuple) else (result, None)
            points.append(
                MetricPoint(
                    metric=metric,
                    interval=interval,
                    bucket=bucket,
                    value=value,
                    detail=detail,
                    computed_at=ctx.now,
                )
            )
    MetricPoint.objects.bulk_create(
        points,
        update_conflicts=True,
        unique_fields=["metric", "interval", "bucket"],
        update_fields=["value", "detail", "computed_at"],
    )
    return len(points)


def _window(metric: Metric) -> int:
    if metric.kind == MetricKind.STICKINESS:
        return 30
    return metric.window_days or 1


def _targets(metric: Metric, ctx: _Context) -> dict[str, set[date]]:
    """The buckets of each interval whose value the run's changes can have moved."""
    kind = metric.kind
    if kind == MetricKind.RATIO:
        written = [ctx.written.get(m.pk, {}) for m in (metric.numerator, metric.denominator) if m]
        return {i: set().union(*(w.get(i, set()) for w in written)) for i in Interval.values}
    if kind in (MetricKind.ACTIVE_USERS, MetricKind.STICKINESS):
        reach = _window(metric)
        days = {d + timedelta(days=n) for d in ctx.dirty for n in range(reach)}
        days = {d for d in days if d <= ctx.last}
        return {i: ctx.buckets(days, i) for i in Interval.values}
    if kind == MetricKind.NEW_USERS:
        return {i: ctx.buckets(ctx.first_changed, i) for i in Interval.values}
    if kind == MetricKind.FUNNEL:
        # An event can complete a funnel entered up to the conversion window before it.
        reach = -(-(metric.conversion_window_hours or 0) // 24)
        days = {d - timedelta(days=n) for d in ctx.dirty for n in range(reach + 1)}
        return {i: ctx.buckets({d for d in days if d >= ctx.first}, i) for i in Interval.values}
    if kind == MetricKind.CHURN:
        # A bucket's churn compares it with the bucket before: a change reaches the next one.
        out = {}
        for interval in Interval.values:
            changed = ctx.buckets(ctx.dirty, interval)
            following = {bucket_last_day(b, interval) + DAY for b in changed}
            out[interval] = changed | {b for b in ctx.buckets(following, interval) if b <= ctx.last}
        return out
    if kind == MetricKind.RETENTION:
        offset = timedelta(weeks=metric.retention_weeks)
        cohorts = ctx.buckets(ctx.first_changed, Interval.WEEK) | {
            c - offset for c in ctx.buckets(ctx.dirty, Interval.WEEK)
        }
        first_week = bucket_of(ctx.first, Interval.WEEK)
        return {Interval.WEEK: {c for c in cohorts if c >= first_week}}
    return {i: ctx.buckets(ctx.dirty, i) for i in Interval.values}


def _values(
    metric: Metric, interval: str, buckets: set[date], ctx: _Context
) -> dict[date, float | None]:
    kind = metric.kind
    if kind == MetricKind.RATIO:
        return _ratio(metric, interval, buckets)
    if kind == MetricKind.NEW_USERS:
        return _new_users(ctx, interval, buckets)
    selection = selection_of(metric)
    assert selection is not None
    if kind == MetricKind.RETENTION:
        return _retention(ctx, selection, buckets, metric.retention_weeks)
    if kind in (MetricKind.PERCENTILE, MetricKind.NPS):
        return _from_values(metric, ctx, selection, interval, buckets)
    if kind == MetricKind.CHURN:
        return _churn(ctx, selection, interval, buckets)
    if kind in (MetricKind.ACTIVE_USERS, MetricKind.STICKINESS):
        days = {ctx.evaluation_day(b, interval): b for b in buckets}
        if kind == MetricKind.ACTIVE_USERS:
            active = _active(ctx, selection, set(days), _window(metric))
            return {bucket: float(active[day]) for day, bucket in days.items()}
        daily = _active(ctx, selection, set(days), 1)
        monthly = _active(ctx, selection, set(days), 30)
        return {
            bucket: (daily[day] / monthly[day]) if monthly[day] else None
            for day, bucket in days.items()
        }
    return _per_bucket(metric, ctx, selection, interval, buckets)


def _per_bucket(
    metric: Metric, ctx: _Context, selection: Selection, interval: str, buckets: set[date]
) -> dict[date, float | None]:
    low = min(buckets)
    high = min(bucket_last_day(max(buckets), interval), ctx.last)
    if ctx.sql:
        totals = ctx.person_days(selection, low, high).totals(interval, buckets)
    else:
        totals = _bucket_totals(ctx.rows(selection, low, high), interval, buckets)
    out: dict[date, float | None] = {}
    for bucket, (events, persons, value_sum, value_count) in totals.items():
        if metric.kind == MetricKind.EVENT_COUNT:
            out[bucket] = float(events)
        elif metric.kind == MetricKind.UNIQUE_USERS:
            out[bucket] = float(persons)
        elif metric.kind == MetricKind.SUM:
            out[bucket] = value_sum
        else:  # AVERAGE
            out[bucket] = value_sum / value_count if value_count else None
    return out


def _bucket_totals(rows: dict[date, list], interval: str, buckets: set[date]) -> dict:
    """Per bucket from rollup rows: (events, distinct persons, value sum, values counted)."""
    totals: dict[date, list] = {b: [0, set(), 0.0, 0] for b in buckets}
    for day, day_rows in rows.items():
        total = totals.get(bucket_of(day, interval))
        if total is None:
            continue
        for _, person, events, value_sum, value_count in day_rows:
            total[0] += events
            total[1].add(person)
            total[2] += value_sum or 0.0
            total[3] += value_count
    return {b: (events, len(persons), s, n) for b, (events, persons, s, n) in totals.items()}


def _active(ctx: _Context, selection: Selection, days: set[date], window: int) -> dict[date, int]:
    """Distinct persons active in the ``window`` days ending on each of ``days``."""
    if ctx.sql:
        return ctx.person_days(selection, min(days), max(days)).active(window, days)
    low, high = min(days) - timedelta(days=window - 1), max(days)
    rows = ctx.rows(selection, low, high)
    seen: Counter[int] = Counter()
    out: dict[date, int] = {}
    for day in days_between(low, high):
        for row in rows.get(day, ()):
            seen[row[1]] += 1
        leaving = day - timedelta(days=window)
        # Only rows this loop added may leave (the cached rows can start before ``low``).
        for row in rows.get(leaving, ()) if leaving >= low else ():
            seen[row[1]] -= 1
            if not seen[row[1]]:
                del seen[row[1]]
        if day in days:
            out[day] = len(seen)
    return out


def _new_users(ctx: _Context, interval: str, buckets: set[date]) -> dict[date, float | None]:
    counts: Counter[date] = Counter()
    low = min(buckets)
    high = bucket_last_day(max(buckets), interval)
    if ctx.sql:
        found = pg_compute.new_user_counts(ctx.product.pk, interval, low, high)
        return {bucket: float(found.get(bucket, 0)) for bucket in buckets}
    for day in FirstSeen.objects.filter(product=ctx.product, day__range=(low, high)).values_list(
        "day", flat=True
    ):
        counts[bucket_of(day, interval)] += 1
    return {bucket: float(counts[bucket]) for bucket in buckets}


def _retention(
    ctx: _Context, selection: Selection, cohorts: set[date], weeks: int
) -> dict[date, float | None]:
    """Share of each weekly cohort (first seen that ISO week) active ``weeks`` weeks later."""
    members: dict[date, set[int]] = defaultdict(set)
    low, high = min(cohorts), max(cohorts) + timedelta(days=6)
    if ctx.sql:
        sizes = pg_compute.retention_counts(ctx.product.pk, selection.source, weeks, low, high)
        return {
            cohort: sizes[cohort][1] / sizes[cohort][0] if cohort in sizes else None
            for cohort in cohorts
        }
    for person, day in FirstSeen.objects.filter(
        product=ctx.product, day__range=(low, high)
    ).values_list("person_id", "day"):
        members[bucket_of(day, Interval.WEEK)].add(person)
    offset = timedelta(weeks=weeks)
    rows = ctx.rows(selection, low + offset, high + offset)
    returning: dict[date, set[int]] = defaultdict(set)
    for day, day_rows in rows.items():
        returning[bucket_of(day, Interval.WEEK) - offset].update(r[1] for r in day_rows)
    return {
        cohort: (len(members[cohort] & returning[cohort]) / len(members[cohort]))
        if members[cohort]
        else None
        for cohort in cohorts
    }


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile, interpolating between closest ranks (as percentile_cont)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def net_promoter_score(scores: list[float]) -> float:
    """100 × (share of 9–10 answers − share of 0–6 answers)."""
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return 100 * (promoters - detractors) / len(scores)


def _from_values(
    metric: Metric, ctx: _Context, selection: Selection, interval: str, buckets: set[date]
) -> dict[date, float | None]:
    """Percentiles and NPS need every value, not sums: read them from the bucket's events."""
    low = utc_midnight(min(buckets))
    last = min(bucket_last_day(max(buckets), interval), ctx.last)
    high = utc_midnight(last + DAY)
    merges = dict(
        PersonMerge.objects.filter(product=ctx.product).values_list("merged_id", "into_id")
    )
    traits = conditions.traits_for(ctx.product.pk, selection.conditions)
    values: dict[date, list[float]] = defaultdict(list)
    for stamp, person, properties in _selected_events(ctx.product, selection, low, high):
        if selection.conditions and not conditions.matches(
            selection.conditions, properties, traits.get(merges.get(person, person), {})
        ):
            continue
        value = properties.get(selection.value_property)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        if metric.kind == MetricKind.NPS and not 0 <= value <= 10:
            continue  # not an answer on the 0–10 scale
        values[bucket_of(utc_day(stamp), interval)].append(float(value))
    out: dict[date, float | None] = {}
    for bucket in buckets:
        found = values.get(bucket)
        if not found:
            out[bucket] = None
        elif metric.kind == MetricKind.NPS:
            out[bucket] = net_promoter_score(found)
        else:
            out[bucket] = percentile(found, metric.percentile or 50)
    return out


def _churn(
    ctx: _Context, selection: Selection, interval: str, buckets: set[date]
) -> dict[date, float | None]:
    """Share of the previous bucket's active persons with no event in this bucket."""
    previous = {b: bucket_of(b - DAY, interval) for b in buckets}
    low = min(previous.values())
    high = min(bucket_last_day(max(buckets), interval), ctx.last)
    active: dict[date, set[int]] = defaultdict(set)
    for day, day_rows in ctx.rows(selection, low, high).items():
        active[bucket_of(day, interval)].update(row[1] for row in day_rows)
    out: dict[date, float | None] = {}
    for bucket, before in previous.items():
        was = active.get(before, set()) if before >= bucket_of(ctx.first, interval) else set()
        out[bucket] = len(was - active.get(bucket, set())) / len(was) if was else None
    return out


def _ratio(metric: Metric, interval: str, buckets: set[date]) -> dict[date, float | None]:
    parts = {}
    for part in (metric.numerator, metric.denominator):
        parts[part.pk if part else None] = dict(
            MetricPoint.objects.filter(
                metric=part, interval=interval, bucket__in=buckets
            ).values_list("bucket", "value")
        )
    numerator = parts.get(metric.numerator_id, {})
    denominator = parts.get(metric.denominator_id, {})
    out: dict[date, float | None] = {}
    for bucket in buckets:
        top, bottom = numerator.get(bucket), denominator.get(bucket)
        out[bucket] = top / bottom if top is not None and bottom else None
    return out
