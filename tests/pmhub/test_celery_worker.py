"""A real Celery worker process sends invitation emails through Redis, once.

The worker is a subprocess on the test database that pytest-django created; its mail goes to
files, so the test reads what a person would receive.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from pmhub import services
from pmhub.celery import app as celery_app
from pmhub.models import Invitation
from pmhub.services import invitation_key
from pmhub.tasks import invitation_send
from tests.factories import make_tenant

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60  # a timeout for a stuck worker, not a performance assertion


def _test_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path, mail_dir: Path) -> None:
        self.process = process
        self.log = log
        self.mail_dir = mail_dir

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, what: str, condition) -> None:
        """Poll ``condition()`` until true; fail with the worker's log after WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(f"The worker exited ({self.process.returncode}):\n{self.output()}")
            time.sleep(0.2)
        pytest.fail(f"Timed out waiting for {what}. Worker log:\n{self.output()}")

    def emails(self) -> list:
        return [message_from_bytes(p.read_bytes()) for p in sorted(self.mail_dir.glob("*.log"))]


@pytest.fixture
def worker(transactional_db, tmp_path) -> Iterator[Worker]:
    """A ``celery worker`` process on the test database and this run's Redis, empty queue."""
    celery_app.control.purge()  # leftovers of other tests (e.g. invitations made in them)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pmhub.settings.test",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "pmhub",
                "worker",
                "--loglevel=info",
                "--concurrency=1",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--hostname",
                f"test-{uuid.uuid4().hex[:8]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    started = Worker(process, log, mail_dir)
    try:
        started.wait_for("the worker to be ready", lambda: " ready." in started.output())
        yield started
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        # pytest shows captured output only when the test failed: the worker's log, then.
        print(f"--- celery worker log ---\n{started.output()}")


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
