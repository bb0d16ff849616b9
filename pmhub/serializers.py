"""Serializer building blocks that every app's API reuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers

from pmhub.tenancy import scope

# django.contrib.auth's ids are 32-bit; larger numbers would reach PostgreSQL as a DataError.
MAX_ID = 2_147_483_647


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
