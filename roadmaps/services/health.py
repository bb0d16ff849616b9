"""Health updates: an owner says how an initiative or an objective is going, with a short note."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from pmhub.audit import audit_record
from pmhub.errors import ApplicationError
from pmhub.models import Product
from roadmaps.models import Health, HealthUpdate, Initiative, Objective

NOTE_MAX = HealthUpdate._meta.get_field("note").max_length or 500


@transaction.atomic
def health_update_post(
    *, subject: Initiative | Objective, actor: User, health: str, note: str = ""
) -> HealthUpdate:
    """Record ``health`` with ``note`` on ``subject`` and make it the subject's current health.

    Records ``<initiative|objective>.health_updated``.
    """
    if health not in Health.values:
        raise ApplicationError(f"Choose one of {', '.join(Health.values)}.", field="health")
    note = " ".join(str(note).split())
    if len(note) > NOTE_MAX:
        raise ApplicationError(f"Keep the update under {NOTE_MAX} characters.", field="note")
    product: Product | None
    if isinstance(subject, Initiative):
        workspace, product = subject.product.workspace, subject.product
        update = HealthUpdate(workspace=workspace, initiative=subject)
    else:
        workspace, product = subject.workspace, subject.product
        update = HealthUpdate(workspace=workspace, objective=subject)
    update.health, update.note, update.author = health, note, actor
    update.save()
    changes = {"health": [subject.health or None, health]}
    type(subject).objects.filter(pk=subject.pk).update(health=health)
    subject.health = health
    audit_record(
        workspace=workspace,
        actor=actor,
        action=f"{subject._meta.model_name}.health_updated",
        target=subject,
        product=product,
        changes=changes,
    )
    return update
