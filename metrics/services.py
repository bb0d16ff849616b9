"""Writes of the metrics app: storing ingested events with their persons, and write keys."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from metrics import conditions
from metrics.experiments import (
    Comparison,
    SampleRatio,
    compare,
    sample_ratio_mismatch,
    sample_size,
)
from metrics.ingest import Message, Refusal
from metrics.models import (
    DirtyDay,
    Event,
    Experiment,
    ExperimentStatus,
    Identity,
    Metric,
    MetricKind,
    MetricPoint,
    Person,
    PersonMerge,
    Rejection,
    Rollup,
    TargetDirection,
    WriteKey,
)
from pmhub.audit import audit_record, diff_fields
from pmhub.errors import ApplicationError
from pmhub.models import Product

WRITE_KEY_PREFIX = "wk_"
# Record last use at most this often: ingestion must not write the key row on every batch.
LAST_USED_RESOLUTION = timedelta(minutes=1)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Key = tuple[str, str]  # (kind, value): ("user", "u-42") or ("anonymous", "a-1")


# --- Write keys -----------------------------------------------------------------------------------


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def write_key_create(*, product: Product, actor: User | None, name: str) -> tuple[WriteKey, str]:
    """Create a write key for ``product``; return it and the raw key (shown once).

    Records ``write_key.created`` in the audit trail (never the key).
    """
    name = name.strip()
    if not name:
        raise ApplicationError("Give the write key a name.", field="name")
    raw = WRITE_KEY_PREFIX + secrets.token_urlsafe(24)
    key = WriteKey.objects.create(
        product=product, name=name, prefix=raw[:12], key_hash=_hash(raw), created_by=actor
    )
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="write_key.created",
        target=key,
        product=product,
    )
    return key, raw


@transaction.atomic
def write_key_revoke(*, key: WriteKey, actor: User) -> WriteKey:
    """Revoke a write key (idempotent); records ``write_key.revoked``."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(
            workspace=key.product.workspace,
            actor=actor,
            action="write_key.revoked",
            target=key,
            product=key.product,
        )
    return key


def write_key_authenticate(raw: str) -> WriteKey | None:
    """The active write key for ``raw`` (with its product), or None."""
    if not raw or not raw.startswith(WRITE_KEY_PREFIX) or len(raw) > 100:
        return None
    key = (
        WriteKey.objects.select_related("product")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, product__archived_at__isnull=True)
        .first()
    )
    if key is not None:
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
            WriteKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


# --- Ingestion ------------------------------------------------------------------------------------


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
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Never hang a client: a blocked or stuck write fails fast and becomes a 503 retry.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'; SET LOCAL statement_timeout = '15s'")
        if messages and connection.vendor == "postgresql" and not orm_path:
            _store_postgresql(product, messages)
        elif messages:
            persons = _resolve_persons(product, messages)
            _apply_traits(messages, persons)
            Event.objects.bulk_create(
                [_event_row(product, message, persons) for message in messages],
                ignore_conflicts=True,
            )
            _mark_dirty(product, {message.timestamp.date() for message in messages})
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
        _mark_dirty(
            product,
            set(
                Rollup.objects.filter(product=product, source="any", person_id=merged).values_list(
                    "day", flat=True
                )
            ),
        )
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


def _mark_dirty(product: Product, days: set) -> None:
    if days:
        DirtyDay.objects.bulk_create(
            [DirtyDay(product=product, day=day) for day in sorted(days)], ignore_conflicts=True
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
_INSERT_EVENTS = """
INSERT INTO metrics_event (product_id, message_id, type, name, person_id, user_id, anonymous_id,
    timestamp, original_timestamp, sent_at, received_at, properties, traits, context)
SELECT %(product)s, b.message_id, b.type, b.name, i.person_id, b.user_id, b.anonymous_id,
    b.timestamp, b.original_timestamp, b.sent_at, b.received_at, b.properties, b.traits, b.context
FROM ingest_buffer AS b
JOIN metrics_identity AS i ON i.product_id = %(product)s
    AND i.kind = CASE WHEN b.user_id <> '' THEN 'user' ELSE 'anonymous' END
    AND i.value = CASE WHEN b.user_id <> '' THEN b.user_id ELSE b.anonymous_id END
ORDER BY b.ordinal
ON CONFLICT (product_id, message_id) DO NOTHING;
INSERT INTO metrics_dirtyday (product_id, day, marked_at)
SELECT DISTINCT %(product)s, (timestamp AT TIME ZONE 'UTC')::date, now() FROM ingest_buffer
ON CONFLICT (product_id, day) DO NOTHING;
"""


def _store_postgresql(product: Product, messages: list[Message]) -> None:
    """Write ``messages`` with COPY and set-based SQL (inside the caller's transaction)."""
    params = {"product": product.pk}
    raw = connection.connection  # psycopg 3: COPY is not reachable through Django's cursor
    with connection.cursor() as cursor:
        cursor.execute(_CREATE_BUFFERS)
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
        cursor.execute(_NEW_IDENTITIES, params)
        cursor.execute(_PENDING_LINKS, params)
        links = [((kind, value), ("user", user_id)) for kind, value, user_id in cursor.fetchall()]
    if links:
        _merge(product, links, {key for pair in links for key in pair})
    identifies = [m for m in messages if m.type == "identify" and m.traits]
    if identifies:
        _apply_traits(identifies, _lookup(product, {_primary_key(m) for m in identifies}))
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_EVENTS, params)


