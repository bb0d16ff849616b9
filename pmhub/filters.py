"""Query-string filter building blocks that every app's API reuses.

django-filter's own boolean and number filters are lenient: ``?archived=maybe`` is silently
ignored and ``?product=1.5`` reaches the database. These refuse such input with a 400 naming the
parameter, and their OpenAPI types say exactly what they accept.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

from pmhub.serializers import MAX_ID


class _StrictBooleanField(forms.NullBooleanField):
    # A text widget hands clean() the raw value; NullBooleanSelect maps anything unknown to None.
    widget = forms.TextInput

    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value in (None, ""):
            return None
        if value in (True, "true", "True", "1"):
            return True
        if value in (False, "false", "False", "0"):
            return False
        raise forms.ValidationError("Enter true or false.", code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    """``?name=true|false``; any other value is a 400."""

    field_class = _StrictBooleanField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An object id: a whole number from 1 to ``MAX_ID``; anything else is a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class _UtcDateTimeField(forms.DateTimeField):
    """An ISO 8601 date-time, converted to UTC: PostgreSQL refuses offsets beyond ±15:59."""

    def to_python(self, value: Any) -> Any:
        parsed = django_filters.fields.IsoDateTimeField().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Enter a date-time between years 1 and 9999.") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """``?since=2026-01-31T12:00:00+01:00``: any valid ISO 8601 offset, compared in UTC."""

    field_class = _UtcDateTimeField
