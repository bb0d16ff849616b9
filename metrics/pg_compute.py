"""PostgreSQL's path of the points stage: the values compute.py's Python readers produce, computed
where the rollups are, so a recompute moves counts across the wire instead of rollup rows.

Each function answers for a day range of one product's rollups of one selection (``source``);
compute.py picks the buckets it needs from the answer. tests/metrics/test_compute_paths.py holds
the two paths equal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import connection

from metrics.buckets import bucket_of
from metrics.models import NO_NEXT_DAY, Interval


def array(values: Iterable[int | date]) -> str:
    """Integers or dates as one PostgreSQL array literal, for a ``%s::bigint[]`` or ``::date[]``
    parameter: psycopg quotes a list element by element (33 ms for 20,000 persons, 53 ms for as
    many dates), where one joined string costs 4 ms and 9 ms."""
    return "{" + ",".join(map(str, values)) + "}"


_UNIT: dict[str, str] = {Interval.DAY: "day", Interval.WEEK: "week", Interval.MONTH: "month"}

# One sort of a selection's rollups by person and day gives the activity summaries: for each
# person-day, the days until the person's next active day and whether it is their first active
# day of its week and month. For "any activity" the same sort gives each person's first and last
# days and the cohort table. A full recompute writes them from scratch; an incremental one
# applies the difference its changed person-days make (activity_apply, first_seen_apply,
# cohorts_apply).
_ACTIVITY_REBUILD = """
DELETE FROM metrics_activityday WHERE product_id = %(product)s AND source = %(source)s;
DELETE FROM metrics_daytotal WHERE product_id = %(product)s AND source = %(source)s;{clear}
WITH days AS MATERIALIZED (
    SELECT person_id, day, events, value_sum, value_count,
           LAG(day) OVER per_person AS previous,
           LEAD(day) OVER per_person - day AS gap,
           first_value(day) OVER per_person AS first
    FROM metrics_rollup
    WHERE product_id = %(product)s AND source = %(source)s
    WINDOW per_person AS (PARTITION BY person_id ORDER BY day)
), activity AS (
    INSERT INTO metrics_activityday
        (product_id, source, day, gap, first_in_week, first_in_month, persons)
    SELECT %(product)s, %(source)s, day, LEAST(COALESCE(gap, %(none)s), %(none)s),
           previous IS NULL OR date_trunc('week', previous) <> date_trunc('week', day),
           previous IS NULL OR date_trunc('month', previous) <> date_trunc('month', day),
           COUNT(*)
    FROM days GROUP BY 3, 4, 5, 6
), totals AS (
    INSERT INTO metrics_daytotal (product_id, source, day, events, value_sum, value_count)
    SELECT %(product)s, %(source)s, day, SUM(events), COALESCE(SUM(value_sum), 0),
           SUM(value_count)
    FROM days GROUP BY day
){spans}
SELECT 1
"""
_SPANS_REBUILD = """, cohorts AS (
    INSERT INTO metrics_cohortweek (product_id, cohort, week, persons)
    SELECT %(product)s, date_trunc('week', first)::date, date_trunc('week', day)::date, COUNT(*)
    FROM days
    WHERE previous IS NULL OR date_trunc('week', previous) <> date_trunc('week', day)
    GROUP BY 2, 3
), spans AS (
    INSERT INTO metrics_firstseen (product_id, person_id, day, last_day)
    SELECT %(product)s, person_id, first, day FROM days WHERE gap IS NULL
)"""
_SPANS_CLEAR = """
DELETE FROM metrics_cohortweek WHERE product_id = %(product)s;
DELETE FROM metrics_firstseen WHERE product_id = %(product)s;"""


def activity_rebuild(product_id: int, source: str, *, spans: bool = False) -> None:
    """Write ``source``'s activity summaries from all its rollups; with ``spans`` (the "any
    activity" selection) also every person's first and last days and the cohort table."""
    params: dict[str, Any] = {"product": product_id, "source": source, "none": NO_NEXT_DAY}
    sql = _ACTIVITY_REBUILD.replace("{clear}", _SPANS_CLEAR if spans else "")
    with connection.cursor() as cursor:
        cursor.execute(sql.replace("{spans}", _SPANS_REBUILD if spans else ""), params)