# --- Recompute ------------------------------------------------------------------------------------


def metrics_recompute_dirty(*, product: Product) -> int:
    """Recompute ``product``'s metrics for the days ingestion marked, and unmark them.

    Claiming the marks, computing and writing the points is one transaction: if the worker dies
    half-way nothing is written and the marks are still there for the next run. Marks written
    while this runs (new events) are not claimed and wait for the next run. Returns the number of
    days recomputed.
    """
    from metrics.compute import recompute

    with transaction.atomic():
        claimed = list(
            DirtyDay.objects.select_for_update(skip_locked=True)
            .filter(product=product)
            .values_list("pk", "day")
        )
        if not claimed:
            return 0
        recompute(product, {day for _, day in claimed})
        DirtyDay.objects.filter(pk__in=[pk for pk, _ in claimed]).delete()
        kpi_alerts_check(product=product)
    return len(claimed)


def kpi_alerts_check(*, product: Product) -> list[Metric]:
    """Email each KPI owner whose KPI has just gone off target; returns the KPIs alerted.

    A KPI is judged on its latest finished day (today is still filling up). Its owner hears
    once per crossing: ``alerted_at`` is set when the email is sent and cleared when the KPI is
    back above its bad threshold, so a recompute that changes nothing sends nothing.
    """
    today = timezone.now().date()
    latest_finished_day = (
        MetricPoint.objects.filter(metric=OuterRef("pk"), interval="day", bucket__lt=today)
        .order_by("-bucket")
        .values("value")[:1]
    )
    kpis = (
        Metric.objects.filter(product=product, bad_threshold__isnull=False)
        .select_related("owner", "product")
        .annotate(latest=Subquery(latest_finished_day))
    )
    alerted: list[Metric] = []
    for metric in kpis:
        off_target = metric.status_of(metric.latest) == "bad"
        if off_target and metric.alerted_at is None:
            metric.alerted_at = timezone.now()
            metric.save(update_fields=["alerted_at"])
            alerted.append(metric)
            if metric.owner and metric.owner.email:
                transaction.on_commit(
                    functools.partial(_send_kpi_alert, metric, metric.owner.email, metric.latest)
                )
        elif not off_target and metric.alerted_at is not None:
            metric.alerted_at = None
            metric.save(update_fields=["alerted_at"])
    return alerted


def _send_kpi_alert(metric: Metric, email: str, value: float) -> None:
    from django.core.mail import send_mail

    send_mail(
        subject=f"{metric.product.name}: {metric.name} is off target",
        message=(
            f"{metric.name} of {metric.product.name} is at {value:g}, past its bad threshold "
            f"of {metric.bad_threshold:g}"
            + (f" (target {metric.target:g})." if metric.target is not None else ".")
            + "\n\nYou get this once; the next email comes if it recovers and falls again."
        ),
        from_email=None,
        recipient_list=[email],
    )


def metrics_recompute_all(*, product: Product) -> int:
    """Rebuild every rollup and point of ``product`` from its events; returns the days covered."""
    from metrics.compute import recompute

    with transaction.atomic():
        DirtyDay.objects.filter(product=product).delete()
        days = recompute(product, None).days
        kpi_alerts_check(product=product)
        return days


# --- Metric definitions ---------------------------------------------------------------------------

METRIC_FIELDS = (
    "key",
    "name",
    "description",
    "kind",
    "event",
    "value_property",
    "window_days",
    "retention_weeks",
    "percentile",
    "filters",
    "steps",
    "conversion_window_hours",
    "numerator",
    "denominator",
    "unit",
    "target",
    "target_direction",
    "warning_threshold",
    "bad_threshold",
    "owner",
)


