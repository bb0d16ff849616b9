"""Shared test setup: real PostgreSQL and Redis, and small factories built on the services."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest


def _reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once, naming the URL and the fix, when PostgreSQL or Redis does not answer."""
    from django.conf import settings

    database_url = os.environ["DATABASE_URL"]
    redis_url = os.environ["REDIS_URL"]
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.exit(f"The tests need PostgreSQL; DATABASE_URL is {database_url}", returncode=3)
    problems = []
    if not _reachable(database_url, 5432):
        problems.append(
            f"PostgreSQL is not answering at DATABASE_URL={database_url}.\n"
            "  Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    if not _reachable(redis_url, 6379):
        problems.append(
            f"Redis is not answering at REDIS_URL={redis_url}.\n"
            "  Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''"
        )
    if problems:
        pytest.exit("\n".join(problems), returncode=3)


@pytest.fixture
def make_member(db):
    """``make_member(workspace, role, username=None)`` → a user with that role there."""
    from tests.factories import make_member

    return make_member


@pytest.fixture
def tenant_a(db):
    from tests.factories import make_tenant

    return make_tenant("Alpha")


@pytest.fixture
def tenant_b(db):
    from tests.factories import make_tenant

    return make_tenant("Bravo")


@pytest.fixture
def api_as(db):
    """``api_as(user, workspace, read_only=False)`` → an APIClient sending that user's token."""
    from tests.factories import api_client

    return api_client
