"""Metric recompute: full against DuckDB on the same data, and incremental against history size.

Data (written straight into the tables by SQL, not through HTTP): EVENTS events of PERSONS
persons over DAYS days (activity skewed towards heavy users), 4 % of them "Order Completed" with a
revenue, 8 % "Product Viewed" and 4 % "Added to Cart". Measured in one run:
- full recompute of the standard KPI set (DAU/WAU/MAU, new users, stickiness, weekly retention,
  revenue, users, ARPU) and a 3-step funnel (Product Viewed → Added to Cart → Order Completed
  within 24 hours) by ``metrics_recompute_all``;
- DuckDB computing DAU/WAU/MAU, new users, weekly retention, revenue, ARPU and the daily funnel
  on the same events (exported to CSV), as the reference of what a columnar engine does on this
  machine;
- incremental: 100,000 new events on the last day (the same events, from 20,000 persons, on both
  histories), then ``metrics_recompute_dirty``, on this history and on one a tenth of its size.
Run with ``python -m bench.recompute`` (BENCH_EVENTS to change the size).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.harness import bench_database

EVENTS = int(os.environ.get("BENCH_EVENTS", "1000000"))
PERSONS = max(1000, EVENTS // 50)
DAYS = 90
NEW_EVENTS = 100_000
NEW_PERSONS = 20_000

_FILL = """
INSERT INTO metrics_event (product_id, message_id, type, name, person_id, user_id, anonymous_id,
    timestamp, received_at, properties, traits, context)
SELECT %(product)s, %(prefix)s || g, 'track',
       CASE WHEN g %% 25 = 0 THEN 'Order Completed' WHEN g %% 25 IN (1, 2) THEN 'Product Viewed'
            WHEN g %% 25 = 3 THEN 'Added to Cart' ELSE 'Feature Used' END,
       %(first_person)s + p, 'u' || p, '',
       %(start)s::timestamptz + make_interval(secs => %(offset)s
            + ((g * 7919) %% (%(days)s * 86400))),
       now(),
       CASE WHEN g %% 25 = 0 THEN jsonb_build_object('revenue', 10 + g %% 90) ELSE '{}' END,
       '{}'::jsonb, '{}'::jsonb
FROM generate_series(1::bigint, %(count)s) AS g,
     LATERAL (SELECT floor(%(persons)s * power(((g * 104729) %% 1000003) / 1000003.0, 2))::int
              AS p) AS who
"""


def _fill(
    product,
    count: int,
    persons: int,
    first_person: int,
    prefix: str,
    *,
    days: int,
    offset_seconds: int = 0,
) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            _FILL,
            {
                "product": product.pk,
                "prefix": prefix,
                "first_person": first_person,
                "start": "2026-08-01T00:00:00Z",
                "offset": offset_seconds,
                "days": days,
                "count": count,
                "persons": persons,
            },
        )
        # What ingestion writes with the events: their ids in 500-event batches, and their days.
        cursor.execute(
            "INSERT INTO metrics_pendingevents (product_id, event_ids, created_at) "
            "SELECT %s, jsonb_agg(id), now() FROM ("
            "  SELECT id, (row_number() OVER (ORDER BY id) - 1) / 500 AS batch FROM metrics_event"
            "  WHERE product_id = %s AND message_id LIKE %s) AS stored GROUP BY batch",
            [product.pk, product.pk, prefix + "%"],
        )
        cursor.execute(
            "INSERT INTO metrics_dirtyday (product_id, day, marked_at, rebuild) "
            "SELECT DISTINCT %s, (timestamp AT TIME ZONE 'UTC')::date, now(), false "
            "FROM metrics_event WHERE product_id = %s AND message_id LIKE %s "
            "ON CONFLICT DO NOTHING",
            [product.pk, product.pk, prefix + "%"],
        )
        cursor.execute("ANALYZE metrics_event")


# The funnel's daily counts by DuckDB, checked against pmhub's points after each run.
DUCK_FUNNEL: dict[object, list[int]] = {}


def _duckdb(product) -> float:
    """Seconds DuckDB takes for the standard metrics over the product's events (from CSV); keeps
    its daily funnel counts in DUCK_FUNNEL."""
    import duckdb
    from django.db import connection

    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "events.csv"
        raw = connection.connection  # psycopg 3: COPY TO is not reachable through Django
        with (
            raw.cursor() as cursor,
            csv.open("wb") as out,
            cursor.copy(
                "COPY (SELECT person_id, (timestamp AT TIME ZONE 'UTC')::date AS day, name, "
                "timestamp AT TIME ZONE 'UTC' AS ts, "
                "(properties->>'revenue')::float8 AS revenue FROM metrics_event "
                f"WHERE product_id = {int(product.pk)}) TO STDOUT WITH CSV HEADER"
            ) as copy,
        ):
            for data in copy:
                out.write(data)
        db = duckdb.connect()
        db.execute(f"CREATE TABLE e AS SELECT * FROM read_csv_auto('{csv}')")
        started = time.perf_counter()
        db.execute("""
            CREATE TABLE pd AS SELECT day, person_id, sum(revenue) AS revenue
            FROM e GROUP BY day, person_id;
            CREATE TABLE days AS SELECT DISTINCT day FROM pd;
            CREATE TABLE active AS
              SELECT d.day,
                count(DISTINCT CASE WHEN pd.day = d.day THEN pd.person_id END) AS dau,
                count(DISTINCT CASE WHEN pd.day > d.day - 7 THEN pd.person_id END) AS wau,
                count(DISTINCT pd.person_id) AS mau
              FROM days d JOIN pd ON pd.day BETWEEN d.day - 29 AND d.day GROUP BY d.day;
            CREATE TABLE first AS SELECT person_id, min(day) AS day FROM pd GROUP BY person_id;
            CREATE TABLE newu AS SELECT day, count(*) AS n FROM first GROUP BY day;
            CREATE TABLE ret AS
              SELECT date_trunc('week', f.day) AS cohort,
                     count(DISTINCT f.person_id) AS size,
                     count(DISTINCT pd.person_id) AS back
              FROM first f LEFT JOIN pd ON pd.person_id = f.person_id
                AND date_trunc('week', pd.day) = date_trunc('week', f.day) + INTERVAL 7 DAY
              GROUP BY 1;
            CREATE TABLE rev AS
              SELECT day, sum(revenue) AS revenue, count(DISTINCT person_id) AS users,
                     sum(revenue) / count(DISTINCT person_id) AS arpu
              FROM pd GROUP BY day;
            -- The funnel: each person's first "Product Viewed" of a day, the first "Added to
            -- Cart" strictly after it, then the first "Order Completed" strictly after that,
            -- both within 24 hours of the first step.
            CREATE TABLE s1 AS SELECT person_id, day, min(ts) AS t1 FROM e
              WHERE name = 'Product Viewed' GROUP BY person_id, day;
            CREATE TABLE s2 AS SELECT person_id, ts FROM e WHERE name = 'Added to Cart';
            CREATE TABLE s3 AS SELECT person_id, ts FROM e WHERE name = 'Order Completed';
            CREATE TABLE f2 AS SELECT s1.*, s2.ts AS t2 FROM s1 ASOF LEFT JOIN s2
              ON s1.person_id = s2.person_id AND s2.ts > s1.t1;
            CREATE TABLE f3 AS SELECT f2.*, s3.ts AS t3 FROM f2 ASOF LEFT JOIN s3
              ON f2.person_id = s3.person_id AND s3.ts > f2.t2;
            CREATE TABLE funnel AS
              SELECT day, count(*) AS entered,
                     count(*) FILTER (WHERE t2 <= t1 + INTERVAL 24 HOUR) AS carted,
                     count(*) FILTER (WHERE t3 <= t1 + INTERVAL 24 HOUR) AS ordered
              FROM f3 GROUP BY day;
        """)
        seconds = time.perf_counter() - started
        DUCK_FUNNEL.clear()
        for day, *counts in db.execute("SELECT * FROM funnel").fetchall():
            DUCK_FUNNEL[day] = counts
        return seconds


def _funnel_agrees(product) -> str:
    """Whether pmhub's daily funnel points count the persons that DuckDB counts, day by day."""
    from metrics.models import MetricPoint

    ours = {
        bucket: detail["persons"]
        for bucket, detail in MetricPoint.objects.filter(
            metric__product=product, metric__key="checkout_funnel", interval="day"
        ).values_list("bucket", "detail")
        if detail and detail["persons"][0]
    }
    differ = sorted(
        day for day in ours.keys() | DUCK_FUNNEL.keys() if ours.get(day) != DUCK_FUNNEL.get(day)
    )
    return f"{len(ours)} days, {len(differ)} differ" + (f" (first: {differ[0]})" if differ else "")


