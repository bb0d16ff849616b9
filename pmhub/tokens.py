"""Personal API tokens: generation, hashing, creation, revocation and lookup.

A token looks like ``pmh_<32 random url-safe characters>``. Only its SHA-256 is stored (it has
256 bits of entropy, so a slow password hash adds nothing) with the first characters as a prefix
people can recognise it by.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from pmhub.audit import audit_record
from pmhub.capabilities import Action, role_can
from pmhub.errors import ApplicationError
from pmhub.models import ApiToken, Membership, Workspace
from pmhub.postgres import joined_columns, joined_instances, prepared_cursor

User = get_user_model()

TOKEN_PREFIX = "pmh_"
VISIBLE_CHARS = 12
# Write last_used_at at most this often so that a busy integration doesn't write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(
    *,
    user,
    workspace: Workspace,
    name: str,
    read_only: bool = False,
    expires_at: datetime | None = None,
    actor=None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user`` in ``workspace``; return it and the raw key (shown once).

    Records ``token.created`` in the audit trail (never the key).
    """
    membership = Membership.objects.filter(user=user, workspace=workspace).first()
    if membership is None:
        raise ApplicationError(f"{user} is not a member of {workspace}.", field="user")
    if not name.strip():
        raise ApplicationError("Give the token a name.", field="name")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError("The expiry must be in the future.", field="expires_at")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(24)
    token = ApiToken.objects.create(
        user=user,
        workspace=workspace,
        name=name.strip(),
        prefix=raw[:VISIBLE_CHARS],
        key_hash=hash_token(raw),
        read_only=read_only,
        expires_at=expires_at,
    )
    audit_record(
        workspace=workspace,
        actor=actor or user,
        action="token.created",
        target=token,
        changes={"read_only": [None, read_only]},
    )
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke ``token`` (idempotent); records ``token.revoked``."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(workspace=token.workspace, actor=actor, action="token.revoked", target=token)
    return token


def token_authenticate(raw: str) -> ApiToken | None:
    """Return the active token for ``raw`` with ``.membership`` loaded, or None.

    A revoked or expired token, or one whose user left the workspace, authenticates nobody.
    """
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = _token_with_membership(hash_token(raw))
    if token is None or not token.is_active or not token.user.is_active:
        return None
    membership = token.membership  # type: ignore[attr-defined]
    if membership is None or not role_can(membership.role, Action.WORKSPACE_VIEW):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


# Every API request authenticates: the token, its user, its workspace and the user's membership
# there are read by one statement written once, rather than by ORM queries compiled on each
# request (the ORM's compilation cost more CPU than PostgreSQL's work here).
_AUTH_MODELS = (ApiToken, User, Workspace, Membership)


@functools.cache
def _auth_sql() -> str:
    columns = joined_columns((ApiToken, "t"), (User, "u"), (Workspace, "w"), (Membership, "m"))
    # Names from the models' metadata only; the one value is a parameter.
    return (
        f"SELECT {columns} FROM {ApiToken._meta.db_table} t "  # noqa: S608
        f"JOIN {User._meta.db_table} u ON u.id = t.user_id "
        f"JOIN {Workspace._meta.db_table} w ON w.id = t.workspace_id "
        f"LEFT JOIN {Membership._meta.db_table} m "
        "ON m.user_id = t.user_id AND m.workspace_id = t.workspace_id "
        "WHERE t.key_hash = %s"
    )


def _token_with_membership(key_hash: str) -> ApiToken | None:
    """The token with this hash, ``.user`` and ``.workspace`` loaded and ``.membership`` set (None
    when the user is not a member of the token's workspace); None for an unknown hash."""
    with prepared_cursor(connection) as cursor:
        cursor.execute(_auth_sql(), [key_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    token, token.user, token.workspace, membership = joined_instances(
        row, _AUTH_MODELS, using=connection.alias
    )
    if membership is not None:  # the LEFT JOIN found the user's membership
        membership.user, membership.workspace = token.user, token.workspace
    token.membership = membership  # type: ignore[attr-defined]
    return token
