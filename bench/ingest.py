"""Event ingestion throughput: pmhub's HTTP path against PostgreSQL's own ceiling.

In one run, on a fresh database whose events table already holds PREFILL events:
- HTTP: ``POST /v1/batch`` with 500-event batches to gunicorn (production settings, 3 sync
  workers as the Dockerfile runs it) from CLIENTS keep-alive clients; every answer is a 200
  after the commit, duplicates are skipped by the unique key. Reports events/s and per-batch
  latency (p50, p99).
- COPY ceiling: the same rows copied into a bare table with the same unique key, one 500-row
  transaction each (no parsing, no identities, no HTTP).
- ORM: ``Event.objects.create()`` per event and ``bulk_create`` per 500.
Run with ``python -m bench.ingest`` (or ``make bench``).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from bench.harness import bench_database

ROOT = Path(__file__).resolve().parents[1]
BATCH = 500
HTTP_BATCHES = int(os.environ.get("BENCH_INGEST_BATCHES", "600"))
CLIENTS = 4
PREFILL = int(os.environ.get("BENCH_INGEST_PREFILL", "3000000"))
PERSONS = 20_000
EVENTS = ["Page Viewed", "Feature Used", "Signed Up", "Order Completed", "Survey Answered"]


def _messages(batch_no: int, start: datetime) -> list[dict]:
    rows = []
    for i in range(BATCH):
        n = batch_no * BATCH + i
        user = f"user-{(n * 7919) % PERSONS}"
        rows.append(
            {
                "type": "track",
                "event": EVENTS[n % len(EVENTS)],
                "userId": user,
                "messageId": str(uuid.UUID(int=n + 1)),
                "timestamp": (start + timedelta(seconds=n)).isoformat(),
                "properties": {
                    "path": f"/app/page/{n % 50}",
                    "plan": "team",
                    "revenue": n % 90,
                    "load_ms": 120 + n % 400,
                },
                "context": {
                    "library": {"name": "analytics-python", "version": "2.3.0"},
                    "ip": "203.0.113.9",
                    "locale": "en-GB",
                },
            }
        )
    return rows


def _prefill(product_id: int) -> None:
    """PREFILL old events of another product, written by SQL (fast), with their index entries."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO metrics_event (product_id, message_id, type, name, person_id, user_id,
                anonymous_id, timestamp, received_at, properties, traits, context)
            SELECT %s, 'old-' || g, 'track', 'Page Viewed', 1 + g %% 50000,
                'old-user-' || g %% 50000,
                '', now() - (g || ' seconds')::interval, now(),
                jsonb_build_object('path', '/old/' || g %% 100), '{}'::jsonb,
                '{"library": {"name": "analytics-python"}}'::jsonb
            FROM generate_series(1, %s) AS g
            """,
            [product_id, PREFILL],
        )
        # A settled history, as in production: vacuumed and checkpointed, so that neither
        # autovacuum's pass over the new rows nor the checkpoint of their pages runs during the
        # measurement (either one made single runs' p99 latencies swing from 75 to 270 ms).
        cursor.execute("VACUUM (ANALYZE) metrics_event")
        cursor.execute("CHECKPOINT")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _gunicorn(
    database_name: str, port: int, *, workers: int = 2, threads: int = 4
) -> subprocess.Popen:
    """gunicorn on ``port`` with production settings: ``workers`` processes of ``threads``
    threads each (one thread: gunicorn's sync worker)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pmhub.settings.production",
        "DATABASE_URL": urlunsplit(parts._replace(path="/" + database_name)),
        "SECRET_KEY": "bench-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "INGEST_RATE_LIMIT_PER_SECOND": "0",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "pmhub.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread" if threads > 1 else "sync",
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )


def _wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _http(url: str, key: str, bodies: list[bytes]) -> tuple[float, list[float]]:
    """Send every body with CLIENTS keep-alive sessions; return (seconds, latencies ms)."""
    latencies: list[float] = []
    lock = threading.Lock()
    queue = list(enumerate(bodies))

    def client() -> None:
        session = requests.Session()
        session.auth = (key, "")
        session.headers["Content-Type"] = "application/json"
        while True:
            with lock:
                if not queue:
                    return
                _, body = queue.pop()
            started = time.perf_counter()
            response = session.post(url + "/v1/batch", data=body, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code} {response.text[:200]}")
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies


def _copy_ceiling(batches: list[list[dict]], received_at: datetime) -> float:
    """Seconds to COPY the same rows into a bare table, one 500-row transaction each."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE TABLE bench_copy (LIKE metrics_event INCLUDING DEFAULTS INCLUDING IDENTITY)"
        )
        cursor.execute("ALTER TABLE bench_copy ADD UNIQUE (product_id, message_id)")
    raw = connection.connection  # the psycopg 3 connection
    columns = (
        "product_id, message_id, type, name, person_id, user_id, anonymous_id, "
        "timestamp, received_at, properties, traits, context"
    )
    started = time.perf_counter()
    for batch in batches:
        with (
            raw.transaction(),
            raw.cursor() as cursor,
            cursor.copy(f"COPY bench_copy ({columns}) FROM STDIN") as copy,
        ):
            for m in batch:
                copy.write_row(
                    (
                        1,
                        m["messageId"],
                        "track",
                        m["event"],
                        1,
                        m["userId"],
                        "",
                        m["timestamp"],
                        received_at,
                        json.dumps(m["properties"]),
                        "{}",
                        json.dumps(m["context"]),
                    )
                )
    return time.perf_counter() - started


def _orm(product, batches: list[list[dict]], received_at: datetime) -> tuple[float, float, int]:
    """Events/s of ``create()`` per event (on the first 2,000) and of ``bulk_create`` per 500."""
    from django.db import transaction

    from metrics.models import Event

    def row(m: dict, prefix: str) -> Event:
        return Event(
            product=product,
            message_id=prefix + m["messageId"],
            type="track",
            name=m["event"],
            person_id=1,
            user_id=m["userId"],
            timestamp=m["timestamp"],
            received_at=received_at,
            properties=m["properties"],
            context=m["context"],
        )

    sample = [m for batch in batches for m in batch][:2000]
    started = time.perf_counter()
    for m in sample:
        with transaction.atomic():
            row(m, "orm-").save()
    create_rate = len(sample) / (time.perf_counter() - started)
    count = 0
    started = time.perf_counter()
    for batch in batches[:40]:
        with transaction.atomic():
            Event.objects.bulk_create([row(m, "bulk-") for m in batch], ignore_conflicts=True)
        count += len(batch)
    bulk_rate = count / (time.perf_counter() - started)
    return create_rate, bulk_rate, len(sample)


def main() -> None:
    print(
        f"bench/ingest.py — {HTTP_BATCHES} batches of {BATCH} events, {CLIENTS} clients, "
        f"events table prefilled with {PREFILL:,} rows"
    )
    from django.db import connection

    from metrics.services.write_keys import write_key_create
    from pmhub import services
    from tests.factories import make_user

    with bench_database():
        owner = make_user("bench-owner")
        workspace = services.workspace_create(name="Bench", owner=owner)
        other = services.product_create(workspace=workspace, actor=owner, name="History")
        product = services.product_create(workspace=workspace, actor=owner, name="Live")
        _, key = write_key_create(product=product, actor=owner, name="bench")
        started = time.perf_counter()
        _prefill(other.pk)
        print(f"  prefill: {PREFILL:,} events in {time.perf_counter() - started:.1f} s")
        start = datetime(2026, 11, 1, tzinfo=UTC)
        batches = [_messages(b, start) for b in range(HTTP_BATCHES)]
        bodies = [json.dumps({"batch": b, "sentAt": start.isoformat()}).encode() for b in batches]
        port = _free_port()
        connection.close()  # gunicorn's workers open their own
        # As the Dockerfile and docker-compose.yml run it: 3 sync workers.
        server = _gunicorn(connection.settings_dict["NAME"], port, workers=3, threads=1)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url)
            _http(url, key, bodies[:4])  # warm-up: imports, connections, first persons
            seconds, latencies = _http(url, key, bodies[4:])
            # The same batches again: every event is a duplicate, all skipped.
            dup_seconds, _ = _http(url, key, bodies[4:24])
        finally:
            server.terminate()
            server.wait(timeout=30)
        sent = BATCH * (HTTP_BATCHES - 4)
        http_rate = sent / seconds
        from metrics.models import Event

        stored = Event.objects.filter(product=product).count()
        assert stored == BATCH * HTTP_BATCHES, f"stored {stored}"
        copy_rate = sent / _copy_ceiling(batches[4:], start)
        create_rate, bulk_rate, _ = _orm(product, batches[4:], start)
        cuts = statistics.quantiles(latencies, n=100)
        print(
            f"  HTTP /v1/batch        {http_rate:9,.0f} events/s   batch p50 {cuts[49]:5.1f} ms"
            f"   p99 {cuts[98]:5.1f} ms   ({stored:,} stored, each once)"
        )
        print(f"  HTTP duplicates only  {BATCH * 20 / dup_seconds:9,.0f} events/s   (none stored)")
        print(f"  COPY ceiling          {copy_rate:9,.0f} events/s   (bare table, same unique key)")
        print(f"  ORM bulk_create       {bulk_rate:9,.0f} events/s")
        print(f"  ORM create()          {create_rate:9,.0f} events/s")
        print(
            f"  HTTP / COPY = {http_rate / copy_rate:.0%}    HTTP / create() = "
            f"{http_rate / create_rate:.1f}x"
        )


if __name__ == "__main__":
    main()