_DAY_TOTALS = """
DELETE FROM metrics_daytotal
WHERE product_id = %(product)s AND source = %(source)s AND day = ANY(%(days)s);
INSERT INTO metrics_daytotal (product_id, source, day, events, value_sum, value_count)
SELECT %(product)s, %(source)s, day, SUM(events), COALESCE(SUM(value_sum), 0), SUM(value_count)
FROM metrics_rollup
WHERE product_id = %(product)s AND source = %(source)s AND day = ANY(%(days)s)
GROUP BY day;
"""


def day_totals_rebuild(product_id: int, source: str, days: Iterable[date]) -> None:
    """Rewrite ``source``'s day totals of ``days`` from their rollups."""
    params: dict[str, Any] = {"product": product_id, "source": source, "days": sorted(days)}
    with connection.cursor() as cursor:
        cursor.execute(_DAY_TOTALS, params)


# The days of each changed person around their changes, as they are now: two before, all
# between the first and last change, two after. A person's summary rows change from the active
# day before their first change to the one after their last; the outer two days are the
# neighbours those rows are judged by.
_NEIGHBOURS = """
SELECT c.person_id, r.day
FROM unnest(%(persons)s::bigint[], %(lows)s::date[], %(highs)s::date[]) AS c(person_id, lo, hi)
CROSS JOIN LATERAL (
    (SELECT day FROM metrics_rollup
     WHERE product_id = %(product)s AND source = %(source)s AND person_id = c.person_id
       AND day < c.lo ORDER BY day DESC LIMIT 2)
    UNION ALL
    (SELECT day FROM metrics_rollup
     WHERE product_id = %(product)s AND source = %(source)s AND person_id = c.person_id
       AND day BETWEEN c.lo AND c.hi)
    UNION ALL
    (SELECT day FROM metrics_rollup
     WHERE product_id = %(product)s AND source = %(source)s AND person_id = c.person_id
       AND day > c.hi ORDER BY day LIMIT 2)
) AS r
"""

_APPLY = """
INSERT INTO metrics_activityday AS a
    (product_id, source, day, gap, first_in_week, first_in_month, persons)
SELECT %(product)s, %(source)s, d.day, d.gap, d.week, d.month, d.persons
FROM unnest(%(days)s::date[], %(gaps)s::smallint[], %(weeks)s::boolean[],
            %(months)s::boolean[], %(counts)s::int[]) AS d(day, gap, week, month, persons)
ON CONFLICT (product_id, source, day, gap, first_in_week, first_in_month)
DO UPDATE SET persons = a.persons + excluded.persons;
DELETE FROM metrics_activityday
WHERE product_id = %(product)s AND source = %(source)s AND day = ANY(%(days)s) AND persons = 0;
"""

Key = tuple[date, int, bool, bool]


def _summary_rows(days: list[date], low: date, high: date) -> Counter[Key]:
    """The summary keys of a person's ``days`` (sorted) that fall in low..high."""
    out: Counter[Key] = Counter()
    for index, day in enumerate(days):
        if not low <= day <= high:
            continue
        following = days[index + 1] if index + 1 < len(days) else None
        previous = days[index - 1] if index else None
        gap = min((following - day).days, NO_NEXT_DAY) if following else NO_NEXT_DAY
        week = previous is None or bucket_of(previous, "week") != bucket_of(day, "week")
        month = previous is None or (previous.year, previous.month) != (day.year, day.month)
        out[(day, gap, week, month)] += 1
    return out


