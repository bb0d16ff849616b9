"""A real Celery worker process for tests: on the test database and this run's Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from pmhub.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[1]
WAIT_SECONDS = 60  # a timeout for a stuck worker, not a performance assertion


def worker_database_url() -> str:
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

    def wait_for(self, what: str, condition: Callable[[], object]) -> None:
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

    def kill(self) -> None:
        """SIGKILL the worker and every process it started (no clean shutdown, no acks)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def running_worker(tmp_path: Path, *, purge: bool = True) -> Iterator[Worker]:
    """Start ``celery worker`` (solo pool) in its own process group; stop it afterwards."""
    if purge:
        celery_app.control.purge()  # leftovers of other tests (e.g. invitations made in them)
    mail_dir = tmp_path / f"mail-{uuid.uuid4().hex[:6]}"
    mail_dir.mkdir()
    log = tmp_path / f"worker-{uuid.uuid4().hex[:6]}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pmhub.settings.test",
        "DATABASE_URL": worker_database_url(),
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
            start_new_session=True,
        )
    started = Worker(process, log, mail_dir)
    try:
        started.wait_for("the worker to be ready", lambda: " ready." in started.output())
        yield started
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        # pytest shows captured output only when the test failed: the worker's log, then.
        print(f"--- celery worker log ---\n{started.output()}")