def _funnel_metric(product, owner) -> None:
    from metrics.models import MetricKind
    from metrics.services.metric_definitions import metric_create

    metric_create(
        product=product,
        actor=owner,
        key="checkout_funnel",
        name="Checkout funnel",
        kind=MetricKind.FUNNEL,
        steps=["Product Viewed", "Added to Cart", "Order Completed"],
        conversion_window_hours=24,
    )


def _timed(label: str, fn) -> float:
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    print(f"  {label:<58} {seconds:8.2f} s")
    return seconds


def _history(size: int) -> dict[str, float]:
    from metrics.services.recompute import metrics_recompute_all, metrics_recompute_dirty
    from pmhub import services
    from tests.factories import make_user

    owner = make_user(f"bench-{size}")
    workspace = services.workspace_create(name=f"Bench {size}", owner=owner)
    product = services.product_create(workspace=workspace, actor=owner, name="Events")
    _funnel_metric(product, owner)
    persons = max(1000, size // 50)
    print(f" history of {size:,} events, {persons:,} persons, {DAYS} days:")
    _timed(
        "load (SQL)",
        lambda: _fill(product, size, persons, 10_000_000 * (1 + size % 7), "h", days=DAYS),
    )
    full = _timed(
        "full recompute (metrics_recompute_all)", lambda: metrics_recompute_all(product=product)
    )
    duck = _timed("DuckDB, the same metrics from Parquet-like CSV", lambda: _duckdb(product))
    print(f"  funnel persons per step, pmhub against DuckDB: {_funnel_agrees(product)}")
    # The same new events on both histories (persons drawn from the first NEW_PERSONS, who exist
    # in both), so the two incremental runs differ only by the history behind them.
    _fill(
        product,
        NEW_EVENTS,
        NEW_PERSONS,
        10_000_000 * (1 + size % 7),
        "new",
        days=1,
        offset_seconds=(DAYS - 1) * 86400,
    )
    incremental = _timed(
        f"incremental after {NEW_EVENTS:,} new events on the last day",
        lambda: metrics_recompute_dirty(product=product),
    )
    return {"full": full, "duck": duck, "incremental": incremental}


def main() -> None:
    print(f"bench/recompute.py — standard KPI set, {DAYS} days")
    with bench_database():
        small = _history(EVENTS // 10)
        large = _history(EVENTS)
    print(f" full recompute vs DuckDB ({EVENTS:,} events): {large['full'] / large['duck']:.1f}x")
    print(
        f" incremental, {EVENTS:,} vs {EVENTS // 10:,} history: "
        f"{large['incremental'] / small['incremental']:.2f}x"
    )


if __name__ == "__main__":
    main()
