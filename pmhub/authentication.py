"""DRF authentication by personal API token: ``Authorization: Bearer pmh_...``."""

from __future__ import annotations

from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from pmhub.tokens import token_authenticate

KEYWORD = "Bearer"


class MalformedBearerHeader(ValueError):
    """An ``Authorization: Bearer`` header that does not carry exactly one token."""


def bearer_token(request: HttpRequest | Request) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` header, or None without one.

    Another scheme (``Basic``, a session request) is None too, so that other authentication can
    try. Raises ``MalformedBearerHeader`` for ``Bearer`` followed by nothing or by several words.
    The authentication class and the ``Idempotency-Key`` middleware both read the header here.
    """
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if not parts or parts[0].lower() != KEYWORD.lower():
        return None
    if len(parts) != 2:
        raise MalformedBearerHeader(f"Authorization header must be '{KEYWORD} <token>'.")
    return parts[1]


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request: Request):
        try:
            raw = bearer_token(request)
        except MalformedBearerHeader as error:
            raise exceptions.AuthenticationFailed(str(error)) from None
        if raw is None:
            return None  # not ours: let session authentication try
        token = token_authenticate(raw)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "pmhub.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "pmh_…"}
