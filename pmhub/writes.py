"""The write path every app's services share: set fields, check the rules, save, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import models

from pmhub.audit import audit_record, diff_fields
from pmhub.errors import ApplicationError
from pmhub.models import Membership, Product, Workspace

M = TypeVar("M", bound=models.Model)


def reject_unknown(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:  # a programming error (views pass validated fields), not a user's
        raise TypeError(f"unknown fields: {', '.join(sorted(unknown))}")


def change_and_audit(
    instance: M,
    actor: User | None,
    fields: dict[str, Any],
    *,
    check: Callable[[M], None],
    action: str,
    workspace: Workspace,
    product: Product | None,
) -> M:
    """Set ``fields`` on ``instance``, check its rules, save it and record ``action`` (a new,
    unsaved ``instance`` with no ``fields`` is created the same way)."""
    changes = diff_fields(instance, fields) if instance.pk else {}
    before = {name: getattr(instance, name) for name in fields}
    for name, value in fields.items():
        setattr(instance, name, value)
    try:
        check(instance)
    except ApplicationError:
        for name, value in before.items():  # a refused change leaves the caller's object as it was
            setattr(instance, name, value)
        raise
    instance.save()
    audit_record(
        workspace=workspace,
        actor=actor,
        action=action,
        target=instance,
        product=product,
        changes=changes,
    )
    return instance


def check_owner(workspace: Workspace, owner: User | None) -> None:
    if (
        owner is not None
        and not Membership.objects.filter(workspace=workspace, user=owner).exists()
    ):
        raise ApplicationError("The owner must be a member of this workspace.", field="owner")


def delete_and_audit(
    instance: models.Model,
    actor: User,
    *,
    action: str,
    workspace: Workspace,
    product: Product | None,
) -> None:
    """Delete ``instance`` and record ``action`` (the record keeps its id and name)."""
    audit_record(workspace=workspace, actor=actor, action=action, target=instance, product=product)
    instance.delete()


def check_title(value: str, what: str, *, field: str = "title") -> None:
    if not isinstance(value, str) or not value.strip():
        raise ApplicationError(f"Give the {what} a {field.replace('_', ' ')}.", field=field)
