"""PostgreSQL connection set-up that Django's backend leaves slow.

Django reads every ``timestamptz`` through a Python subclass of psycopg's *pure-Python* loader
(``BaseTzLoader``, to force the tzinfo), even when psycopg's C extension is installed: about
3 µs a value against 0.4 µs, and a list of 50 items reads 150 of them (Django ticket #36960,
psycopg issue #1273; the C loader cannot be subclassed). When the session's time zone is UTC —
Django's own setting with ``USE_TZ`` — the C loader already returns ``datetime.timezone.utc``
times, so pmhub registers it on each new connection behind a small class that still answers
Django's ``timezone`` check.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

from django.db.backends.signals import connection_created


@functools.cache
def _utc_loader_class() -> type | None:
    """A loader class for ``timestamptz`` that loads through psycopg's C loader, or None when
    psycopg runs without its C extension (nothing to gain)."""
    from psycopg import adapters
    from psycopg.adapt import Loader
    from psycopg.types.datetime import TimestamptzLoader

    fast = adapters._get_optimised(TimestamptzLoader)
    if fast is TimestamptzLoader:
        return None

    class UtcTimestamptzLoader(Loader):
        # What Django's create_cursor() compares before it re-registers its own loader.
        timezone = datetime.UTC

        def __init__(self, oid: int, context: Any = None) -> None:
            super().__init__(oid, context)
            # An instance attribute: psycopg's row loader calls the C method directly.
            self.load = fast(oid, context).load  # type: ignore[method-assign]

        def load(self, data: Any) -> datetime.datetime:  # replaced per instance above
            raise NotImplementedError

    return UtcTimestamptzLoader


def _install(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Read the new connection's ``timestamptz`` values with the C loader when its session
    time zone is UTC (with any other zone, Django's loader stays)."""
    if connection.vendor != "postgresql" or connection.timezone is not datetime.UTC:
        return
    if connection.connection.info.parameter_status("TimeZone") not in ("UTC", "Etc/UTC"):
        return
    loader = _utc_loader_class()
    if loader is not None:
        connection.connection.adapters.register_loader("timestamptz", loader)


def connect_signals() -> None:
    connection_created.connect(_install, dispatch_uid="pmhub-postgres-timestamptz")
