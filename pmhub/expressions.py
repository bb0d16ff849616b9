"""Query expressions that Django does not ship, for the databases pmhub runs on."""

from __future__ import annotations

from typing import Any

from django.db import NotSupportedError
from django.db.models import Func, JSONField, QuerySet, Subquery


class JSONList(Subquery):
    """The values of a one-column subquery as a JSON list, in the subquery's order; ``[]`` when
    it has no rows.

    Lets a list read what each row links to (its labels, the ids of its children) in the list's
    own query, instead of one more query per link: each costs a list page ~1 ms of SQL
    compilation and a round trip (bench/backlog.py). The column may be a value or an object
    built with ``JSONObject``.
    """

    output_field = JSONField()

    def __init__(self, queryset: QuerySet[Any], **extra: Any) -> None:
        columns = [*queryset.query.values_select, *queryset.query.annotation_select]
        if len(columns) != 1:
            raise ValueError(f"JSONList takes a subquery of one column, not {columns}.")
        self.column = columns[0]
        super().__init__(queryset, **extra)

    def as_sql(self, compiler, connection, template=None, **extra_context):  # type: ignore[no-untyped-def]
        if template is None:
            raise NotSupportedError(f"JSONList has no SQL for {connection.vendor}.")
        return super().as_sql(compiler, connection, template=template, **extra_context)  # type: ignore[call-arg]

    def as_postgresql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        # ARRAY(subquery) keeps the subquery's ORDER BY (an aggregate over it need not).
        template = "to_jsonb(ARRAY(%(subquery)s))"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        # json(): a JSON object read back from a subquery is text again to SQLite. The column
        # is the subquery's own, named in code and quoted.
        column = connection.ops.quote_name(self.column)
        template = f"(SELECT json_group_array(json({column})) FROM (%(subquery)s))"  # noqa: S608
        return self.as_sql(compiler, connection, template=template, **extra_context)


class SQLJSONList(Func):
    """What ``JSONList`` reads, from a correlated subquery written in SQL: a JSON list of
    ``value`` (SQL of one element, or ``fields``: an object of named SQL columns) over ``rows``,
    the subquery's ``FROM … WHERE … ORDER BY`` with ``%(expressions)s`` where the outer row's
    column goes. Use it as ``Subclass("pk")``; Django places the outer column, aliases and all.

    For the lists that every row of a busy page reads: Django resolves and compiles a
    queryset subquery on each request, which cost the backlog's API list 1.5 ms of its 17
    (bench/backlog.py), where this is one column to place.
    """

    output_field = JSONField()
    arity = 1
    value = ""
    fields: dict[str, str] = {}
    rows = ""

    def _element(self, build_object: str) -> str:
        if not self.fields:
            return self.value
        pairs = ", ".join(f"'{name}', {column}" for name, column in self.fields.items())
        return f"{build_object}({pairs})"

    def as_sql(  # type: ignore[no-untyped-def]
        self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context
    ):
        if template is None:
            raise NotSupportedError(f"{type(self).__name__} has no SQL for {connection.vendor}.")
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        # ARRAY(subquery) keeps the subquery's ORDER BY, as in JSONList.
        element = self._element("jsonb_build_object")
        template = f"to_jsonb(ARRAY(SELECT {element} {self.rows}))"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):  # type: ignore[no-untyped-def]
        element = self._element("json_object")
        template = f"(SELECT json_group_array(json(v)) FROM (SELECT {element} AS v {self.rows}))"  # noqa: S608
        return self.as_sql(compiler, connection, template=template, **extra_context)
