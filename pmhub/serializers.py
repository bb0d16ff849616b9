"""Serializer building blocks that every app's API reuses."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from functools import cached_property
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings
from rest_framework.utils.serializer_helpers import BindingDict

from pmhub.tenancy import scope

# django.contrib.auth's ids are 32-bit; larger numbers would reach PostgreSQL as a DataError.
MAX_ID = 2_147_483_647


def _same(value: Any) -> Any:
    return value


def _iso_datetime(field: serializers.Field) -> Callable[[Any], Any] | None:
    """For a DateTimeField shown in ISO 8601 in the current time zone (DRF's default): its
    output in one step, the zone read once a serializer. DRF looks the zone up for every value
    (~8 µs each, 150 in a list of 50 items)."""
    if type(field) is not serializers.DateTimeField or hasattr(field, "timezone"):
        return None
    if str(getattr(field, "format", api_settings.DATETIME_FORMAT)).lower() != ISO_8601:
        return None
    zone = cast("tzinfo | None", cast(serializers.DateTimeField, field).default_timezone())
    if zone is None:
        return None

    def show(value: Any) -> Any:
        if not isinstance(value, datetime) or value.tzinfo is None:
            return field.to_representation(value)  # a naive or text value: DRF's own path
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return show


# Each FieldsOnceMixin class's fields, built once a process (see FieldsOnceMixin.fields).
_FIELD_PROTOTYPES: dict[type, dict[str, serializers.Field]] = {}


class FieldsOnceMixin:
    """For a serializer on a hot path: its fields are built once per class and process, not on
    every request; a request gets shallow copies of them. DRF builds them per serializer (model
    introspection and a deep copy of every declared field), ~2 ms of a 50-row list and ~0.7 ms
    of the items list's query string (bench/backlog.py). The prototypes are built without
    context, so a field that needs the context (a hyperlink needs the request) fails loudly
    rather than reading another request's."""

    @cached_property
    def fields(self) -> BindingDict:
        prototypes = _FIELD_PROTOTYPES.get(type(self))
        if prototypes is None:
            built = serializers.Serializer.fields.func(type(self)())  # type: ignore[attr-defined]
            prototypes = _FIELD_PROTOTYPES[type(self)] = dict(built)
        serializer = cast(serializers.BaseSerializer, self)
        fields = BindingDict(serializer)
        for name, prototype in prototypes.items():
            field = copy.copy(prototype)
            # bind() refuses a second binding; the prototype's names and sources hold.
            field.parent = serializer
            fields.fields[name] = field
        return fields


class RowOutputMixin(FieldsOnceMixin):
    """For a read-only ModelSerializer whose output lists many rows at a time.

    - Its fields are built once per class and process (``FieldsOnceMixin``).
    - A field that shows a column of the row (a value, or a foreign key's id) reads it straight
      from the loaded row (a model instance, or a dict of its columns); the others (nested
      objects, many-to-many, methods) take DRF's generic path. DRF walks each field's source
      through ``get_attribute`` with callable checks: ~0.15 ms an item of 40 fields.

    The output is DRF's own (tests/pmhub/test_fast_paths.py).
    """

    Meta: Any
    _readable_fields: Any

    @cached_property
    def _row_plan(self) -> list[tuple[str, serializers.Field, str | None, Callable[[Any], Any]]]:
        """Each readable field's name, the field, the row's attribute it reads (None: DRF's
        path) and how its value is shown."""
        plan: list[tuple[str, serializers.Field, str | None, Callable[[Any], Any]]] = []
        options = self.Meta.model._meta
        for field in self._readable_fields:
            attname, show = None, field.to_representation
            column = None
            if len(field.source_attrs) == 1:
                try:
                    column = options.get_field(field.source_attrs[0])
                except FieldDoesNotExist:
                    column = None
            if column is not None and column.concrete and not column.many_to_many:
                if not column.is_relation:
                    attname = column.attname
                    show = _iso_datetime(field) or show
                elif isinstance(field, serializers.PrimaryKeyRelatedField) and not field.pk_field:
                    attname, show = column.attname, _same
            plan.append((str(field.field_name), field, attname, show))
        return plan

    def to_representation(self, instance: Model | dict[str, Any]) -> dict[str, Any]:
        # A row annotated as JSON (pmhub.expressions.JSONList) arrives as a dict.
        row = instance if isinstance(instance, dict) else instance.__dict__
        output: dict[str, Any] = {}
        for name, field, attname, show in self._row_plan:
            if attname is not None and attname in row:  # a deferred column takes DRF's path
                value = row[attname]
                output[name] = None if value is None else show(value)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            empty = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            output[name] = None if empty is None else field.to_representation(attribute)
        return output


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses keys it does not write (unknown or read-only).

    Mass assignment stays impossible: ``workspace``, ``id``, ``created_by``… in a body are a 400.
    Text fields take JSON strings only (DRF would turn ``0`` or ``1.5`` into ``"0"``/``"1.5"``),
    and their length limit holds for the string as sent, as the schema's ``maxLength`` says (DRF
    checks it after trimming surrounding whitespace, so a padded string over the limit got in).
    """

    def to_internal_value(self, data: Any) -> Any:
        too_long: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            errors = {
                str(key): ["Unknown or read-only field."] for key in data if key not in writable
            }
            for name in writable & set(data):
                value, field = data[name], self.fields[name]
                if not isinstance(field, serializers.CharField):
                    continue
                if not isinstance(value, str | None):
                    errors[name] = ["Not a valid string."]
                elif value is not None and field.max_length and len(value) > field.max_length:
                    limit = field.max_length
                    too_long[name] = [f"Ensure this field has no more than {limit} characters."]
            if errors:
                raise serializers.ValidationError(dict(sorted(errors.items())))
        try:
            validated = super().to_internal_value(data)
        except serializers.ValidationError as refused:
            if not too_long or not isinstance(refused.detail, dict):
                raise
            raise serializers.ValidationError(
                dict(sorted({**refused.detail, **too_long}.items()))
            ) from None
        if too_long:
            raise serializers.ValidationError(dict(sorted(too_long.items())))
        return validated


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class WorkspaceMemberField(serializers.IntegerField):
    """A user id that must belong to a member of the request's workspace (else a 400)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        # The id is checked as an integer (range validators) before it becomes a user.
        user_id = super().run_validation(data)
        if user_id is None:
            return None
        from pmhub.models import Membership

        membership = (
            scope(Membership.objects.select_related("user"), self.context["workspace"])
            .filter(user_id=user_id)
            .first()
        )
        if membership is None:
            raise serializers.ValidationError("No member of this workspace has this id.")
        return membership.user

    def to_representation(self, value: Any) -> Any:
        return value.pk if isinstance(value, get_user_model()) else value
