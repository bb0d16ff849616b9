"""Ingestion with the real analytics SDKs pointed at a live test server.

segment-analytics-python, rudder-sdk-python (gzip on by default) and posthog send a realistic mix
of calls; every message must be stored exactly once, with persons merged and traits kept. Their
retries after a 429 (rate limit) and a 503 (the events table locked, so the write times out) must
deliver every event once. SDK errors are never swallowed: ``on_error`` and the SDKs' error logs are
asserted empty, and every HTTP answer the SDK saw is recorded.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import posthog.consumer
import posthog.request
import psycopg
import pytest
import rudderstack.analytics.consumer
import rudderstack.analytics.request
import segment.analytics.consumer
import segment.analytics.request
from django.db import connection
from posthog import Posthog
from rudderstack.analytics.client import Client as RudderClient
from segment.analytics.client import Client as SegmentClient

from metrics.models import Event, Identity, Person, PersonMerge
from metrics.services.write_keys import write_key_create
from tests.factories import make_tenant

# A bound on every wait (never a timing assertion): an SDK that has not delivered by then failed.
DELIVERY_TIMEOUT = 45
SDK_LOGGERS = ("segment", "rudderstack", "posthog")


# --- Helpers shared with test_ingest_faults.py ----------------------------------------------------


@dataclass
class LiveSource:
    """A product with a write key, served by pytest-django's live server."""

    product: Any
    key: str
    url: str


@pytest.fixture
def live_source(live_server, transactional_db, settings) -> Iterator[LiveSource]:
    yield from serve_live_source(live_server, settings)


def serve_live_source(live_server, settings) -> Iterator[LiveSource]:
    """The body of the ``live_source`` fixture (test_ingest_faults.py has the same fixture)."""
    # The cache (rate-limit counters, keyed by write key id) is one Redis database for every
    # REDIS_URL, and fresh test databases all number their first write key 1: a prefix of our own
    # keeps other test runs and servers from counting against this one.
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"sdk-test-{uuid.uuid4().hex}"}
    }
    tenant = make_tenant("Live")
    _, key = write_key_create(product=tenant.product, actor=tenant.owner, name="sdk")
    yield LiveSource(product=tenant.product, key=key, url=live_server.url)
    close_keep_alive_connections()


def close_keep_alive_connections() -> None:
    """Close the SDKs' pooled HTTP connections, so the live server's threads (and their database
    sessions) end before pytest-django flushes or drops the test database.

    ``Session.close()`` alone is not enough: urllib3 2 drops its pools without closing them, and a
    response kept by a recorded exception keeps such a pool's socket open.
    """
    sessions = [
        segment.analytics.request._session,
        rudderstack.analytics.request._session,
        posthog.request._session,
        posthog.request._flags_session,
    ]
    for session in sessions:
        for adapter in session.adapters.values():
            pools = adapter.poolmanager.pools
            for pool_key in pools.keys():  # noqa: SIM118 - the container refuses iteration
                pool = pools.get(pool_key)
                if pool is not None:
                    pool.close()
        session.close()
    with connection.cursor() as cursor:
        for _ in range(100):  # a bounded wait
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)


@dataclass
class Wire:
    """What an SDK saw: the HTTP status of every upload attempt, and what it reported as errors."""

    statuses: list[int | str] = field(default_factory=list)
    errors: list[tuple[Exception, int]] = field(default_factory=list)

    def on_error(self, error: Exception, batch: list) -> None:
        self.errors.append((error, len(batch)))


