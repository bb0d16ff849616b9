"""Celery tasks of the core domain. Each takes ids, calls one service, and is idempotent."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from pmhub import idempotency
from pmhub.models import Invitation
from pmhub.services import invitation_key


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def invitation_send(self, invitation_id: int) -> bool:
    """Email the invitation link once; a second run (redelivery, sweep) sends nothing.

    Returns whether an email went out.
    """
    with transaction.atomic():
        invitation = (
            # Lock only the invitation: invited_by is a nullable (outer) join, which
            # PostgreSQL refuses to lock.
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("workspace", "invited_by")
            .filter(pk=invitation_id, sent_at__isnull=True)
            .first()
        )
        if invitation is None or not invitation.is_open:
            return False
        link = settings.PMHUB_BASE_URL.rstrip("/") + reverse(
            "invitation-accept", args=[invitation_key(invitation)]
        )
        context = {"invitation": invitation, "link": link}
        try:
            send_mail(
                subject=f"You are invited to {invitation.workspace.name} on pmhub",
                message=render_to_string("pmhub/email/invitation.txt", context),
                from_email=None,
                recipient_list=[invitation.email],
            )
        except OSError as exc:  # SMTP down: try again later, the row stays unsent
            raise self.retry(exc=exc) from exc
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at"])
    return True


@shared_task
def invitations_send_pending() -> int:
    """Re-enqueue open invitations whose email never went out (a lost on-commit trigger)."""
    cutoff = timezone.now() - timedelta(minutes=2)
    ids = list(
        Invitation.objects.filter(
            sent_at__isnull=True,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            created_at__lt=cutoff,
        ).values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        invitation_send.delay(pk)
    return len(ids)


@shared_task
def idempotency_keys_expire() -> int:
    """Delete the API answers kept for ``Idempotency-Key`` retries once past their day."""
    return idempotency.idempotency_keys_expire()
