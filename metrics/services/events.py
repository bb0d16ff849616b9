"""Storing ingested events with their persons: identities, merges, traits and dirty days."""

from __future__ import annotations

import functools
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from metrics.ingest import Message, Refusal
from metrics.models import (
    DirtyDay,
    Event,
    FirstSeen,
    Identity,
    Person,
    PersonMerge,
    Rejection,
    Rollup,
)
from pmhub.models import Product

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Key = tuple[str, str]  # (kind, value): ("user", "u-42") or ("anonymous", "a-1")


@dataclass
class Stored:
    accepted: int
    refused: int


def events_store(
    *,
    product: Product,
    messages: list[Message],
    refusals: list[Refusal],
    orm_path: bool = False,
) -> Stored:
    """Store a request's valid messages and its refusals in one transaction.

    On PostgreSQL the batch goes through COPY and set-based SQL; elsewhere (SQLite, or
    ``orm_path=True``, which the tests use to prove both paths store the same) through the ORM.

    Resolves every message to a person (creating persons for new ids, merging persons that
    identify/alias shows are one), inserts the events in one statement that skips messageIds
    the product already has, and marks the (product, day) buckets they touch for recompute.
    Returns once everything is committed.
    """
    nested = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Never hang a client: a blocked or stuck write fails fast and becomes a 503 retry.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'; SET LOCAL statement_timeout = '15s'")
        if messages and connection.vendor == "postgresql" and not orm_path:
            _store_postgresql(product, messages, nested=nested)
        elif messages:
            persons = _resolve_persons(product, messages)
            _apply_traits(messages, persons)
            Event.objects.bulk_create(
                [_event_row(product, message, persons) for message in messages],
                ignore_conflicts=True,
            )
            dirty_days_mark(product, {message.timestamp.date() for message in messages})
        if refusals:
            Rejection.objects.bulk_create(
                Rejection(
                    product=product,
                    message_id=r.message_id,
                    code=r.code,
                    reason=r.reason[:300],
                    excerpt=r.excerpt,
                )
                for r in refusals
            )
    return Stored(accepted=len(messages), refused=len(refusals))


def _keys(message: Message) -> list[Key]:
    keys = []
    if message.user_id:
        keys.append(("user", message.user_id))
    if message.anonymous_id:
        keys.append(("anonymous", message.anonymous_id))
    if message.previous_id:
        keys.append(("user", message.previous_id))
    return keys


def _primary_key(message: Message) -> Key:
    """The id an event is counted under (the user id once known)."""
    if message.type == "alias" or message.user_id:
        return ("user", message.user_id)
    return ("anonymous", message.anonymous_id)


def _lookup(product: Product, keys: Iterable[Key]) -> dict[Key, int]:
    by_kind: dict[str, set[str]] = defaultdict(set)
    for kind, value in keys:
        by_kind[kind].add(value)
    query = Q()
    for kind, values in by_kind.items():
        query |= Q(kind=kind, value__in=values)
    if not query:
        return {}
    rows = Identity.objects.filter(query, product=product).values_list("kind", "value", "person_id")
    return {(kind, value): person for kind, value, person in rows}


def _resolve_persons(product: Product, messages: list[Message]) -> dict[Key, int]:
    """Map every id in ``messages`` to its (canonical) person, creating and merging as needed."""
    wanted = {key for message in messages for key in _keys(message)}
    persons = _lookup(product, wanted)
    missing = sorted(wanted - persons.keys())
    if missing:
        created = Person.objects.bulk_create(
            [Person(product=product, created_at=timezone.now()) for _ in missing]
        )
        Identity.objects.bulk_create(
            [
                Identity(product=product, kind=kind, value=value, person=person)
                for (kind, value), person in zip(missing, created, strict=True)
            ],
            ignore_conflicts=True,  # a concurrent batch may have created the same id first
        )
        persons.update(_lookup(product, missing))
    links = [
        key_pair
        for message in messages
        for key_pair in _links(message)
        if persons[key_pair[0]] != persons[key_pair[1]]
    ]
    if links:
        persons = _merge(product, links, wanted)
    return persons


def _links(message: Message) -> list[tuple[Key, Key]]:
    """Pairs of ids that this message says belong to one person."""
    links = []
    if message.previous_id and message.user_id:
        links.append((("user", message.previous_id), ("user", message.user_id)))
    if message.user_id and message.anonymous_id:
        links.append((("anonymous", message.anonymous_id), ("user", message.user_id)))
    return links