def watch(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> Wire:
    """Record the answer to every call of the SDK's upload function ``module.name``."""
    wire = Wire()
    original = getattr(module, name)

    def recorded(*args, **kwargs):
        try:
            response = original(*args, **kwargs)
        except Exception as exc:
            wire.statuses.append(getattr(exc, "status", "network"))
            raise
        wire.statuses.append(response.status_code)
        return response

    monkeypatch.setattr(module, name, recorded)
    return wire


def bounded(action: Callable[[], Any], what: str, timeout: float = DELIVERY_TIMEOUT) -> None:
    """Run ``action`` (an unbounded SDK flush/join) in a thread; fail if it outlasts ``timeout``."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"{what} did not finish within {timeout} s"
    if failures:
        raise failures[0]


def sdk_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Errors the SDKs logged (some failures, e.g. a dropped oversize message, are only logged)."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.split(".")[0] in SDK_LOGGERS and record.levelno >= logging.ERROR
    ]


def canonical(person_id: int) -> int:
    """The person an event counts under, following a merge (chains are kept flat)."""
    into = PersonMerge.objects.filter(merged_id=person_id).values_list("into_id", flat=True)
    return into.first() or person_id


def stored_once(product, message_ids: list[str]) -> dict[str, Event]:
    """Assert every message is stored exactly once (and nothing else); the events by messageId."""
    assert len(set(message_ids)) == len(message_ids)
    events = {event.message_id: event for event in Event.objects.filter(product=product)}
    assert Event.objects.filter(product=product).count() == len(message_ids)
    assert set(events) == set(message_ids)
    return events


# --- The SDKs, configured for tests ---------------------------------------------------------------


@dataclass
class Sdk:
    """How to build, use and drain one SDK's client, uniformly for the retry tests."""

    name: str
    make: Callable[..., Any]
    track: Callable[[Any, str, str, dict], str]
    drain: Callable[[Any], None]


def make_segment(source: LiveSource, wire: Wire, **options) -> SegmentClient:
    settings = {
        "upload_interval": 0.05,
        "max_retries": 4,
        "timeout": 20,
        "max_rate_limit_duration": 60,
        "max_total_backoff_duration": 60,
        **options,
    }
    return SegmentClient(write_key=source.key, host=source.url, on_error=wire.on_error, **settings)


def make_rudder(source: LiveSource, wire: Wire, **options) -> RudderClient:
    settings = {"upload_interval": 0.05, "max_retries": 8, "timeout": 20, **options}
    # gzip is left at RudderStack's default (on): that is what its users send.
    return RudderClient(write_key=source.key, host=source.url, on_error=wire.on_error, **settings)


def make_posthog(source: LiveSource, wire: Wire, **options) -> Posthog:
    settings = {"flush_interval": 0.05, "max_retries": 5, "timeout": 20, **options}
    if "upload_size" in settings:
        settings["flush_at"] = settings.pop("upload_size")
    client = Posthog(source.key, host=source.url, on_error=wire.on_error, **settings)
    # Debug mode re-raises errors of public calls instead of logging them. Set after construction:
    # Posthog(debug=True) would also call logging.basicConfig(), a handler for the whole session.
    client.debug = True
    return client


def drain_segment_like(client) -> None:
    bounded(client.flush, "flush()")
    bounded(client.join, "join()")


def drain_posthog(client: Posthog) -> None:
    bounded(lambda: client.flush(timeout_seconds=DELIVERY_TIMEOUT), "flush()")
    bounded(client.shutdown, "shutdown()")


def segment_track(client, user_id: str, event: str, properties: dict) -> str:
    ok, message = client.track(user_id=user_id, event=event, properties=properties)
    assert ok
    return message["messageId"]


def posthog_track(client: Posthog, user_id: str, event: str, properties: dict) -> str:
    return client.capture(event, distinct_id=user_id, properties=properties)


SDKS = [
    Sdk("segment", make_segment, segment_track, drain_segment_like),
    Sdk("rudder", make_rudder, segment_track, drain_segment_like),
    Sdk("posthog", make_posthog, posthog_track, drain_posthog),
]
UPLOADERS = {
    "segment": (segment.analytics.consumer, "post"),
    "rudder": (rudderstack.analytics.consumer, "post"),
    "posthog": (posthog.consumer, "batch_post"),
}


# --- A realistic mix per SDK ----------------------------------------------------------------------

ANON, USER, NEW_ID, OTHER = "anon-7f3a", "ada", "ada@example.com", "bob"
LATE = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


def _assert_mix(source: LiveSource, sent: dict[str, str], expected_traits: dict) -> None:
    """Every message once, typed as sent; ANON, USER and NEW_ID one person, OTHER another."""
    events = stored_once(source.product, list(sent.values()))
    for label, message_id in sent.items():
        assert events[message_id].type == label.split(":")[0], label

    merged = {label: canonical(events[mid].person_id) for label, mid in sent.items()}
    people = {person for label, person in merged.items() if "other" not in label}
    assert len(people) == 1, merged
    person_id = people.pop()
    assert merged["track:other"] != person_id
    identities = Identity.objects.filter(product=source.product)
    linked = {i.value: i.person_id for i in identities if i.value in (ANON, USER, NEW_ID)}
    assert linked == dict.fromkeys((ANON, USER, NEW_ID), person_id)

    traits = Person.objects.get(pk=person_id).traits
    assert traits.items() >= expected_traits.items()

    late = events[sent["track:late"]]
    assert late.original_timestamp == LATE
    # Clock-skew correction keeps a client whose clock is right where it was (bound, not timing).
    assert abs(late.timestamp - LATE) < timedelta(minutes=1)
    assert late.received_at - late.timestamp >= timedelta(days=2)


def _send_segment_mix(client) -> dict[str, str]:
    """The calls a web app makes for one visitor who signs up, and another user."""
    calls = {
        "page:anon": lambda: client.page(
            anonymous_id=ANON,
            category="Marketing",
            name="Pricing",
            properties={"path": "/pricing", "url": "https://example.com/pricing", "referrer": ""},
            context={"ip": "203.0.113.9", "userAgent": "Mozilla/5.0", "locale": "fr-FR"},
        ),
        "track:anon": lambda: client.track(
            anonymous_id=ANON,
            event="Plan Selected",
            properties={"plan": "pro", "price": 49.5, "annual": True, "seats": None},
        ),
        "identify:link": lambda: client.identify(
            user_id=USER,
            anonymous_id=ANON,
            traits={"email": "ada@example.com", "name": "Ada Lovelace", "plan": "pro", "logins": 3},
        ),
        "track:order": lambda: client.track(
            user_id=USER,
            event="Order Completed",
            properties={
                "revenue": 49.5,
                "currency": "EUR",
                "products": [{"sku": "PRO-1", "quantity": 1, "price": 49.5}],
            },
        ),
        "screen:user": lambda: client.screen(
            user_id=USER, category="App", name="Dashboard", properties={"tab": "overview"}
        ),
        "group:user": lambda: client.group(
            user_id=USER, group_id="acme", traits={"name": "Acme", "employees": 40}
        ),
        "track:late": lambda: client.track(
            user_id=USER, event="Feature Used", properties={"feature": "export"}, timestamp=LATE
        ),
        "alias:user": lambda: client.alias(previous_id=USER, user_id=NEW_ID),
        "track:new-id": lambda: client.track(user_id=NEW_ID, event="Logged In"),
        "track:other": lambda: client.track(
            user_id=OTHER, event="Signed Up", properties={"source": "ads"}
        ),
    }
    sent = {}
    for label, call in calls.items():
        ok, message = call()
        assert ok, label
        sent[label] = message["messageId"]
    return sent


@pytest.mark.parametrize("sdk_name", ["segment", "rudder"])
def test_segment_protocol_sdk_delivers_a_realistic_mix_once(
    sdk_name, live_source, monkeypatch, caplog
):
    wire = watch(monkeypatch, *UPLOADERS[sdk_name])
    make = make_segment if sdk_name == "segment" else make_rudder
    # Small batches: the identify, the alias and the events they link arrive in different requests.
    client = make(live_source, wire, upload_size=3)
    if sdk_name == "rudder":
        assert client.gzip and client.consumers[0].gzip  # RudderStack's default: gzip bodies

    sent = _send_segment_mix(client)
    drain_segment_like(client)

    assert wire.errors == []
    assert sdk_errors(caplog) == []
    assert wire.statuses and set(wire.statuses) == {200}
    assert len(wire.statuses) >= 3  # several batches
    _assert_mix(
        live_source,
        sent,
        {"email": "ada@example.com", "name": "Ada Lovelace", "plan": "pro", "logins": 3},
    )
    events = {e.message_id: e for e in Event.objects.filter(product=live_source.product)}
    order = events[sent["track:order"]]
    assert (order.name, order.properties["revenue"]) == ("Order Completed", 49.5)
    assert order.properties["products"][0]["sku"] == "PRO-1"
    assert events[sent["page:anon"]].name == "Pricing"
    assert events[sent["page:anon"]].context["ip"] == "203.0.113.9"
    assert events[sent["screen:user"]].name == "Dashboard"
    assert events[sent["track:anon"]].properties == {
        "plan": "pro",
        "price": 49.5,
        "annual": True,
        "seats": None,
    }


def test_posthog_sdk_delivers_a_realistic_mix_once(live_source, monkeypatch, caplog):
    wire = watch(monkeypatch, *UPLOADERS["posthog"])
    client = make_posthog(live_source, wire, flush_at=3)
    calls = {
        "page:anon": lambda: client.capture(
            "$pageview",
            distinct_id=ANON,
            properties={"$current_url": "https://example.com/pricing", "$referrer": ""},
        ),
        "track:anon": lambda: client.capture(
            "Plan Selected", distinct_id=ANON, properties={"plan": "pro", "price": 49.5}
        ),
        # What posthog-js sends on posthog.identify(): the anonymous id and person properties.
        "identify:link": lambda: client.capture(
            "$identify",
            distinct_id=USER,
            properties={
                "$anon_distinct_id": ANON,
                "$set": {"email": "ada@example.com", "plan": "pro"},
                "$set_once": {"first_plan": "free"},
            },
        ),
        # The Python SDK's own way to set person properties (a "$set" event).
        "identify:set": lambda: client.set(distinct_id=USER, properties={"company": "Acme"}),
        "track:order": lambda: client.capture(
            "Order Completed", distinct_id=USER, properties={"revenue": 30, "currency": "EUR"}
        ),
        "screen:user": lambda: client.capture(
            "$screen", distinct_id=USER, properties={"$screen_name": "Dashboard"}
        ),
        "track:late": lambda: client.capture(
            "Feature Used", distinct_id=USER, properties={"feature": "export"}, timestamp=LATE
        ),
        "alias:user": lambda: client.alias(previous_id=USER, distinct_id=NEW_ID),
        "track:new-id": lambda: client.capture("Logged In", distinct_id=NEW_ID),
        "track:other": lambda: client.capture("Signed Up", distinct_id=OTHER),
    }
    sent = {label: call() for label, call in calls.items()}
    assert all(sent.values()), sent
    drain_posthog(client)

    assert wire.errors == []
    assert sdk_errors(caplog) == []
    assert wire.statuses and set(wire.statuses) == {200}
    _assert_mix(
        live_source,
        sent,
        {"email": "ada@example.com", "plan": "pro", "first_plan": "free", "company": "Acme"},
    )
    events = {e.message_id: e for e in Event.objects.filter(product=live_source.product)}
    order = events[sent["track:order"]]
    assert (order.name, order.properties["revenue"]) == ("Order Completed", 30)
    assert events[sent["page:anon"]].name == "https://example.com/pricing"
    assert events[sent["screen:user"]].name == "Dashboard"


# --- Retries --------------------------------------------------------------------------------------


def _send_tracks(sdk: Sdk, client, count: int) -> list[str]:
    return [
        sdk.track(client, f"user-{i % 3}", "Button Clicked", {"i": i, "button": "buy"})
        for i in range(count)
    ]


@pytest.mark.slow
@pytest.mark.parametrize("sdk", SDKS, ids=lambda sdk: sdk.name)
def test_sdk_retries_after_429_and_delivers_every_event_once(
    sdk, live_source, settings, monkeypatch, caplog
):
    # live_server runs in a thread of this process: the override reaches its requests.
    settings.INGEST_RATE_LIMIT_PER_SECOND = 1
    wire = watch(monkeypatch, *UPLOADERS[sdk.name])
    client = sdk.make(live_source, wire, upload_size=2)

    sent = _send_tracks(sdk, client, 8)
    sdk.drain(client)

    assert 429 in wire.statuses, wire.statuses
    assert wire.statuses.count(200) >= 4
    assert set(wire.statuses) <= {200, 429}
    assert wire.errors == []
    assert sdk_errors(caplog) == []
    stored_once(live_source.product, sent)


def database_dsn() -> dict[str, Any]:
    """Connection parameters of the test database (another session than Django's)."""
    params = connection.get_connection_params()
    return {k: v for k, v in params.items() if k in ("host", "port", "user", "password", "dbname")}


class TableLock:
    """``LOCK TABLE … IN ACCESS EXCLUSIVE MODE`` held by another session until released."""

    def __init__(self, table: str = "metrics_event") -> None:
        self.connection = psycopg.connect(**database_dsn())
        self.connection.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        self._lock = threading.Lock()

    def release(self) -> None:
        with self._lock:
            if not self.connection.closed:
                self.connection.rollback()
                self.connection.close()

    def release_after(self, seconds: float) -> threading.Timer:
        timer = threading.Timer(seconds, self.release)
        timer.daemon = True
        timer.start()
        return timer


@pytest.mark.slow
@pytest.mark.parametrize("sdk", SDKS, ids=lambda sdk: sdk.name)
def test_sdk_retries_after_503_and_delivers_the_batch_once(sdk, live_source, monkeypatch, caplog):
    wire = watch(monkeypatch, *UPLOADERS[sdk.name])
    client = sdk.make(live_source, wire)
    # The ingestion write waits at most 3 s for a lock (lock_timeout), then answers 503.
    lock = TableLock()
    timer = lock.release_after(4.5)
    try:
        sent = _send_tracks(sdk, client, 6)
        sdk.drain(client)
    finally:
        timer.cancel()
        lock.release()

    assert 503 in wire.statuses, wire.statuses
    assert wire.statuses[-1] == 200
    assert set(wire.statuses) <= {200, 503}
    assert wire.errors == []
    assert sdk_errors(caplog) == []
    stored_once(live_source.product, sent)
