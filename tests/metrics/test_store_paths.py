"""The PostgreSQL COPY path and the ORM path (SQLite's) store exactly the same thing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from metrics.ingest import parse_segment
from metrics.models import DirtyDay, Event, PendingEvents, Person, PersonMerge
from metrics.services.events import events_store
from pmhub import services

RECEIVED = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


def _batches(seed: int) -> list[list[dict]]:
    """Batches with anonymous visits, identifies, aliases, duplicates and late events."""
    rng = random.Random(seed)
    batches = []
    n = 0
    for _ in range(6):
        batch = []
        for _ in range(80):
            n += 1
            user = rng.randrange(15)
            ts = (RECEIVED - timedelta(days=rng.randrange(20), minutes=n)).isoformat()
            roll = rng.random()
            if roll < 0.3:
                msg = {"type": "track", "event": "Viewed", "anonymousId": f"anon-{user}"}
            elif roll < 0.4:
                msg = {
                    "type": "identify",
                    "userId": f"u{user}",
                    "anonymousId": f"anon-{user}",
                    "traits": {"plan": rng.choice(["free", "pro"]), "n": n},
                }
            elif roll < 0.45:
                msg = {"type": "alias", "previousId": f"u{user}", "userId": f"u{(user + 1) % 15}"}
            else:
                msg = {
                    "type": "track",
                    "event": rng.choice(["Bought", "Used"]),
                    "userId": f"u{user}",
                    "properties": {"revenue": rng.randrange(100)},
                }
            msg |= {"messageId": f"m{n}", "timestamp": ts}
            batch.append(msg)
        batch += rng.sample(batch, 10)  # the same messages again: stored once
        batches.append(batch)
    return batches


def _canonical(person_id: int) -> int:
    merge = PersonMerge.objects.filter(merged_id=person_id).first()
    return merge.into_id if merge else person_id


def _snapshot(product) -> dict:
    events = Event.objects.filter(product=product).order_by("message_id")
    groups: dict[int, set[str]] = {}
    for event in events:
        groups.setdefault(_canonical(event.person_id), set()).add(event.message_id)
    traits = {frozenset(groups[pid]): Person.objects.get(pk=pid).traits for pid in groups}
    return {
        "events": [
            (
                e.message_id,
                e.type,
                e.name,
                e.user_id,
                e.anonymous_id,
                e.timestamp,
                e.original_timestamp,
                e.properties,
                e.traits,
                e.context,
            )
            for e in events
        ],
        "persons": sorted(sorted(ids) for ids in groups.values()),
        "traits": traits,
        "days": sorted(DirtyDay.objects.filter(product=product).values_list("day", flat=True)),
    }


def test_copy_path_and_orm_path_store_the_same(tenant_a):
    fast = tenant_a.product
    orm = services.product_create(workspace=tenant_a.workspace, actor=tenant_a.owner, name="ORM")
    for batch in _batches(seed=7):
        parsed = parse_segment({"batch": batch}, path_type="batch", received_at=RECEIVED)
        events_store(product=fast, messages=parsed.messages, refusals=parsed.refusals)
        events_store(product=orm, messages=parsed.messages, refusals=parsed.refusals, orm_path=True)
    fast_state, orm_state = _snapshot(fast), _snapshot(orm)
    assert len(fast_state["events"]) == 480
    assert fast_state == orm_state
    assert len(fast_state["persons"]) < 30  # identities really were merged


def test_a_retried_batch_with_new_messages_stores_only_the_new_ones_in_order(tenant_a):
    """COPY stops at a messageId the product has; the batch is then stored skipping those."""

    def store(*numbers: int) -> None:
        batch = [
            {
                "type": "track",
                "event": "Used",
                "userId": f"u{n % 3}",
                "messageId": f"m{n}",
                "timestamp": (RECEIVED - timedelta(days=n)).isoformat(),
            }
            for n in numbers
        ]
        parsed = parse_segment({"batch": batch}, path_type="batch", received_at=RECEIVED)
        events_store(product=tenant_a.product, messages=parsed.messages, refusals=[])

    store(1, 2, 3)
    store(6, 3, 7, 1, 6)  # two stored already, and one twice in the batch
    store(2, 8)  # and again, in the same transaction as the retry before it

    events = Event.objects.filter(product=tenant_a.product).order_by("id")
    assert [e.message_id for e in events] == ["m1", "m2", "m3", "m6", "m7", "m8"]
    pending = PendingEvents.objects.filter(product=tenant_a.product).order_by("id")
    by_id = {e.id: e.message_id for e in events}
    assert [[by_id[i] for i in p.event_ids] for p in pending] == [
        ["m1", "m2", "m3"],
        ["m6", "m7"],
        ["m8"],
    ]
    days = set(DirtyDay.objects.filter(product=tenant_a.product).values_list("day", flat=True))
    assert days == {(RECEIVED - timedelta(days=n)).date() for n in (1, 2, 3, 6, 7, 8)}
    assert Person.objects.filter(product=tenant_a.product).count() == 3