def _merge(product: Product, links: list[tuple[Key, Key]], wanted: set[Key]) -> dict[Key, int]:
    """Merge the persons each link joins, the older person surviving; return fresh mapping.

    Serialized per product (an advisory lock) so two batches can't merge crosswise.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7301, product.pk])
    for first, second in links:
        current = _lookup(product, [first, second])
        a, b = current[first], current[second]
        if a == b:
            continue
        survivor, merged = min(a, b), max(a, b)
        PersonMerge.objects.filter(into_id=merged).update(into_id=survivor)
        PersonMerge.objects.create(product=product, merged_id=merged, into_id=survivor)
        Identity.objects.filter(product=product, person_id=merged).update(person_id=survivor)
        _merge_traits(survivor, merged)
        # Every day the merged person was active now counts one person fewer. Days already
        # computed are in the rollups (keyed by the person canonical then, i.e. ``merged``);
        # days not computed yet are dirty already. So the events need no person index.
        span = FirstSeen.objects.filter(product=product, person_id=merged).first()
        if span is not None:
            days = Rollup.objects.filter(
                product=product, source="any", day__range=(span.day, span.last_day)
            ).filter(person_id=merged)
            dirty_days_mark(product, set(days.values_list("day", flat=True)))
    return _lookup(product, wanted)


def _merge_traits(survivor_id: int, merged_id: int) -> None:
    survivor = Person.objects.select_for_update().get(pk=survivor_id)
    merged = Person.objects.get(pk=merged_id)
    if not merged.traits:
        return
    if (merged.traits_at or _EPOCH) > (survivor.traits_at or _EPOCH):
        survivor.traits = {**survivor.traits, **merged.traits}
        survivor.traits_at = merged.traits_at
    else:
        survivor.traits = {**merged.traits, **survivor.traits}
    survivor.save(update_fields=["traits", "traits_at"])


def _apply_traits(messages: list[Message], persons: dict[Key, int]) -> None:
    """Keep identify's traits on the person: a later identify wins key by key."""
    by_person: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        if message.type == "identify" and message.traits:
            by_person[persons[_primary_key(message)]].append(message)
    for person_id, identifies in by_person.items():
        person = Person.objects.select_for_update().get(pk=person_id)
        for message in sorted(identifies, key=lambda m: m.timestamp):
            if person.traits_at is None or message.timestamp >= person.traits_at:
                person.traits = {**person.traits, **message.traits}
                person.traits_at = message.timestamp
            else:  # a late identify only fills in what newer ones did not set
                person.traits = {**message.traits, **person.traits}
        person.save(update_fields=["traits", "traits_at"])


def _event_row(product: Product, message: Message, persons: dict[Key, int]) -> Event:
    return Event(
        product=product,
        message_id=message.message_id,
        type=message.type,
        name=message.name,
        person_id=persons[_primary_key(message)],
        user_id=message.user_id,
        anonymous_id=message.anonymous_id,
        timestamp=message.timestamp,
        original_timestamp=message.original_timestamp,
        sent_at=message.sent_at,
        received_at=message.received_at,
        properties=message.properties,
        traits=message.traits,
        context=message.context,
    )


def dirty_days_mark(product: Product, days: set) -> None:
    """Mark ``days`` of ``product`` for a rebuild by the next incremental recompute."""
    if days:
        DirtyDay.objects.bulk_create(
            [DirtyDay(product=product, day=day, rebuild=True) for day in sorted(days)],
            update_conflicts=True,
            unique_fields=["product", "day"],
            update_fields=["rebuild"],
        )


# --- PostgreSQL fast path -------------------------------------------------------------------------
# The same behaviour as the ORM path above, set-based: the batch is COPYed into a temporary table
# and identities, persons, events and dirty days are written by a handful of INSERT ... SELECT
# statements, so a 500-event batch costs a few round trips instead of thousands of parameters.

