"""A real Celery worker process sends invitation emails through Redis, once.

The worker is a subprocess on the test database that pytest-django created; its mail goes to
files, so the test reads what a person would receive.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings

from pmhub import services
from pmhub.models import Invitation
from pmhub.services import invitation_key
from pmhub.tasks import invitation_send
from tests.celery_worker import Worker, running_worker
from tests.factories import make_tenant

pytestmark = pytest.mark.slow


@pytest.fixture
def worker(transactional_db, tmp_path) -> Iterator[Worker]:
    """A ``celery worker`` process on the test database and this run's Redis, empty queue."""
    with running_worker(tmp_path) as started:
        yield started


def test_worker_sends_the_invitation_email_once(worker):
    tenant = make_tenant("Acme")
    invitation = services.invitation_create(
        workspace=tenant.workspace, actor=tenant.owner, email="new.pm@example.com", role="editor"
    )  # commits, then enqueues invitation_send through Redis

    def sent() -> bool:
        invitation.refresh_from_db()
        return invitation.sent_at is not None

    worker.wait_for("the invitation email", sent)
    link = settings.PMHUB_BASE_URL.rstrip("/") + f"/invitations/{invitation_key(invitation)}/"
    [email] = worker.emails()
    assert email["To"] == "new.pm@example.com"
    assert "Acme" in email["Subject"]
    assert link in email.get_payload(decode=True).decode()
    first_sent_at = invitation.sent_at

    # A redelivery of the same task (or the pending sweep) finds it sent and does nothing.
    again = invitation_send.apply_async(args=[invitation.pk], task_id=str(uuid.uuid4()))
    worker.wait_for(
        "the second run to finish",
        lambda: f"[{again.id}] succeeded" in worker.output(),
    )
    [line] = [ln for ln in worker.output().splitlines() if f"[{again.id}] succeeded" in ln]
    assert line.endswith(": False")  # the task's "did an email go out?"
    assert len(worker.emails()) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at == first_sent_at
    assert Invitation.objects.get(pk=invitation.pk).sent_at == first_sent_at
