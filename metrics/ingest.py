"""Parsing and validation of incoming analytics messages (Segment's and PostHog's formats).

Pure functions: bytes and headers in, normalized ``Message`` objects and ``Refusal``s out. Limits
follow Segment's: 500 KB per request (after decompression) and 32 KB per message.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from django.utils.dateparse import parse_datetime

MAX_REQUEST_BYTES = 500 * 1024
MAX_MESSAGE_BYTES = 32 * 1024
MAX_MESSAGE_ID = 100
MAX_ID = 255
MAX_NAME = 200
MESSAGE_TYPES = ("track", "identify", "page", "screen", "group", "alias")


class RequestError(Exception):
    """The request as a whole is unusable: answered with a 4xx, nothing stored."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class Refusal:
    """One message of a request that was refused, and why."""

    index: int
    code: str
    reason: str
    message_id: str = ""
    excerpt: str = ""

    def as_json(self) -> dict[str, Any]:
        body = {"index": self.index, "code": self.code, "reason": self.reason}
        if self.message_id:
            body["messageId"] = self.message_id
        return body


@dataclass(slots=True)
class Message:
    """A valid message, normalized; ``timestamp`` is already corrected for the client's clock."""

    message_id: str
    type: str
    timestamp: datetime
    received_at: datetime
    user_id: str = ""
    anonymous_id: str = ""
    previous_id: str = ""
    name: str = ""
    original_timestamp: datetime | None = None
    sent_at: datetime | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    traits: dict[str, Any] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Parsed:
    """What a request carried: its write key (if in the body), valid messages, refusals."""

    write_key: str
    messages: list[Message]
    refusals: list[Refusal]