def activity_apply(
    product_id: int, source: str, added: dict[int, set[date]], removed: dict[int, set[date]]
) -> None:
    """Bring ``source``'s activity summaries up to date after its rollups gained the person-days
    ``added`` and lost ``removed`` (by person); the rollups are already changed."""
    persons = sorted(added.keys() | removed.keys())
    if not persons:
        return
    spans = {p: added.get(p, set()) | removed.get(p, set()) for p in persons}
    params: dict[str, Any] = {
        "product": product_id,
        "source": source,
        "persons": array(persons),
        "lows": array(min(spans[p]) for p in persons),
        "highs": array(max(spans[p]) for p in persons),
    }
    now: dict[int, list[date]] = {p: [] for p in persons}
    with connection.cursor() as cursor:
        cursor.execute(_NEIGHBOURS, params)
        for person, day in cursor:
            now[person].append(day)
    delta: Counter[Key] = Counter()
    for person in persons:
        after = sorted(set(now[person]))
        before = sorted(set(after) - added.get(person, set()) | removed.get(person, set()))
        low, high = min(spans[person]), max(spans[person])
        # From the active day before the first change to the one after the last.
        low = max((d for d in after if d < low), default=low)
        high = min((d for d in after if d > high), default=high)
        delta.update(_summary_rows(after, low, high))
        delta.subtract(_summary_rows(before, low, high))
    changes = [(key, count) for key, count in delta.items() if count]
    if not changes:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            _APPLY,
            {
                "product": product_id,
                "source": source,
                "days": [key[0] for key, _ in changes],
                "gaps": [key[1] for key, _ in changes],
                "weeks": [key[2] for key, _ in changes],
                "months": [key[3] for key, _ in changes],
                "counts": [count for _, count in changes],
            },
        )


@dataclass
class PersonDays:
    """A selection's activity summaries over days ``low``..``high``, grouped for windows up to
    ``longest`` days.

    Answers are exact for windows ending on or after ``low + longest - 1`` and for buckets
    starting on or after ``low``: the caller widens ``low`` to cover them.
    """

    low: date
    high: date
    longest: int
    rows: list[tuple]  # (day, gap capped at longest, first in week, first in month, persons)
    sums: dict[date, tuple]  # day: (events, value sum, values counted)

    @classmethod
    def read(cls, product_id: int, source: str, longest: int, low: date, high: date) -> PersonDays:
        params: dict[str, Any] = {
            "product": product_id,
            "source": source,
            "longest": longest,
            "low": low,
            "high": high,
        }
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT day, LEAST(gap, %(longest)s), first_in_week, first_in_month, "
                "SUM(persons) FROM metrics_activityday WHERE product_id = %(product)s "
                "AND source = %(source)s AND day BETWEEN %(low)s AND %(high)s "
                "GROUP BY 1, 2, 3, 4",
                params,
            )
            rows = cursor.fetchall()
            cursor.execute(
                "SELECT day, events, value_sum, value_count FROM metrics_daytotal "
                "WHERE product_id = %(product)s AND source = %(source)s "
                "AND day BETWEEN %(low)s AND %(high)s",
                params,
            )
            sums = {row[0]: row[1:] for row in cursor}
        return cls(low, high, longest, rows, sums)

    def active(self, window: int, days: Iterable[date]) -> dict[date, int]:
        """Distinct persons active in the ``window`` days ending on each of ``days``."""
        change: Counter[date] = Counter()
        for day, gap, _, _, persons in self.rows:
            change[day] += persons
            change[day + timedelta(days=min(gap, window))] -= persons
        out: dict[date, int] = {}
        running, day = 0, self.low
        for target in sorted(days):
            while day <= target:
                running += change[day]
                day += timedelta(days=1)
            out[target] = running
        return out

    def totals(self, interval: str, buckets: set[date]) -> dict[date, tuple]:
        """Per bucket: (events, distinct persons, value sum, values counted)."""
        totals = {bucket: [0, 0, 0.0, 0] for bucket in buckets}
        first_in = {Interval.WEEK.value: 2, Interval.MONTH.value: 3}.get(interval)
        for row in self.rows:
            total = totals.get(bucket_of(row[0], interval))
            if total is not None and (first_in is None or row[first_in]):
                total[1] += row[4]
        for day, (events, value_sum, value_count) in self.sums.items():
            total = totals.get(bucket_of(day, interval))
            if total is not None:
                total[0] += events
                total[2] += value_sum
                total[3] += value_count
        return {bucket: tuple(total) for bucket, total in totals.items()}


# Each cohort member is looked up in the rollups of their return week (an index read of the
# person): the cost follows the cohorts' sizes, not the traffic of the return week.
_RETENTION = """
SELECT c.cohort, COUNT(*),
       COUNT(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM metrics_rollup AS r
           WHERE r.product_id = %(product)s AND r.source = %(source)s
             AND r.person_id = c.person_id
             AND r.day BETWEEN c.cohort + %(offset)s AND c.cohort + %(offset)s + 6))
FROM (
    SELECT date_trunc('week', day)::date AS cohort, person_id
    FROM metrics_firstseen
    WHERE product_id = %(product)s AND day BETWEEN %(low)s AND %(high)s
) AS c
GROUP BY c.cohort
"""


