"""Event ingestion endpoints (Segment's HTTP Tracking API and PostHog's capture API).

They answer exactly ``200 {"success": true}`` only once the events are committed; errors are
JSON with ``code`` and ``message``. 4xx means "this input is wrong forever", 429/503 with
Retry-After means "send it again".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from metrics import ingest
from metrics.services.events import events_store
from metrics.services.write_keys import write_key_authenticate
from metrics.tasks import request_recompute
from metrics.throttle import retry_after

logger = logging.getLogger(__name__)

# The database is down or overloaded: clients retry after this many seconds.
DATABASE_RETRY_AFTER = 5


def _error(code: str, message: str, status: int, **extra: Any) -> JsonResponse:
    response = JsonResponse(
        {"success": False, "code": code, "message": message, **extra}, status=status
    )
    if status in (429, 503):
        response["Retry-After"] = str(extra.pop("retry_after", DATABASE_RETRY_AFTER))
    return response


def _ingest(request: HttpRequest, parse: Callable[[Any, Any], ingest.Parsed]) -> JsonResponse:
    if request.method != "POST":
        return _error("method_not_allowed", "Send events with POST.", 405)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if declared.isdigit() and int(declared) > ingest.MAX_REQUEST_BYTES:
        return _error("request_too_large", "The request is over 500 KB.", 413)
    received_at = timezone.now()
    header_key = ingest.basic_auth_user(request.headers.get("Authorization", ""))
    try:
        body = ingest.read_body(request.body, request.headers.get("Content-Encoding", ""))
        parsed = parse(body, received_at)
    except ingest.RequestError as error:
        return _error(error.code, error.message, error.status)
    try:
        key = write_key_authenticate(header_key or parsed.write_key)
        if key is None:
            return _error("invalid_write_key", "Unknown or revoked write key.", 401)
        wait = retry_after(key.pk)
        if wait:
            return _error(
                "rate_limited", "Too many requests for this write key.", 429, retry_after=wait
            )
        stored = events_store(
            product=key.product, messages=parsed.messages, refusals=parsed.refusals
        )
        if stored.accepted:
            request_recompute(key.product_id)  # after the commit: events_store has returned
    except (OperationalError, InterfaceError) as exc:
        logger.warning("ingestion unavailable: %s", exc)
        return _error("unavailable", "The event store is unavailable; retry later.", 503)
    rejected = [refusal.as_json() for refusal in parsed.refusals]
    if stored.accepted == 0 and rejected:
        return _error("invalid_messages", rejected[0]["reason"], 400, accepted=0, rejected=rejected)
    answer: dict[str, Any] = {"success": True}
    if rejected:
        answer |= {"accepted": stored.accepted, "rejected": rejected}
    return JsonResponse(answer)


@csrf_exempt
def segment(request: HttpRequest, kind: str) -> JsonResponse:
    """``POST /v1/<batch|track|identify|page|screen|group|alias>``."""
    return _ingest(
        request,
        lambda body, received_at: ingest.parse_segment(
            body, path_type=kind, received_at=received_at
        ),
    )


@csrf_exempt
def posthog(request: HttpRequest) -> JsonResponse:
    """``POST /batch/``, ``/capture/``, ``/i/v0/e/`` (PostHog's SDKs)."""
    return _ingest(
        request, lambda body, received_at: ingest.parse_posthog(body, received_at=received_at)
    )