class _Invalid(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# --- Bodies ---------------------------------------------------------------------------------------


def read_body(raw: bytes, content_encoding: str) -> Any:
    """Decompress (gzip) and decode a JSON body within the request limit."""
    encoding = (content_encoding or "").strip().lower()
    if encoding == "gzip":
        raw = gunzip(raw)
    elif encoding not in ("", "identity"):
        raise RequestError(
            "unsupported_encoding", f"Content-Encoding {encoding!r} is not supported.", status=415
        )
    if len(raw) > MAX_REQUEST_BYTES:
        raise RequestError(
            "request_too_large", f"The request is over {MAX_REQUEST_BYTES // 1024} KB.", status=413
        )
    try:
        # orjson: the hot path's parser; it refuses NaN/Infinity (jsonb would) and deep nesting.
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError("invalid_json", "The body is not valid JSON.") from None


def gunzip(raw: bytes) -> bytes:
    """Gunzip ``raw``, refusing output beyond the request limit (no decompression bombs)."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = decompressor.decompress(raw, MAX_REQUEST_BYTES + 1)
    except zlib.error:
        raise RequestError("invalid_gzip", "The body is not valid gzip.") from None
    if len(out) > MAX_REQUEST_BYTES or decompressor.unconsumed_tail:
        raise RequestError(
            "request_too_large",
            f"The request is over {MAX_REQUEST_BYTES // 1024} KB once decompressed.",
            status=413,
        )
    if not decompressor.eof:
        raise RequestError("invalid_gzip", "The gzip body is truncated.")
    return out


def basic_auth_user(header: str) -> str:
    """The user name of an HTTP Basic ``Authorization`` header (Segment: the write key)."""
    scheme, _, credentials = (header or "").partition(" ")
    if scheme.lower() != "basic" or not credentials:
        return ""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""
    return decoded.partition(":")[0]


# --- Segment --------------------------------------------------------------------------------------


def parse_segment(body: Any, *, path_type: str, received_at: datetime) -> Parsed:
    """Parse a Segment body: ``path_type`` is ``batch`` or the type its path names."""
    if not isinstance(body, dict):
        raise RequestError("invalid_body", "The body must be a JSON object.")
    write_key = body.get("writeKey")
    items: list[tuple[Any, str | None]]
    shared_context: dict[str, Any] = {}
    if path_type == "batch":
        batch = body.get("batch")
        if not isinstance(batch, list):
            raise RequestError("invalid_batch", "batch must be a list of messages.")
        shared_sent_at = _shared_timestamp(body, "sentAt")
        if isinstance(body.get("context"), dict):
            shared_context = body["context"]
            if _NUL in encode_json(shared_context):
                raise RequestError("invalid_field", "context contains a NUL character.")
        items = [(msg, None) for msg in batch]
    else:
        shared_sent_at = None
        items = [(body, path_type)]
    messages: list[Message] = []
    refusals: list[Refusal] = []
    for index, (item, forced_type) in enumerate(items):
        try:
            messages.append(
                _segment_message(item, forced_type, shared_sent_at, shared_context, received_at)
            )
        except _Invalid as invalid:
            refusals.append(_refusal(index, item, invalid))
    return Parsed(
        write_key=write_key if isinstance(write_key, str) else "",
        messages=messages,
        refusals=refusals,
    )


def _segment_message(
    raw: Any,
    forced_type: str | None,
    shared_sent_at: datetime | _Invalid | None,
    shared_context: dict,
    received_at: datetime,
) -> Message:
    if not isinstance(raw, dict):
        raise _Invalid("invalid_message", "A message must be a JSON object.")
    kind = forced_type or raw.get("type")
    if kind not in MESSAGE_TYPES:
        raise _Invalid("invalid_type", f"type must be one of {', '.join(MESSAGE_TYPES)}.")
    user_id = _identifier(raw, "userId")
    anonymous_id = _identifier(raw, "anonymousId")
    previous_id = _identifier(raw, "previousId")  # alias; PostHog's identify sets it too
    if kind == "alias":
        if not user_id or not previous_id:
            raise _Invalid("missing_identity", "alias needs userId and previousId.")
    elif not user_id and not anonymous_id:
        raise _Invalid("missing_identity", "userId or anonymousId is required.")
    context = _object(raw, "context")
    if shared_context:
        context = {**shared_context, **context}
    properties = _object(raw, "properties")
    traits = _object(raw, "traits")
    if kind == "identify" and isinstance(context.get("traits"), dict):
        traits = {**context["traits"], **traits}  # RudderStack sends traits in context.traits
    name = _name(raw, kind)
    # The message as sent, encoded once: for its size, and for what jsonb can't hold.
    encoded = encode_json(raw)
    if _NUL in encoded:
        for key, value in (("properties", properties), ("traits", traits), ("context", context)):
            if _NUL in encode_json(value):
                raise _Invalid("invalid_field", f"{key} contains a NUL character.")
        raise _Invalid("invalid_field", "message contains a NUL character.")
    if len(encoded) > MAX_MESSAGE_BYTES:
        raise _Invalid("message_too_large", f"The message is over {MAX_MESSAGE_BYTES // 1024} KB.")
    timestamp = _timestamp(raw, "timestamp")
    if timestamp is None:
        timestamp = _timestamp(raw, "originalTimestamp")
    sent_at = _timestamp(raw, "sentAt")
    if sent_at is None and shared_sent_at is not None:
        if isinstance(shared_sent_at, _Invalid):  # refuses each message that relies on it
            raise _Invalid(shared_sent_at.code, shared_sent_at.reason)
        sent_at = shared_sent_at
    return Message(
        message_id=_message_id(raw.get("messageId")),
        type=kind,
        timestamp=corrected_timestamp(timestamp, sent_at, received_at),
        received_at=received_at,
        user_id=user_id,
        anonymous_id=anonymous_id,
        previous_id=previous_id,
        name=name,
        original_timestamp=timestamp,
        sent_at=sent_at,
        properties=properties,
        traits=traits,
        context=context,
    )


def corrected_timestamp(
    timestamp: datetime | None, sent_at: datetime | None, received_at: datetime
) -> datetime:
    """Segment's clock-skew correction: receivedAt − (sentAt − timestamp).

    Without ``sentAt`` the client's timestamp is trusted; without a timestamp, the arrival time.
    """
    if timestamp is None:
        return received_at
    if sent_at is None:
        return timestamp
    return received_at - (sent_at - timestamp)


# --- PostHog --------------------------------------------------------------------------------------

_POSTHOG_TYPES = {
    "$identify": "identify",
    "$create_alias": "alias",
    "$pageview": "page",
    "$screen": "screen",
    "$groupidentify": "group",
    # posthog-python's set()/set_once(): person properties at the event's top level.
    "$set": "identify",
    "$set_once": "identify",
}


def parse_posthog(body: Any, *, received_at: datetime) -> Parsed:
    """Parse PostHog's capture format (one event, or ``batch``) into the same messages."""
    if isinstance(body, list):
        body = {"batch": body}
    if not isinstance(body, dict):
        raise RequestError("invalid_body", "The body must be a JSON object or list.")
    api_key = body.get("api_key") or body.get("token") or ""
    if "batch" in body:
        batch = body["batch"]
        if not isinstance(batch, list):
            raise RequestError("invalid_batch", "batch must be a list of events.")
    else:
        batch = [body]
    shared_sent_at = body.get("sent_at")
    messages, refusals = [], []
    for index, item in enumerate(batch):
        try:
            if not isinstance(item, dict):
                raise _Invalid("invalid_message", "An event must be a JSON object.")
            api_key = api_key or item.get("api_key") or ""
            messages.append(
                _segment_message(
                    _posthog_as_segment(item, shared_sent_at), None, None, {}, received_at
                )
            )
        except _Invalid as invalid:
            refusals.append(_refusal(index, item, invalid))
    return Parsed(
        write_key=api_key if isinstance(api_key, str) else "", messages=messages, refusals=refusals
    )


def _posthog_as_segment(event: dict, shared_sent_at: Any) -> dict[str, Any]:
    name = event.get("event")
    if not isinstance(name, str) or not name:
        raise _Invalid("missing_event", "event is required.")
    properties = event.get("properties") or {}
    if not isinstance(properties, dict):
        raise _Invalid("invalid_field", "properties must be an object.")
    distinct_id = event.get("distinct_id", properties.get("distinct_id"))
    kind = _POSTHOG_TYPES.get(name, "track")
    message: dict[str, Any] = {
        "type": kind,
        "messageId": event.get("uuid"),
        "userId": distinct_id,
        "timestamp": event.get("timestamp"),
        "sentAt": event.get("sent_at", shared_sent_at),
        "properties": {k: v for k, v in properties.items() if not k.startswith("$set")},
    }
    if kind == "track":
        message["event"] = name
    elif kind in ("page", "screen"):
        message["name"] = properties.get("$current_url") or properties.get("$screen_name") or ""
    elif kind == "identify":
        # In properties (posthog-js's identify) or at the top level (posthog-python's set()).
        message["traits"] = {
            **_person_properties(properties, "$set_once"),
            **_person_properties(event, "$set_once"),
            **_person_properties(properties, "$set"),
            **_person_properties(event, "$set"),
        }
        # PostHog's anonymous ids are distinct ids like any other: link them as an alias does.
        if properties.get("$anon_distinct_id"):
            message["previousId"] = properties["$anon_distinct_id"]
    elif kind == "alias":
        message["previousId"] = distinct_id
        message["userId"] = properties.get("alias")
    return message


def _person_properties(holder: dict, key: str) -> dict[str, Any]:
    value = holder.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Invalid("invalid_field", f"{key} must be an object.")
    return value


# --- Fields ---------------------------------------------------------------------------------------


def _refusal(index: int, raw: Any, invalid: _Invalid) -> Refusal:
    message_id = raw.get("messageId") or raw.get("uuid") if isinstance(raw, dict) else ""
    return Refusal(
        index=index,
        code=invalid.code,
        reason=invalid.reason,
        message_id=message_id[:MAX_MESSAGE_ID] if isinstance(message_id, str) else "",
        excerpt=_excerpt(raw),
    )


def _excerpt(raw: Any) -> str:
    try:
        return json.dumps(raw, ensure_ascii=False, default=str)[:500]
    except (ValueError, RecursionError):
        return repr(raw)[:500]


# A NUL character as JSON writes it: PostgreSQL's jsonb refuses it.
_NUL = b"\\u0000"


def encode_json(value: Any) -> bytes:
    """``value`` as compact JSON."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        # e.g. an integer beyond 64 bits: the standard encoder takes it, jsonb stores it
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _identifier(raw: dict, key: str) -> str:
    value = raw.get(key)
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise _Invalid("invalid_field", f"{key} must be a string.")
    text = str(value)
    if len(text) > MAX_ID:
        raise _Invalid("invalid_field", f"{key} is longer than {MAX_ID} characters.")
    if "\x00" in text:
        raise _Invalid("invalid_field", f"{key} contains a NUL character.")
    return text


def _object(raw: dict, key: str) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _Invalid("invalid_field", f"{key} must be an object.")
    return value


def _name(raw: dict, kind: str) -> str:
    key = "event" if kind == "track" else "name"
    value = raw.get(key)
    if kind == "track" and (not isinstance(value, str) or not value.strip()):
        raise _Invalid("missing_event", "track needs an event name.")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Invalid("invalid_field", f"{key} must be a string.")
    if len(value) > MAX_NAME or "\x00" in value:
        raise _Invalid("invalid_field", f"{key} must be at most {MAX_NAME} characters.")
    return value


def _shared_timestamp(raw: dict, key: str) -> datetime | _Invalid | None:
    """A batch-wide timestamp, parsed once; if it is invalid, the refusal of each message that
    relies on it."""
    try:
        return _timestamp(raw, key)
    except _Invalid as invalid:
        return invalid


def _timestamp(raw: dict, key: str) -> datetime | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _Invalid("invalid_timestamp", f"{key} must be an ISO 8601 date-time string.")
    try:
        # The C parser takes what SDKs send; Django's regex parser the rarer forms.
        parsed = datetime.fromisoformat(value) if "T" in value else None
    except ValueError:
        parsed = None
    try:
        parsed = parsed or parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise _Invalid("invalid_timestamp", f"{key} is not an ISO 8601 date-time: {value[:40]!r}.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise _Invalid("invalid_timestamp", f"{key} is out of range.") from None


def _message_id(value: Any) -> str:
    """The client's messageId, or a fresh one (such a message cannot be de-duplicated)."""
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
        text = str(value).strip()
        if len(text) > MAX_MESSAGE_ID or "\x00" in text:
            raise _Invalid(
                "invalid_field", f"messageId must be at most {MAX_MESSAGE_ID} characters."
            )
        return text
    if value not in (None, ""):
        raise _Invalid("invalid_field", "messageId must be a string.")
    return str(uuid.uuid4())
