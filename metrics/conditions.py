"""Conditions a metric puts on events: on an event property, or on the person's traits.

A condition is ``{"on": "property" | "trait", "key": str, "op": str, "value": ...}`` with ``op``
one of ``eq``, ``neq``, ``contains``, ``gt``, ``lt``, ``is_set``. Every condition must hold.
Semantics, the same in SQL and in Python:
- ``eq``: the JSON value equals ``value`` exactly (``5`` is not ``"5"``); ``neq`` is its opposite,
  so an event without the key is "not equal";
- ``contains``: the value's text contains ``value``, ignoring case;
- ``gt``/``lt``: the value is a JSON number greater/less than ``value``;
- ``is_set``: the key is present and not null.
A trait is the person's trait now (identify's latest value), not at the time of the event.
"""

from __future__ import annotations

import json
from typing import Any

from metrics.models import Person
from pmhub.errors import ApplicationError

OPS = ("eq", "neq", "contains", "gt", "lt", "is_set")
MAX_CONDITIONS = 10
Condition = tuple[str, str, str, str]  # (on, key, op, value as JSON): hashable, for Selection


def validate(raw: Any) -> list[dict[str, Any]]:
    """Return the conditions in canonical form, or refuse them naming ``filters``."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CONDITIONS:
        raise ApplicationError(
            f"filters must be a list of at most {MAX_CONDITIONS} conditions.", field="filters"
        )
    clean = []
    for index, item in enumerate(raw):
        where = f"filters.{index}"
        if not isinstance(item, dict) or set(item) - {"on", "key", "op", "value"}:
            raise ApplicationError(f"{where}: use on, key, op and value.", field="filters")
        on, key, op = item.get("on", "property"), item.get("key"), item.get("op")
        if on not in ("property", "trait"):
            raise ApplicationError(f"{where}.on must be property or trait.", field="filters")
        if not isinstance(key, str) or not key or len(key) > 200:
            raise ApplicationError(f"{where}.key must name a property or trait.", field="filters")
        if op not in OPS:
            raise ApplicationError(f"{where}.op must be one of {', '.join(OPS)}.", field="filters")
        value = item.get("value")
        if op in ("gt", "lt") and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise ApplicationError(f"{where}.value must be a number.", field="filters")
        if op == "contains" and not isinstance(value, str):
            raise ApplicationError(f"{where}.value must be text.", field="filters")
        if op == "is_set":
            value = None
        clean.append({"on": on, "key": key, "op": op, "value": value})
    return clean


def frozen(conditions: list[dict[str, Any]] | None) -> tuple[Condition, ...]:
    return tuple(
        (c["on"], c["key"], c["op"], json.dumps(c.get("value"), sort_keys=True))
        for c in conditions or []
    )


def matches(conditions: tuple[Condition, ...], properties: dict, traits: dict) -> bool:
    """Whether an event with ``properties`` by a person with ``traits`` meets every condition."""
    for on, key, op, encoded in conditions:
        source = properties if on == "property" else traits
        present = key in source and source[key] is not None
        actual = source.get(key)
        value = json.loads(encoded)
        if op == "is_set":
            ok = present
        elif op == "eq":
            ok = key in source and _same(actual, value)
        elif op == "neq":
            ok = not (key in source and _same(actual, value))
        elif op == "contains":
            ok = present and value.lower() in _text(actual).lower()
        else:
            number = isinstance(actual, (int, float)) and not isinstance(actual, bool)
            ok = number and (actual > value if op == "gt" else actual < value)
        if not ok:
            return False
    return True


def _same(a: Any, b: Any) -> bool:
    """JSON equality as jsonb compares: 1 equals 1.0, true is not 1, "1" is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _text(value: Any) -> str:
    # As PostgreSQL's ->> shows a JSON value as text.
    if isinstance(value, str):
        return value
    return json.dumps(value)


def sql(conditions: tuple[Condition, ...], params: dict[str, Any]) -> str:
    """SQL for the rollup query (``e`` the event, ``p`` the canonical person); adds params."""
    parts = []
    for index, (on, key, op, encoded) in enumerate(conditions):
        column = "e.properties" if on == "property" else "p.traits"
        k, v = f"c{index}_key", f"c{index}_value"
        params[k] = key
        if op == "is_set":
            parts.append(
                f"({column} -> %({k})s) IS NOT NULL AND jsonb_typeof({column} -> %({k})s) <> 'null'"
            )
        elif op == "eq":
            params[v] = encoded
            parts.append(f"({column} -> %({k})s) = %({v})s::jsonb")
        elif op == "neq":
            params[v] = encoded
            parts.append(f"({column} -> %({k})s) IS DISTINCT FROM %({v})s::jsonb")
        elif op == "contains":
            params[v] = "%" + _escape_like(json.loads(encoded)) + "%"
            parts.append(
                f"jsonb_typeof({column} -> %({k})s) <> 'null' "
                f"AND ({column} ->> %({k})s) ILIKE %({v})s"
            )
        else:
            params[v] = json.loads(encoded)
            sign = ">" if op == "gt" else "<"
            parts.append(
                f"jsonb_typeof({column} -> %({k})s) = 'number' "
                f"AND ({column} ->> %({k})s)::float8 {sign} %({v})s"
            )
    return "".join(f" AND {part}" for part in parts)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def uses_traits(conditions: tuple[Condition, ...]) -> bool:
    return any(on == "trait" for on, *_ in conditions)


def traits_for(product_id: int, conditions: tuple[Condition, ...]) -> dict[int, dict]:
    """The product's persons' traits by id, when ``conditions`` read traits (else empty; persons
    merged away have none)."""
    if not uses_traits(conditions):
        return {}
    return dict(Person.objects.filter(product_id=product_id).values_list("pk", "traits"))
