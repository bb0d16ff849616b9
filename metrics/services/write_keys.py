"""Write keys: creating, revoking and authenticating a product's ingestion keys."""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from metrics.models import (
    WriteKey,
)
from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from pmhub.postgres import joined_columns, joined_instances, prepared_cursor

WRITE_KEY_PREFIX = "wk_"
# Record last use at most this often: ingestion must not write the key row on every batch.
LAST_USED_RESOLUTION = timedelta(minutes=1)


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
    """The active write key for ``raw`` (with its product), or None.

    Every ingestion request runs this: one prepared statement, read without the ORM compiling a
    query. Records the key's last use at most once per ``LAST_USED_RESOLUTION``.
    """
    if not raw or not raw.startswith(WRITE_KEY_PREFIX) or len(raw) > 100:
        return None
    with prepared_cursor(connection) as cursor:
        cursor.execute(_authenticate_sql(), [_hash(raw)])
        row = cursor.fetchone()
    if row is None:
        return None
    key, key.product = joined_instances(row, (WriteKey, Product), using=connection.alias)
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        WriteKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


@functools.cache
def _authenticate_sql() -> str:
    # Names from the models' metadata only; the one value is a parameter.
    return (
        f"SELECT {joined_columns((WriteKey, 'k'), (Product, 'p'))} "  # noqa: S608
        f"FROM {WriteKey._meta.db_table} k JOIN {Product._meta.db_table} p ON p.id = k.product_id "
        "WHERE k.key_hash = %s AND k.revoked_at IS NULL AND p.archived_at IS NULL"
    )