def _check_kpi(product: Product, merged: dict) -> None:
    """Thresholds must be ordered the way the metric gets worse; the owner must be a member."""
    direction = merged.get("target_direction") or TargetDirection.INCREASE
    if direction not in TargetDirection.values:
        raise ApplicationError("Choose increase or decrease.", field="target_direction")
    levels = [(name, merged.get(name)) for name in ("bad_threshold", "warning_threshold", "target")]
    given = [(name, value) for name, value in levels if value is not None]
    for (low_name, low), (high_name, high) in pairwise(given):
        if (low > high) if direction == TargetDirection.INCREASE else (low < high):
            word = "above" if direction == TargetDirection.INCREASE else "below"
            raise ApplicationError(
                f"{low_name} must not be {word} {high_name} when {direction} is better.",
                field=low_name,
            )
    owner = merged.get("owner")
    if owner is not None and not product.workspace.memberships.filter(user=owner).exists():
        raise ApplicationError("The owner must be a member of this workspace.", field="owner")


def _check_metric(product: Product, fields: dict, instance: Metric | None = None) -> None:
    """Refuse a definition that can't be computed, naming the field."""
    from django.utils.text import slugify

    merged = {name: getattr(instance, name) for name in METRIC_FIELDS} if instance else {}
    merged.update(fields)
    _check_kpi(product, merged)
    key = merged.get("key") or ""
    if not key or slugify(key) != key.lower() or len(key) > 60:
        raise ApplicationError("Use letters, digits, - and _ (at most 60).", field="key")
    clash = Metric.objects.filter(product=product, key=key)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ApplicationError(f"This product already has a metric {key!r}.", field="key")
    if not (merged.get("name") or "").strip():
        raise ApplicationError("Give the metric a name.", field="name")
    if "filters" in fields:
        fields["filters"] = conditions.validate(fields["filters"])
    kind = merged.get("kind")
    if kind not in MetricKind.values:
        raise ApplicationError(f"Unknown kind {kind!r}.", field="kind")
    if kind == MetricKind.ACTIVE_USERS and not 1 <= (merged.get("window_days") or 0) <= 365:
        raise ApplicationError("Active users need a window of 1 to 365 days.", field="window_days")
    needs_value = (MetricKind.SUM, MetricKind.AVERAGE, MetricKind.PERCENTILE, MetricKind.NPS)
    if kind in needs_value and not merged.get("value_property"):
        raise ApplicationError("Say which numeric property to read.", field="value_property")
    if kind == MetricKind.PERCENTILE and not 1 <= (merged.get("percentile") or 0) <= 99:
        raise ApplicationError("Choose a percentile from 1 to 99.", field="percentile")
    if kind == MetricKind.FUNNEL:
        steps = merged.get("steps")
        if (
            not isinstance(steps, list)
            or not 2 <= len(steps) <= 10
            or not all(isinstance(s, str) and 0 < len(s) <= 200 for s in steps)
        ):
            raise ApplicationError("A funnel needs 2 to 10 event names, in order.", field="steps")
        if not 1 <= (merged.get("conversion_window_hours") or 0) <= 2160:
            raise ApplicationError(
                "Give a conversion window of 1 to 2160 hours.", field="conversion_window_hours"
            )
    if kind == MetricKind.RETENTION and not 1 <= (merged.get("retention_weeks") or 0) <= 52:
        raise ApplicationError("Retention looks 1 to 52 weeks ahead.", field="retention_weeks")
    if kind == MetricKind.RATIO:
        for part in ("numerator", "denominator"):
            other = merged.get(part)
            if other is None:
                raise ApplicationError(f"A ratio needs a {part} metric.", field=part)
            if other.product_id != product.pk:
                raise ApplicationError(f"The {part} must be a metric of this product.", field=part)
            if other.kind == MetricKind.RATIO:
                raise ApplicationError(f"The {part} can't itself be a ratio.", field=part)


def _mark_all_days_dirty(product: Product) -> None:
    """A new or changed definition needs its values for every day the product has data."""
    days = Rollup.objects.filter(product=product, source="any").values_list("day", flat=True)
    _mark_dirty(product, set(days))
    if days:
        from metrics.tasks import request_recompute

        transaction.on_commit(lambda: request_recompute(product.pk))


