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
from metrics.models import Interval

_UNIT: dict[str, str] = {Interval.DAY: "day", Interval.WEEK: "week", Interval.MONTH: "month"}

# One sort of a selection's rollups by person and day answers the activity questions of a run.
# A person active on ``day`` counts in every window ending on day .. day + window - 1, up to
# (not including) their next active day, which starts a new stretch: one person's stretches never
# overlap, so the running sum of stretch starts (+1) and ends (-1) is the number of distinct persons
# active in the window ending each day. Likewise a person counts once in a week's or month's
# unique users: on their first active day in it. The rows are grouped to at most
# days × (longest window + 1) × 4, whatever the number of persons.
_PERSON_DAYS = """
WITH days AS (
    SELECT day, events, value_sum, value_count,
           LAG(day) OVER per_person AS previous,
           LEAD(day) OVER per_person - day AS gap
    FROM metrics_rollup
    WHERE product_id = %(product)s AND source = %(source)s AND day BETWEEN %(low)s AND %(high)s
    WINDOW per_person AS (PARTITION BY person_id ORDER BY day)
)
SELECT day,
       LEAST(COALESCE(gap, %(longest)s), %(longest)s),
       previous IS NULL OR date_trunc('week', previous) <> date_trunc('week', day),
       previous IS NULL OR date_trunc('month', previous) <> date_trunc('month', day),
       COUNT(*), SUM(events), COALESCE(SUM(value_sum), 0), SUM(value_count)
FROM days
GROUP BY 1, 2, 3, 4
"""


@dataclass
class PersonDays:
    """The grouped person-day rows of one selection over days ``low``..``high``.

    Answers are exact for windows up to ``longest`` days ending on or after ``low + longest - 1``
    and for buckets starting on or after ``low``: the caller widens ``low`` to cover them.
    """

    low: date
    high: date
    longest: int
    rows: list[tuple]

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
            cursor.execute(_PERSON_DAYS, params)
            return cls(low, high, longest, cursor.fetchall())

    def active(self, window: int, days: Iterable[date]) -> dict[date, int]:
        """Distinct persons active in the ``window`` days ending on each of ``days``."""
        change: Counter[date] = Counter()
        for day, gap, _, _, persons, *_ in self.rows:
            change[day] += persons
            change[day + timedelta(days=min(gap, window))] -= persons
        wanted = sorted(days)
        out: dict[date, int] = {}
        running, day = 0, self.low
        for target in wanted:
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
            if total is None:
                continue
            total[0] += row[5]
            total[1] += row[4] if first_in is None or row[first_in] else 0
            total[2] += row[6]
            total[3] += row[7]
        return {bucket: tuple(total) for bucket, total in totals.items()}


_RETENTION = """
WITH cohorts AS (
    SELECT date_trunc('week', day)::date AS cohort, person_id
    FROM metrics_firstseen
    WHERE product_id = %(product)s AND day BETWEEN %(low)s AND %(high)s
), back AS (
    SELECT DISTINCT date_trunc('week', day)::date - %(offset)s AS cohort, person_id
    FROM metrics_rollup
    WHERE product_id = %(product)s AND source = %(source)s
      AND day BETWEEN %(low)s + %(offset)s AND %(high)s + %(offset)s
)
SELECT c.cohort, COUNT(*), COUNT(r.person_id)
FROM cohorts AS c LEFT JOIN back AS r USING (cohort, person_id)
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


def first_seen_rebuild(product_id: int) -> None:
    """Write every person's first and last days from the "any activity" rollups (a full
    recompute)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO metrics_firstseen (product_id, person_id, day, last_day) "
            "SELECT %s, person_id, MIN(day), MAX(day) FROM metrics_rollup "
            "WHERE product_id = %s AND source = 'any' GROUP BY person_id",
            [product_id, product_id],
        )


def tune_session() -> None:
    """Give this transaction the memory to aggregate a product's rollups without spilling.

    The defaults (4 MB of work_mem) send a million-row GROUP BY to disk, and JIT compilation costs
    more than it saves on queries this size. ``SET LOCAL`` ends with the transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL jit = off")
