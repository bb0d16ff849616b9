"""Ingestion under faults, through the HTTP layer of a live server.

A batch whose answer was lost and that is sent again (or twice at once) is stored once; with Redis
unreachable ingestion still answers 200 and stores; a blocked database answers 503 with ``code``,
``message`` and ``Retry-After`` and stores nothing of the batch; with PostgreSQL stopped (an
instance of the test's own) ingestion answers 503 and the SDK's retries deliver everything once it
is back. Also regressions for PostHog person properties found with posthog-python.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import redis
import requests
import segment.analytics.consumer

from metrics.models import Event, Identity, Person
from tests.factories import run_manage
from tests.metrics.test_sdk_clients import (
    DELIVERY_TIMEOUT,
    LiveSource,
    TableLock,
    bounded,
    canonical,
    make_segment,
    sdk_errors,
    segment_track,
    serve_live_source,
    stored_once,
    watch,
)

NOW = datetime.now(UTC).isoformat()


@pytest.fixture
def live_source(live_server, transactional_db, settings) -> Iterator[LiveSource]:
    yield from serve_live_source(live_server, settings)


def post_batch(source: LiveSource, body: dict, *, timeout: float = 30) -> requests.Response:
    return requests.post(
        f"{source.url}/v1/batch",
        data=json.dumps(body),
        auth=(source.key, ""),
        # No keep-alive: an idle connection would hold a server thread and its database session.
        headers={"Content-Type": "application/json", "Connection": "close"},
        timeout=timeout,
    )


def signup_batch(tag: str) -> dict:
    """A visitor who browses anonymously, signs up (identify links the ids), then buys."""
    anon, user = f"anon-{tag}", f"user-{tag}"
    return {
        "batch": [
            {"type": "page", "name": "Home", "anonymousId": anon, "messageId": f"{tag}-1"},
            {
                "type": "track",
                "event": "Signed Up",
                "anonymousId": anon,
                "messageId": f"{tag}-2",
                "properties": {"plan": "free"},
            },
            {
                "type": "identify",
                "userId": user,
                "anonymousId": anon,
                "messageId": f"{tag}-3",
                "traits": {"email": f"{user}@example.com"},
            },
            {
                "type": "track",
                "event": "Order Completed",
                "userId": user,
                "messageId": f"{tag}-4",
                "properties": {"revenue": 12.5},
                "timestamp": NOW,
            },
        ],
        "sentAt": NOW,
    }


def ids_of(body: dict) -> list[str]:
    return [message["messageId"] for message in body["batch"]]


def wait_for(condition, what: str, timeout: float = DELIVERY_TIMEOUT) -> None:
    """Poll ``condition`` until it holds; a bounded wait, not a timing assertion."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout} s"
        time.sleep(0.05)


