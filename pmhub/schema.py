"""OpenAPI generation: every operation documents the shared error format for its 4xx answers,
and every POST its optional ``Idempotency-Key`` header."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer of the API."""

    code = serializers.CharField(help_text="Machine-readable reason, e.g. `invalid`, `not_found`.")
    message = serializers.CharField(help_text="What went wrong, naming the fields at fault.")
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Problems per input field (dotted path for nested input).",
    )


_ERRORS = {
    "400": "Invalid input; `fields` names each problem.",
    "401": "Missing, invalid, expired or revoked credentials.",
    "403": "Your role (or a read-only token) does not allow this.",
    "404": "No such object in your workspace.",
}
_IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "Any unique string (a UUID): a retry with the same key and request gets the "
    "first successful answer again (`Idempotent-Replayed: true`) and writes nothing; the key "
    "with another request is a 422. Keys belong to the API token and last a day.",
}


class PmhubAutoSchema(AutoSchema):
    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        # StrictSerializer answers 400 to keys it does not know: say so in the request schema.
        from pmhub.serializers import StrictSerializer  # imports the models; keep this module light

        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False
        return schema

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            # ``?since=`` is the same as leaving it out (filters and paging ignore empty values).
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        if self.method == "POST":
            parameters.append(dict(_IDEMPOTENCY_KEY))
        return parameters

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(_ERRORS)
        if self.method == "POST":
            errors["422"] = "The `Idempotency-Key` was used for a different request."
        for code, description in errors.items():
            if code == "400" and self.method == "GET" and not self._is_list_view():
                continue
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = description
                responses[code] = response
        return responses
