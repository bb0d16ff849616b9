"""``Idempotency-Key`` on the API's ``POST`` requests, as Stripe and the IETF draft define it.

A client that may retry a ``POST`` (after a timeout, a dropped connection) sends a key of its
choice. The first request with a key runs as usual, and its answer is stored with the key in the
same transaction as the writes it made, so the two commit together or not at all. Then, for the
same API token and key:

- the same method, path and body: the stored answer is sent again (``Idempotent-Replayed:
  true``) and nothing runs;
- a different request: 422, naming the header;
- at the same moment as the first: the second waits on the key's unique index until the first
  commits, then gets its answer (or, if the first rolled back, runs itself).

Only a success (2xx) is kept. Any other answer — a refused token, a validation error, a 429, a
500 — rolls the transaction back with the key, so a retry runs again (as Stripe does: no result
is kept for a request that did not get to run).
Only requests authenticated by an API token take part (keys are scoped to the token); the
ingestion endpoints de-duplicate by ``messageId`` instead. Keys are kept for ``KEEP``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from pmhub.authentication import MalformedBearerHeader, bearer_token
from pmhub.errors import error_body
from pmhub.models import IdempotentRequest
from pmhub.tokens import hash_token

HEADER = "Idempotency-Key"
KEEP = timedelta(hours=24)
MAX_KEY = 255


def _refuse(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message, {HEADER: [message]}), status=status)


def _bearer(request: HttpRequest) -> str | None:
    try:
        return bearer_token(request)
    except MalformedBearerHeader:
        return None  # authentication answers it with a 401, and nothing is kept for a 401


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path()):
        digest.update(part.encode() + b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(stored: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(
        bytes(stored.body), status=stored.status_code, content_type=stored.content_type or None
    )
    if stored.location:
        response["Location"] = stored.location
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotencyKeyMiddleware:
    """Apply ``Idempotency-Key`` to token-authenticated ``POST`` requests under ``/api/``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith("/api/"):
            return self.get_response(request)
        raw_token = _bearer(request)
        if raw_token is None:
            return self.get_response(request)  # session requests: keys are per API token
        if not 1 <= len(key) <= MAX_KEY or not key.isprintable():
            return _refuse(400, "invalid", f"Must be 1 to {MAX_KEY} printable characters.")
        return self._once(request, hash_token(raw_token), key)

    def _once(self, request: HttpRequest, token_hash: str, key: str) -> HttpResponse:
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = IdempotentRequest.objects.create(
                        token_hash=token_hash,
                        key=key,
                        fingerprint=fingerprint,
                        status_code=0,
                        body=b"",
                    )
            except IntegrityError:
                # Used before (or by a request that committed while this one waited).
                stored = IdempotentRequest.objects.get(token_hash=token_hash, key=key)
                if stored.fingerprint != fingerprint:
                    return _refuse(
                        422,
                        "idempotency_key_reused",
                        "This key was used for a different request; use a new key.",
                    )
                return _replay(stored)
            response = self.get_response(request)
            if not 200 <= response.status_code < 300 or response.streaming:
                # Not an answer to keep: undo the claim (and any write), so a retry runs again.
                # (No API POST streams its answer.)
                transaction.set_rollback(True)
                return response
            claim.status_code = response.status_code
            claim.content_type = response.get("Content-Type", "")
            claim.location = response.get("Location", "")
            claim.body = response.content
            claim.save(update_fields=["status_code", "content_type", "location", "body"])
            return response


def idempotency_keys_expire() -> int:
    """Delete the answers kept longer than ``KEEP``; returns how many."""
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return deleted
