"""PostgreSQL connection set-up that Django's backend leaves slow, and prepared statements.

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
from collections.abc import Sequence
from typing import Any

from django.db.backends.signals import connection_created
from django.db.models import Model


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


def prepared_cursor(connection: Any) -> Any:
    """A Django cursor on ``connection`` whose statements PostgreSQL parses and plans once per
    connection, for the few fixed statements that nearly every request runs (API token
    authentication: planning its four-table join took 0.25 ms, running it 0.04 ms).

    Django's cursors bind parameters on the client, and psycopg never prepares those; this one
    binds them on the server and prepares what it runs. It goes through Django's wrappers like
    any cursor (errors, execute wrappers, the query log that tests count). On SQLite, or with
    prepared statements turned off (``DB_PREPARED_STATEMENTS=0``, for a transaction-mode
    pooler), it is an ordinary cursor.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    if connection.connection.prepare_threshold is None:
        return connection.cursor()
    raw = _preparing_cursor_class()(connection.connection)
    connection.validate_thread_sharing()
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


@functools.cache
def _preparing_cursor_class() -> type:
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]  # psycopg 3 only
        ServerBindingCursor,
    )

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs.setdefault("prepare", True)
            return super().execute(query, params, **kwargs)

        def _send_query_prepared(self, name: bytes, pgq: Any, **kwargs: Any) -> None:
            # psycopg remembers the query text only when it runs unprepared; Django's query log
            # (last_executed_query) reads it from there.
            self._query = pgq
            super()._send_query_prepared(name, pgq, **kwargs)

    return PreparingCursor


def joined_columns(*aliased: tuple[type[Model], str]) -> str:
    """The SELECT list of every concrete column of each ``(model, table alias)``, in order.

    With :func:`joined_instances`, a fixed statement written once (and prepared by
    :func:`prepared_cursor`) reads joined rows as model instances without the ORM compiling a
    query on each request.
    """
    return ", ".join(
        f'{alias}."{field.column}"' for model, alias in aliased for field in _fields(model)
    )


def joined_instances(row: Sequence[Any], models: Sequence[type[Model]], *, using: str) -> list:
    """Split one row read with :func:`joined_columns` into an instance per model (``from_db``);
    a model whose columns are all NULL (a LEFT JOIN that found nothing) gives None."""
    instances, at = [], 0
    for model in models:
        names = [field.attname for field in _fields(model)]
        values = row[at : at + len(names)]
        at += len(names)
        present = any(value is not None for value in values)
        instances.append(model.from_db(using, names, values) if present else None)
    return instances


def _fields(model: type[Model]) -> list:
    return model._meta.concrete_fields  # type: ignore[return-value]