def retention_counts(product_id: int, source: str, weeks: int, low: date, high: date) -> dict:
    """Per weekly cohort first seen in low..high: (persons, persons active ``weeks`` later)."""
    params: dict[str, Any] = {
        "product": product_id,
        "source": source,
        "offset": 7 * weeks,
        "low": low,
        "high": high,
    }
    with connection.cursor() as cursor:
        cursor.execute(_RETENTION, params)
        return {row[0]: (int(row[1]), int(row[2])) for row in cursor}


_NEW_USERS = """
SELECT date_trunc(%(unit)s, day)::date, COUNT(*)
FROM metrics_firstseen
WHERE product_id = %(product)s AND day BETWEEN %(low)s AND %(high)s
GROUP BY 1
"""


def new_user_counts(product_id: int, interval: str, low: date, high: date) -> dict:
    """Persons first seen per bucket of days low..high."""
    params: dict[str, Any] = {
        "product": product_id,
        "unit": _UNIT[interval],
        "low": low,
        "high": high,
    }
    with connection.cursor() as cursor:
        cursor.execute(_NEW_USERS, params)
        return {row[0]: int(row[1]) for row in cursor}


_SPANS = """
SELECT c.person_id,
       (SELECT day FROM metrics_rollup AS r
        WHERE r.product_id = %(product)s AND r.source = 'any' AND r.person_id = c.person_id
        ORDER BY day LIMIT 1),
       (SELECT day FROM metrics_rollup AS r
        WHERE r.product_id = %(product)s AND r.source = 'any' AND r.person_id = c.person_id
        ORDER BY day DESC LIMIT 1)
FROM unnest(%(persons)s::bigint[]) AS c(person_id)
"""
_SPANS_WRITE = """
DELETE FROM metrics_firstseen
WHERE product_id = %(product)s AND person_id = ANY(%(gone)s::bigint[]);
INSERT INTO metrics_firstseen AS f (product_id, person_id, day, last_day)
SELECT %(product)s, s.person_id, s.first, s.last
FROM unnest(%(persons)s::bigint[], %(firsts)s::date[], %(lasts)s::date[])
    AS s(person_id, first, last)
ON CONFLICT (product_id, person_id) DO UPDATE SET day = excluded.day, last_day = excluded.last_day;
"""


@dataclass
class SpanChange:
    changed: set[date]  # days whose set of new users changed
    before: dict[int, date]  # first day of each person asked about, before (if any)
    after: dict[int, date]  # and after


def first_seen_apply(product_id: int, persons: Iterable[int]) -> SpanChange:
    """Bring the first and last days of ``persons`` (whose "any activity" person-days changed)
    up to date from the rollups, two index reads each."""
    wanted = sorted(persons)
    if not wanted:
        return SpanChange(set(), {}, {})
    with connection.cursor() as cursor:
        cursor.execute(_SPANS, {"product": product_id, "persons": array(wanted)})
        now = {person: (first, last) for person, first, last in cursor if first is not None}
        cursor.execute(
            "SELECT person_id, day, last_day FROM metrics_firstseen "
            "WHERE product_id = %s AND person_id = ANY(%s::bigint[])",
            [product_id, array(wanted)],
        )
        old = {person: (first, last) for person, first, last in cursor}
        gone = [person for person in old if person not in now]
        moved = {p: span for p, span in now.items() if old.get(p) != span}
        cursor.execute(
            _SPANS_WRITE,
            {
                "product": product_id,
                "gone": array(gone),
                "persons": array(moved),
                "firsts": array(first for first, _ in moved.values()),
                "lasts": array(last for _, last in moved.values()),
            },
        )
    changed = {old[person][0] for person in gone}
    for person, (first, _) in moved.items():
        if person not in old or old[person][0] != first:
            changed.add(first)
            if person in old:
                changed.add(old[person][0])
    return SpanChange(
        changed,
        {person: span[0] for person, span in old.items()},
        {person: span[0] for person, span in now.items()},
    )