def test_the_same_batch_sent_twice_at_once_is_stored_once(live_source):
    """An SDK whose first answer was lost retries while the first request is still running."""
    sent: list[str] = []
    for round_ in range(5):
        body = signup_batch(f"r{round_}")
        sent += ids_of(body)
        barrier = threading.Barrier(2, timeout=10)
        answers: list[requests.Response | Exception] = []

        def send(body=body, barrier=barrier, answers=answers) -> None:
            barrier.wait()
            try:
                answers.append(post_batch(live_source, body))
            except Exception as exc:
                answers.append(exc)

        threads = [threading.Thread(target=send, daemon=True) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(DELIVERY_TIMEOUT)
        assert not any(thread.is_alive() for thread in threads)
        assert [getattr(a, "status_code", a) for a in answers] == [200, 200], [
            getattr(a, "text", a) for a in answers
        ]
        assert all(a.json() == {"success": True} for a in answers)

    events = stored_once(live_source.product, sent)
    for round_ in range(5):
        persons = {canonical(events[f"r{round_}-{n}"].person_id) for n in range(1, 5)}
        assert len(persons) == 1, f"round {round_}: {persons}"
        person = Person.objects.get(pk=persons.pop())
        assert person.traits == {"email": f"user-r{round_}@example.com"}


def test_a_batch_whose_answer_was_lost_is_stored_once_when_sent_again(live_source):
    body = signup_batch("lost")
    lock = TableLock()  # the write waits for the lock (up to lock_timeout, 3 s) …
    try:
        with pytest.raises(requests.ReadTimeout):
            post_batch(live_source, body, timeout=1)  # … while the client gives up on the answer
    finally:
        lock.release()  # the server's write goes on and commits, unseen by the client
    product = live_source.product
    wait_for(lambda: Event.objects.filter(product=product).count() == 4, "the first write")

    again = post_batch(live_source, body)
    assert again.status_code == 200 and again.json() == {"success": True}
    stored_once(product, ids_of(body))


def test_a_blocked_database_answers_503_with_retry_after_and_stores_nothing(live_source):
    body = signup_batch("blocked")
    lock = TableLock()
    try:
        answer = post_batch(live_source, body)
    finally:
        lock.release()

    assert answer.status_code == 503
    assert answer.json()["code"] == "unavailable"
    assert answer.json()["message"]
    assert int(answer.headers["Retry-After"]) >= 1
    product = live_source.product
    assert not Event.objects.filter(product=product).exists()
    assert not Identity.objects.filter(product=product).exists()  # the transaction rolled back

    retried = post_batch(live_source, body)
    assert retried.status_code == 200
    stored_once(product, ids_of(body))


def test_with_redis_unreachable_ingestion_answers_200_and_stores(live_source, settings):
    # The cache (the rate limit's counters) on a closed port; the limit would otherwise bite.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.INGEST_RATE_LIMIT_PER_SECOND = 1
    from django.core.cache import cache

    with pytest.raises(redis.exceptions.ConnectionError):
        cache.get("probe")  # the override reaches the cache: it is really unreachable

    bodies = [signup_batch(f"noredis{n}") for n in range(4)]
    answers = [post_batch(live_source, body) for body in bodies]

    assert [a.status_code for a in answers] == [200] * 4  # fails open: no 429, no 500
    stored_once(live_source.product, [i for body in bodies for i in ids_of(body)])


# --- PostHog person properties (regressions found with posthog-python) ----------------------------


def test_posthog_set_event_keeps_top_level_person_properties(source):
    """posthog-python's set() sends ``{"event": "$set", "$set": {...}}`` (not in properties)."""
    body = {
        "api_key": source.key,
        "batch": [
            {
                "event": "$set",
                "distinct_id": "carol",
                "uuid": str(uuid.uuid4()),
                "$set": {"company": "Acme"},
                "properties": {"$lib": "posthog-python"},
            },
            {
                "event": "$set_once",
                "distinct_id": "carol",
                "uuid": str(uuid.uuid4()),
                "$set_once": {"first_seen": "2026-11-01"},
            },
        ],
    }
    response = source.post("/batch/", body, key="")
    assert response.status_code == 200, response.content
    assert set(Event.objects.values_list("type", flat=True)) == {"identify"}
    person = Person.objects.get(pk=Identity.objects.get(value="carol").person_id)
    assert person.traits == {"company": "Acme", "first_seen": "2026-11-01"}


@pytest.mark.parametrize("where", ["top", "properties"])
def test_posthog_person_properties_that_are_not_an_object_refuse_only_that_event(source, where):
    bad = {"event": "$identify", "distinct_id": "dave", "uuid": str(uuid.uuid4())}
    if where == "top":
        bad["$set"] = "not an object"
    else:
        bad["properties"] = {"$set": ["not", "an", "object"]}
    good = {"event": "Paid", "distinct_id": "dave", "uuid": str(uuid.uuid4())}
    response = source.post("/batch/", {"api_key": source.key, "batch": [bad, good]}, key="")
    assert response.status_code == 200, response.content
    assert response.json()["rejected"][0]["code"] == "invalid_field"
    assert list(Event.objects.values_list("message_id", flat=True)) == [good["uuid"]]


# --- PostgreSQL stopped and restarted under an SDK (acceptance 3) ---------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def as_postgres(*command: str) -> subprocess.CompletedProcess:
    """Run a PostgreSQL binary as the postgres user (the tests run as root)."""
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@dataclass
class OwnPostgres:
    """A PostgreSQL instance of this test alone, that it may stop and start."""

    home: Path
    port: int

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/pmhub"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1"
        done = as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.home / "pg.log"),
            "-o", options, "-w", "-t", "30", "start",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr

    def stop(self, mode: str = "fast") -> subprocess.CompletedProcess:
        return as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def query(self, sql: str) -> list[tuple]:
        with psycopg.connect(self.url, connect_timeout=5) as conn:
            return conn.execute(sql).fetchall()


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    if not (PG_BIN / "initdb").exists() or shutil.which("runuser") is None:
        pytest.fail(f"PostgreSQL binaries expected in {PG_BIN}, and runuser")
    home = Path(tempfile.mkdtemp(prefix="pmhub-pg-"))
    shutil.chown(home, "postgres", "postgres")
    instance = OwnPostgres(home=home, port=free_port())
    try:
        done = as_postgres(
            str(PG_BIN / "initdb"), "-D", str(instance.data), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        instance.start()
        with psycopg.connect(
            f"postgres://postgres@127.0.0.1:{instance.port}/postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE pmhub")
        yield instance
    finally:
        instance.stop("immediate")
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def server_on_own_postgres(own_postgres) -> Iterator[tuple[str, str]]:
    """gunicorn serving pmhub on ``own_postgres``: (its URL, a write key)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pmhub.settings.test",
        "DATABASE_URL": own_postgres.url,
        "INGEST_RATE_LIMIT_PER_SECOND": "0",  # not the subject here; the cache is shared
    }
    migrated = run_manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    made = run_manage(
        "shell",
        "-c",
        "from tests.factories import make_tenant\n"
        "from metrics.services.write_keys import write_key_create\n"
        "tenant = make_tenant('Durable')\n"
        "print(write_key_create(product=tenant.product, actor=tenant.owner, name='sdk')[1])\n",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    port = free_port()
    log = (own_postgres.home / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "pmhub.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", "1", "--threads", "4", "--timeout", "60",
        ],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (own_postgres.home / "gunicorn.log").read_text()
            try:
                if requests.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer /healthz"
            time.sleep(0.2)
        yield url, key
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        log.close()


@pytest.mark.slow
def test_postgresql_stopped_answers_503_and_the_sdk_delivers_everything_after_restart(
    own_postgres, server_on_own_postgres, monkeypatch, caplog
):
    url, key = server_on_own_postgres
    wire = watch(monkeypatch, segment.analytics.consumer, "post")
    client = make_segment(LiveSource(product=None, key=key, url=url), wire, max_retries=10)

    def send(prefix: str, count: int) -> list[str]:
        return [
            segment_track(client, f"user-{i % 2}", "Report Exported", {"batch": prefix, "i": i})
            for i in range(count)
        ]

    sent = send("before", 5)
    bounded(client.flush, "flush() with PostgreSQL up")
    assert set(wire.statuses) == {200}

    stopped = own_postgres.stop()
    assert stopped.returncode == 0, stopped.stderr
    sent += send("during", 5)
    wait_for(lambda: 503 in wire.statuses, "a 503 while PostgreSQL is stopped")
    own_postgres.start()
    bounded(client.shutdown, "delivery after PostgreSQL restarted")

    assert wire.statuses[-1] == 200
    assert set(wire.statuses) <= {200, 503}, wire.statuses
    assert wire.errors == []
    assert sdk_errors(caplog) == []
    stored = own_postgres.query("SELECT message_id FROM metrics_event")
    assert sorted(row[0] for row in stored) == sorted(sent)  # every event, each once