@transaction.atomic
def metric_create(*, product: Product, actor: User, **fields) -> Metric:
    """Define a metric of ``product`` and schedule its values; records ``metric.created``."""
    unknown = set(fields) - set(METRIC_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown field {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    fields.setdefault("retention_weeks", 1)
    _check_metric(product, fields)
    metric = Metric.objects.create(product=product, **fields)
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="metric.created",
        target=metric,
        product=product,
    )
    _mark_all_days_dirty(product)
    return metric


@transaction.atomic
def metric_update(*, metric: Metric, actor: User, **fields) -> Metric:
    """Change a definition and schedule new values; records ``metric.updated``."""
    _check_metric(metric.product, fields, instance=metric)
    changes = diff_fields(metric, fields)
    if changes:
        for name, value in fields.items():
            setattr(metric, name, value)
        metric.save()
        audit_record(
            workspace=metric.product.workspace,
            actor=actor,
            action="metric.updated",
            target=metric,
            product=metric.product,
            changes=changes,
        )
        _mark_all_days_dirty(metric.product)
    return metric


@transaction.atomic
def metric_delete(*, metric: Metric, actor: User) -> None:
    """Delete a definition and its points; refused while a ratio divides by it."""
    users = Metric.objects.filter(Q(numerator=metric) | Q(denominator=metric)).first()
    if users is not None:
        raise ApplicationError(
            f"{users.key!r} is computed from this metric; change it first.", field="key"
        )
    audit_record(
        workspace=metric.product.workspace,
        actor=actor,
        action="metric.deleted",
        target=metric,
        product=metric.product,
    )
    metric.delete()


# --- Experiments ----------------------------------------------------------------------------------
EXPERIMENT_FIELDS = (
    "key",
    "name",
    "hypothesis",
    "exposure_event",
    "variant_property",
    "control_variant",
    "conversion_event",
    "start",
    "end",
    "status",
    "minimum_detectable_effect",
)
# The lifecycle moves forward one step at a time; ``decided`` is reached by experiment_decide.
_NEXT_STATUS = {"draft": "running", "running": "stopped"}


def _check_experiment(product: Product, fields: dict, instance: Experiment | None = None) -> None:
    """Refuse an experiment that can't be run or analysed, naming the field."""
    from django.utils.text import slugify

    unknown = sorted(set(fields) - set(EXPERIMENT_FIELDS))
    if unknown:
        raise ApplicationError(f"Unknown field {unknown[0]!r}.", field=unknown[0])
    # A new experiment starts from the model's defaults (variant property, control, MDE).
    merged = {name: getattr(instance or Experiment(), name) for name in EXPERIMENT_FIELDS}
    merged.update(fields)
    if instance is not None and instance.status == ExperimentStatus.DECIDED:
        raise ApplicationError("A decided experiment can't be changed.", field="status")
    key = merged.get("key") or ""
    if not key or slugify(key) != key.lower() or len(key) > 60:
        raise ApplicationError("Use letters, digits, - and _ (at most 60).", field="key")
    clash = Experiment.objects.filter(product=product, key=key)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ApplicationError(f"This product already has an experiment {key!r}.", field="key")
    for name, problem in (
        ("name", "Give the experiment a name."),
        ("exposure_event", "Name the track event that records an exposure."),
        ("variant_property", "Name the exposure's property that holds the variant."),
        ("control_variant", "Name the control variant."),
        ("conversion_event", "Name the track event that records a conversion."),
    ):
        if not (merged.get(name) or "").strip():
            raise ApplicationError(problem, field=name)
    start, end = merged.get("start"), merged.get("end")
    if start is None:
        raise ApplicationError("Give the experiment a start.", field="start")
    if end is not None and end <= start:
        raise ApplicationError("The end must be after the start.", field="end")
    mde = merged.get("minimum_detectable_effect", 0.1)
    if not isinstance(mde, (int, float)) or not 0 < mde <= 10:
        raise ApplicationError(
            "The minimum detectable effect is a relative change above 0 (0.1 = 10 %).",
            field="minimum_detectable_effect",
        )
    if "status" in fields:
        old = instance.status if instance is not None else None
        new = fields["status"]
        allowed: set[str] = {"draft", "running"} if old is None else {old}
        if old in _NEXT_STATUS:
            allowed.add(_NEXT_STATUS[old])
        if new not in allowed:
            raise ApplicationError(
                f"An experiment can't go from {old or 'new'!r} to {new!r} "
                "(draft → running → stopped, then decide).",
                field="status",
            )


@transaction.atomic
def experiment_create(*, product: Product, actor: User, **fields) -> Experiment:
    """Define an A/B test of ``product``; records ``experiment.created``."""
    _check_experiment(product, fields)
    experiment = Experiment.objects.create(product=product, **fields)
    audit_record(
        workspace=product.workspace,
        actor=actor,
        action="experiment.created",
        target=experiment,
        product=product,
    )
    return experiment


@transaction.atomic
def experiment_update(*, experiment: Experiment, actor: User, **fields) -> Experiment:
    """Change an experiment or move its status forward; records ``experiment.updated``."""
    _check_experiment(experiment.product, fields, instance=experiment)
    changes = diff_fields(experiment, fields)
    if changes:
        for name, value in fields.items():
            setattr(experiment, name, value)
        experiment.save()
        audit_record(
            workspace=experiment.product.workspace,
            actor=actor,
            action="experiment.updated",
            target=experiment,
            product=experiment.product,
            changes=changes,
        )
    return experiment


@transaction.atomic
def experiment_decide(*, experiment: Experiment, actor: User, decision: str) -> Experiment:
    """Record the decision of a stopped experiment (it becomes ``decided``).

    Records ``experiment.decided``.
    """
    decision = decision.strip()
    if not decision:
        raise ApplicationError("Say what was decided.", field="decision")
    if experiment.status != ExperimentStatus.STOPPED:
        raise ApplicationError(
            f"Stop the experiment before deciding (it is {experiment.status}).", field="status"
        )
    experiment.status = ExperimentStatus.DECIDED
    experiment.decision = decision
    experiment.decided_by = actor
    experiment.decided_at = timezone.now()
    experiment.save(update_fields=["status", "decision", "decided_by", "decided_at"])
    audit_record(
        workspace=experiment.product.workspace,
        actor=actor,
        action="experiment.decided",
        target=experiment,
        product=experiment.product,
        changes={"status": [ExperimentStatus.STOPPED.value, ExperimentStatus.DECIDED.value]},
    )
    return experiment


@transaction.atomic
def experiment_delete(*, experiment: Experiment, actor: User) -> None:
    """Delete an experiment (its events stay); records ``experiment.deleted``."""
    audit_record(
        workspace=experiment.product.workspace,
        actor=actor,
        action="experiment.deleted",
        target=experiment,
        product=experiment.product,
    )
    experiment.delete()


@dataclass
class VariantResult:
    variant: str
    users: int
    conversions: int
    rate: float | None
    is_control: bool
    comparison: Comparison | None = None  # against the control; None for the control itself


@dataclass
class ExperimentResults:
    variants: list[VariantResult]
    srm: SampleRatio | None
    sample_size_per_variant: int | None  # at the control's observed rate and the experiment's MDE
    until: datetime  # the end, or now for an open experiment


def experiment_results(*, experiment: Experiment) -> ExperimentResults:
    """Compute users, conversions, rates and their comparison with the control per variant.

    A (canonical) person is exposed to the variant of their first exposure event carrying the
    variant property in [start, end); they convert with a conversion event strictly after that
    first exposure and before the end. Three queries whatever the data: merges, exposures,
    conversions. Reads only.
    """
    from django.db.models.fields.json import KeyTextTransform

    product = experiment.product
    until = experiment.end or timezone.now()
    merges = dict(PersonMerge.objects.filter(product=product).values_list("merged_id", "into_id"))
    window = Event.objects.filter(
        product=product, type="track", timestamp__gte=experiment.start, timestamp__lt=until
    )
    exposures = (
        window.filter(name=experiment.exposure_event)
        .annotate(variant=KeyTextTransform(experiment.variant_property, "properties"))
        .filter(variant__isnull=False)
        .order_by("timestamp", "id")
        .values_list("person_id", "timestamp", "variant")
    )
    first: dict[int, tuple[datetime, str]] = {}
    for person, stamp, variant in exposures.iterator(chunk_size=5000):
        first.setdefault(merges.get(person, person), (stamp, variant))
    converted: set[int] = set()
    conversions = window.filter(name=experiment.conversion_event).values_list(
        "person_id", "timestamp"
    )
    for person, stamp in conversions.iterator(chunk_size=5000):
        canonical = merges.get(person, person)
        seen = first.get(canonical)
        if seen is not None and stamp > seen[0]:
            converted.add(canonical)
    users: Counter[str] = Counter()
    wins: Counter[str] = Counter()
    for person, (_, variant) in first.items():
        users[variant] += 1
        wins[variant] += person in converted
    control = experiment.control_variant
    names = [control, *sorted(v for v in users if v != control)]
    n_c, x_c = users[control], wins[control]
    variants = [
        VariantResult(
            variant=name,
            users=users[name],
            conversions=wins[name],
            rate=wins[name] / users[name] if users[name] else None,
            is_control=name == control,
            comparison=None if name == control else compare(x_c, n_c, wins[name], users[name]),
        )
        for name in names
    ]
    return ExperimentResults(
        variants=variants,
        srm=sample_ratio_mismatch([users[name] for name in names]) if len(names) > 1 else None,
        sample_size_per_variant=(
            sample_size(x_c / n_c, experiment.minimum_detectable_effect) if n_c else None
        ),
        until=until,
    )