# How many "any activity" days each (person, ISO week) has now.
_WEEK_DAYS = """
SELECT c.person_id, c.week,
       (SELECT COUNT(*) FROM metrics_rollup AS r
        WHERE r.product_id = %(product)s AND r.source = 'any' AND r.person_id = c.person_id
          AND r.day BETWEEN c.week AND c.week + 6)
FROM unnest(%(persons)s::bigint[], %(weeks)s::date[]) AS c(person_id, week)
"""
_COHORTS_APPLY = """
INSERT INTO metrics_cohortweek AS c (product_id, cohort, week, persons)
SELECT %(product)s, d.cohort, d.week, d.persons
FROM unnest(%(cohorts)s::date[], %(weeks)s::date[], %(counts)s::int[])
    AS d(cohort, week, persons)
ON CONFLICT (product_id, cohort, week) DO UPDATE SET persons = c.persons + excluded.persons;
DELETE FROM metrics_cohortweek WHERE product_id = %(product)s AND persons = 0;
"""


def _week(day: date) -> date:
    return bucket_of(day, Interval.WEEK)


def cohorts_apply(
    product_id: int,
    gained: dict[int, set[date]],
    lost: dict[int, set[date]],
    spans: SpanChange,
) -> None:
    """Apply to the cohort table the "any activity" person-days ``gained`` and ``lost`` (by
    person; the rollups and first-seen days are already changed).

    A person who stays in their cohort moves in or out of the weeks of their changed days (one
    index read per week); one whose cohort changed (first seen, first day moved, merged away)
    moves all their weeks, read once.
    """
    persons = gained.keys() | lost.keys()
    movers: list[int] = []
    stayers: list[int] = []
    for person in persons:
        before, after = spans.before.get(person), spans.after.get(person)
        same = before and after and _week(before) == _week(after)
        (stayers if same else movers).append(person)
    delta: Counter[tuple[date, date]] = Counter()
    with connection.cursor() as cursor:
        if movers:
            days: dict[int, set[date]] = {person: set() for person in movers}
            cursor.execute(
                "SELECT person_id, day FROM metrics_rollup "
                "WHERE product_id = %s AND source = 'any' AND person_id = ANY(%s::bigint[])",
                [product_id, array(movers)],
            )
            for person, day in cursor:
                days[person].add(day)
            for person in movers:
                now = days[person]
                was = now - gained.get(person, set()) | lost.get(person, set())
                if person in spans.before:
                    delta.subtract((_week(spans.before[person]), w) for w in {*map(_week, was)})
                if person in spans.after:
                    delta.update((_week(spans.after[person]), w) for w in {*map(_week, now)})
        cells = sorted(
            {(person, _week(day)) for person in stayers for day in gained.get(person, set())}
            | {(person, _week(day)) for person in stayers for day in lost.get(person, set())}
        )
        if cells:
            cursor.execute(
                _WEEK_DAYS,
                {
                    "product": product_id,
                    "persons": array(person for person, _ in cells),
                    "weeks": array(week for _, week in cells),
                },
            )
            for person, week, now in cursor:
                in_week = gained.get(person, set()), lost.get(person, set())
                was = (
                    now
                    - sum(1 for d in in_week[0] if _week(d) == week)
                    + sum(1 for d in in_week[1] if _week(d) == week)
                )
                delta[(_week(spans.after[person]), week)] += (now > 0) - (was > 0)
        changes = [(cell, count) for cell, count in delta.items() if count]
        if changes:
            cursor.execute(
                _COHORTS_APPLY,
                {
                    "product": product_id,
                    "cohorts": [cell[0] for cell, _ in changes],
                    "weeks": [cell[1] for cell, _ in changes],
                    "counts": [count for _, count in changes],
                },
            )


def analyze() -> None:
    """Refresh the planner's statistics of the tables a full recompute rewrote.

    An incremental recompute reads rollups by person and day through their indexes; right after a
    bulk rewrite, before autovacuum has looked, the planner would guess and may scan instead.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "ANALYZE metrics_rollup, metrics_activityday, metrics_firstseen, metrics_cohortweek"
        )


def tune_session() -> None:
    """Give this transaction the memory to aggregate a product's rollups without spilling.

    The defaults (4 MB of work_mem) send a million-row GROUP BY to disk, and JIT compilation costs
    more than it saves on queries this size. ``SET LOCAL`` ends with the transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
