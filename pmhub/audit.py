"""The audit trail: one helper that every app's services call to record what they changed."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from pmhub.models import AuditEvent, Product, Workspace


def audit_record(
    *,
    workspace: Workspace | None,
    actor: Any,
    action: str,
    target: Model,
    product: Product | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that ``actor`` did ``action`` (``"<noun>.<verb>"``) to ``target``.

    ``changes`` maps a field to ``[old, new]``; secrets never go in it.
    """
    return AuditEvent.objects.create(
        workspace=workspace,
        product=product,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.model_name or "",
        target_id=str(target.pk or ""),
        target_repr=str(target)[:200],
        changes=changes or {},
    )


def diff_fields(instance: Model, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """Return ``{field: [old, new]}`` for the values in ``new_values`` that differ."""
    changes: dict[str, list[Any]] = {}
    for field, new in new_values.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [_plain(old), _plain(new)]
    return changes


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# How the activity feed phrases an action; any other "<noun>.<verb>" reads as "<verb> <noun>".
PHRASES = {
    "workspace.created": "created the workspace",
    "workspace.updated": "renamed the workspace",
    "product.created": "created",
    "product.updated": "edited",
    "product.archived": "archived",
    "product.restored": "restored",
    "product.deleted": "deleted",
    "member.invited": "invited",
    "member.invitation_revoked": "revoked the invitation of",
    "member.joined": "joined as",
    "member.role_changed": "changed the role of",
    "member.removed": "removed",
    "token.created": "created the API token",
    "token.revoked": "revoked the API token",
    "write_key.created": "created the write key",
    "write_key.revoked": "revoked the write key",
    "auth.login": "logged in",
    "auth.login_failed": "failed to log in as",
}


def action_phrase(action: str) -> str:
    """Words for an audit action in the activity feed."""
    if action in PHRASES:
        return PHRASES[action]
    noun, _, verb = action.partition(".")
    return f"{verb.replace('_', ' ')} {noun}".strip()