_BUFFER_COLUMNS = (
    "ordinal, message_id, type, name, user_id, anonymous_id, previous_id, timestamp, "
    "original_timestamp, sent_at, received_at, properties, traits, context"
)
_CREATE_BUFFERS = """
CREATE TEMP TABLE IF NOT EXISTS ingest_buffer (
    ordinal integer, message_id text, type text, name text, user_id text, anonymous_id text,
    previous_id text, timestamp timestamptz, original_timestamp timestamptz, sent_at timestamptz,
    received_at timestamptz, properties jsonb, traits jsonb, context jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS ingest_new_identity (kind text, value text, person_id bigint)
    ON COMMIT DELETE ROWS;
-- Empty already after a commit; emptied here too for a caller's enclosing transaction
-- (TRUNCATE, not DELETE: dead rows of a long transaction would make every batch slower).
TRUNCATE ingest_buffer, ingest_new_identity;
"""
_BUFFER_KEYS = """
    SELECT 'user' AS kind, user_id AS value FROM ingest_buffer WHERE user_id <> ''
    UNION SELECT 'anonymous', anonymous_id FROM ingest_buffer WHERE anonymous_id <> ''
    UNION SELECT 'user', previous_id FROM ingest_buffer WHERE previous_id <> ''
"""
_NEW_IDENTITIES = f"""
INSERT INTO ingest_new_identity (kind, value, person_id)
SELECT k.kind, k.value, nextval(pg_get_serial_sequence('metrics_person', 'id'))
FROM ({_BUFFER_KEYS}) AS k
WHERE NOT EXISTS (
    SELECT 1 FROM metrics_identity AS i
    WHERE i.product_id = %(product)s AND i.kind = k.kind AND i.value = k.value
);
INSERT INTO metrics_person (id, product_id, traits, created_at)
SELECT person_id, %(product)s, '{{}}'::jsonb, now() FROM ingest_new_identity;
INSERT INTO metrics_identity (product_id, kind, value, person_id)
SELECT %(product)s, kind, value, person_id FROM ingest_new_identity
ON CONFLICT (product_id, kind, value) DO NOTHING;
"""  # noqa: S608 - constant text
# Ids that one message says are one person, but that are still two persons.
_PENDING_LINKS = """
SELECT DISTINCT b.link_kind, b.link_value, b.user_id
FROM (
    SELECT 'anonymous' AS link_kind, anonymous_id AS link_value, user_id FROM ingest_buffer
    WHERE anonymous_id <> '' AND user_id <> ''
    UNION ALL
    SELECT 'user', previous_id, user_id FROM ingest_buffer WHERE previous_id <> '' AND user_id <> ''
) AS b
JOIN metrics_identity AS l
    ON l.product_id = %(product)s AND l.kind = b.link_kind AND l.value = b.link_value
JOIN metrics_identity AS u
    ON u.product_id = %(product)s AND u.kind = 'user' AND u.value = b.user_id
WHERE l.person_id <> u.person_id
"""
# The stored events (duplicates skipped) wait in metrics_pendingevents for the next recompute,
# and mark their days (which need no rebuild: their events are added).
_INSERT_EVENTS = """
WITH stored AS (
INSERT INTO metrics_event (product_id, message_id, type, name, person_id, user_id, anonymous_id,
    timestamp, original_timestamp, sent_at, received_at, properties, traits, context)
SELECT %(product)s, b.message_id, b.type, b.name, i.person_id, b.user_id, b.anonymous_id,
    b.timestamp, b.original_timestamp, b.sent_at, b.received_at, b.properties, b.traits, b.context
FROM ingest_buffer AS b
JOIN metrics_identity AS i ON i.product_id = %(product)s
    AND i.kind = CASE WHEN b.user_id <> '' THEN 'user' ELSE 'anonymous' END
    AND i.value = CASE WHEN b.user_id <> '' THEN b.user_id ELSE b.anonymous_id END
ORDER BY b.ordinal
ON CONFLICT (product_id, message_id) DO NOTHING
RETURNING id, timestamp
), pending AS (
    INSERT INTO metrics_pendingevents (product_id, event_ids, created_at)
    SELECT %(product)s, jsonb_agg(id), now() FROM stored HAVING COUNT(*) > 0
)
INSERT INTO metrics_dirtyday (product_id, day, marked_at, rebuild)
SELECT DISTINCT %(product)s, (timestamp AT TIME ZONE 'UTC')::date, now(), false FROM stored
ON CONFLICT (product_id, day) DO NOTHING;
"""


# Connections whose temporary buffer tables exist (created by a committed transaction).
_HAS_BUFFERS: weakref.WeakSet = weakref.WeakSet()


def _store_postgresql(product: Product, messages: list[Message], *, nested: bool) -> None:
    """Write ``messages`` with COPY and set-based SQL (inside the caller's transaction).

    The buffer tables are created once per connection and emptied by every commit; only a
    ``nested`` call (inside a caller's transaction, which may hold an earlier batch) empties
    them itself, as a rolled-back creation may not have left them either.
    """
    params = {"product": product.pk}
    raw = connection.connection  # psycopg 3: COPY is not reachable through Django's cursor
    if nested or raw not in _HAS_BUFFERS:
        with connection.cursor() as cursor:
            cursor.execute(_CREATE_BUFFERS)
        if not nested:
            transaction.on_commit(functools.partial(_HAS_BUFFERS.add, raw))
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY ingest_buffer ({_BUFFER_COLUMNS}) FROM STDIN") as copy,
    ):
        for ordinal, m in enumerate(messages):
            copy.write_row(
                (
                    ordinal,
                    m.message_id,
                    m.type,
                    m.name,
                    m.user_id,
                    m.anonymous_id,
                    m.previous_id,
                    m.timestamp,
                    m.original_timestamp,
                    m.sent_at,
                    m.received_at,
                    m.properties_json,
                    m.traits_json,
                    m.context_json,
                )
            )
    with connection.cursor() as cursor:
        # One round trip: the new identities' statements, then the links query's rows.
        cursor.execute(_NEW_IDENTITIES + _PENDING_LINKS, params)
        while cursor.nextset():
            pass
        links = [((kind, value), ("user", user_id)) for kind, value, user_id in cursor.fetchall()]
    if links:
        _merge(product, links, {key for pair in links for key in pair})
    identifies = [m for m in messages if m.type == "identify" and m.traits]
    if identifies:
        _apply_traits(identifies, _lookup(product, {_primary_key(m) for m in identifies}))
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_EVENTS, params)
