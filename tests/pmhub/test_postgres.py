"""pmhub.postgres: timestamptz values read by psycopg's C loader equal what Django's loader
gives, and Django's loader stays where the session is not in UTC."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.postgres import types
from psycopg.pq import Format

from pmhub.postgres import _utc_loader_class

pytestmark = pytest.mark.django_db
TIMESTAMPTZ = types["timestamptz"].oid
VALUES = """
    SELECT now(), '2026-11-22 09:30:05.123456+00'::timestamptz,
        '2026-06-01 12:00+05:30'::timestamptz, '1999-12-31 23:59:59-08'::timestamptz,
        '0001-01-01 00:00:00+00'::timestamptz, '9999-12-31 23:59:59.999999+00'::timestamptz,
        NULL::timestamptz, ARRAY['2026-01-02 03:04:05+00'::timestamptz]
"""


def _read(cursor) -> tuple:
    cursor.execute(VALUES)
    return cursor.fetchone()


def test_new_connections_read_timestamptz_with_the_c_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert loader is _utc_loader_class()
    # Django's create_cursor() keeps a loader whose timezone matches the connection's.
    assert loader.timezone == connection.timezone


def test_values_equal_djangos_loader_to_the_microsecond_and_the_tzinfo():
    connection.ensure_connection()
    with connection.cursor() as cursor:
        fast = _read(cursor)
        register_tzloader(connection.timezone, connection.connection)
        try:
            slow = _read(cursor)
        finally:
            connection.connection.adapters.register_loader("timestamptz", _utc_loader_class())
    assert fast[1:] == slow[1:]
    for value in (*fast[:6], *fast[7]):
        assert value.tzinfo is datetime.UTC
    assert fast[2] == datetime.datetime(2026, 6, 1, 6, 30, tzinfo=datetime.UTC)
    assert fast[6] is None


def test_a_session_in_another_zone_keeps_djangos_loader():
    settings = {**connection.settings_dict, "TIME_ZONE": "America/New_York"}
    other = type(connections["default"])(settings, alias="pmhub-other-zone")
    try:
        other.ensure_connection()
        loader = other.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert loader is not _utc_loader_class()
        with other.cursor() as cursor:
            cursor.execute("SELECT '2026-06-01 12:00+05:30'::timestamptz")
            (value,) = cursor.fetchone()
        # Django's loader: the same instant, in the session's zone.
        assert value.tzinfo == ZoneInfo("America/New_York")
        assert value == datetime.datetime(2026, 6, 1, 6, 30, tzinfo=datetime.UTC)
    finally:
        other.close()
