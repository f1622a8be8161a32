"""Checks one Segment tracking call and turns it into an inbox row; pure, no database.

Follows the Segment HTTP tracking API: a call has a `type` (track, identify, group, page, screen,
alias), a `userId` or an `anonymousId`, an `event` name for track, a `groupId` for group, a
`previousId` for alias, ISO-8601 timestamps, and at most 32 KB of JSON; a batch is at most
500 KB. Anything else Segment sends (integrations, sentAt, …) is accepted and ignored, except
`context`, which is kept.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from cxhub.customers.contacts.identifiers import PLACEHOLDER_EXTERNAL_ID, is_reserved_external_id

MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_ID_CHARS = 200
MAX_MESSAGE_ID_CHARS = 100
MAX_EVENT_NAME_CHARS = 200

# The deepest nesting stored in `properties`/`traits`/`context` (orjson's own encoding limit);
# a deeper event is rejected on its own, the rest of its batch still lands.
MAX_DEPTH = 255

EVENT_TYPES = frozenset({"track", "identify", "group", "page", "screen", "alias"})
ACTIVITY_TYPES = ("track", "page", "screen")


@dataclass(frozen=True)
class Rejection:
    index: int
    message_id: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "messageId": self.message_id, "reason": self.reason}


#: The erased-contact placeholder's external id may not be claimed by a product user.
RESERVED_USER_ID = (
    f"userId {PLACEHOLDER_EXTERNAL_ID} is reserved for the erased-contact placeholder"
)


class InvalidEvent(ValueError):
    """The reason one call cannot be stored."""


class NestedTooDeeply(ValueError):
    """A request body nested past what the JSON parsers take."""


def _identifier(value: Any, name: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidEvent(f"{name} must be a string")
    text = str(value)
    if len(text) > MAX_ID_CHARS:
        raise InvalidEvent(f"{name} is longer than {MAX_ID_CHARS} characters")
    return text


def parse_timestamp(value: Any, name: str = "timestamp") -> datetime | None:
    """An ISO-8601 date-time (naive values are UTC); None when absent."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise InvalidEvent(f"{name} is not an ISO-8601 date-time")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidEvent(f"{name} is not an ISO-8601 date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidEvent(f"{name} must be an object")
    return value


def _content_message_id(call: dict[str, Any]) -> str:
    """A stable id for a call sent without `messageId`, so a client's resend is not stored twice."""
    canonical = json.dumps(call, sort_keys=True, separators=(",", ":"), default=str)
    return "cxhub-" + hashlib.sha256(canonical.encode()).hexdigest()[:40]


# The fallback encoder (built once: `json.dumps` with options builds one per call).
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)


def json_text(value: dict[str, Any]) -> str:
    """The compact JSON text stored for `properties`/`context` (and measured for the limit).

    orjson on the hot path (4–5× faster than the standard encoder on a typical event); the
    standard encoder for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value, default=str).decode()
    except orjson.JSONEncodeError:
        if _depth(value) > MAX_DEPTH:
            raise InvalidEvent(f"the event nests deeper than {MAX_DEPTH} levels") from None
        try:
            return _COMPACT_JSON.encode(value)
        except RecursionError:
            raise InvalidEvent(f"the event nests deeper than {MAX_DEPTH} levels") from None


def _depth(value: Any) -> int:
    """How deeply objects and arrays nest in `value` (a scalar is 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in children)
    return deepest


def parse_json(body: bytes) -> Any:
    """A request body as Python values: orjson, else the standard parser for what only it
    accepts (NaN, Infinity, integers beyond 64 bits); ValueError when neither reads it."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        try:
            return json.loads(body)
        except RecursionError:
            raise NestedTooDeeply("the body nests too deeply") from None


SCALAR_ALLOWANCE = 1024  # bytes counted for messageId, userId, event, timestamps, …


def validate_call(
    call: Any, *, received_at: datetime, implied_type: str | None = None
) -> dict[str, Any]:
    """The inbox row of one call, or `InvalidEvent` saying why it is refused."""
    try:
        return _row_of(call, received_at=received_at, implied_type=implied_type)
    except RecursionError:  # a member nested past what the encoders take (e.g. `integrations`)
        raise InvalidEvent(f"the event nests deeper than {MAX_DEPTH} levels") from None


def _row_of(call: Any, *, received_at: datetime, implied_type: str | None) -> dict[str, Any]:
    if not isinstance(call, dict):
        raise InvalidEvent("an event must be a JSON object")
    kind = call.get("type", implied_type)
    if implied_type is not None and kind != implied_type:
        raise InvalidEvent(f"type must be {implied_type!r} on this endpoint")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        raise InvalidEvent(f"type must be one of {', '.join(sorted(EVENT_TYPES))}")
    message_id = call.get("messageId")
    if message_id is None or message_id == "":
        message_id = _content_message_id(call)
    elif not isinstance(message_id, str) or len(message_id) > MAX_MESSAGE_ID_CHARS:
        raise InvalidEvent(f"messageId must be a string of at most {MAX_MESSAGE_ID_CHARS} chars")
    user_id = _identifier(call.get("userId"), "userId")
    if user_id is not None and is_reserved_external_id(user_id):
        raise InvalidEvent(RESERVED_USER_ID)
    anonymous_id = _identifier(call.get("anonymousId"), "anonymousId")
    if user_id is None and anonymous_id is None:
        raise InvalidEvent("userId or anonymousId is required")
    event: str | None = None
    group_id = None
    payload: dict[str, Any]
    if kind == "track":
        event = call.get("event")
        if not isinstance(event, str) or not event.strip():
            raise InvalidEvent("track needs an event name")
        if len(event) > MAX_EVENT_NAME_CHARS:
            raise InvalidEvent(f"event is longer than {MAX_EVENT_NAME_CHARS} characters")
        payload = _object(call.get("properties"), "properties")
    elif kind in ("page", "screen"):
        name = call.get("name")
        if name is not None and (not isinstance(name, str) or len(name) > MAX_EVENT_NAME_CHARS):
            raise InvalidEvent(f"name must be a string of at most {MAX_EVENT_NAME_CHARS} chars")
        event = name or None
        payload = _object(call.get("properties"), "properties")
    elif kind == "identify":
        payload = _object(call.get("traits"), "traits")
    elif kind == "group":
        group_id = _identifier(call.get("groupId"), "groupId")
        if group_id is None:
            raise InvalidEvent("group needs a groupId")
        payload = _object(call.get("traits"), "traits")
    else:  # alias
        previous_id = _identifier(call.get("previousId"), "previousId")
        if previous_id is not None and is_reserved_external_id(previous_id):
            raise InvalidEvent(RESERVED_USER_ID)
        if previous_id is None or user_id is None:
            raise InvalidEvent("alias needs a previousId and a userId")
        payload = {"previousId": previous_id}
    context = _object(call.get("context"), "context")
    payload_json, context_json = json_text(payload), json_text(context)
    # The stored JSON plus an allowance for the bounded scalar members (ids, name, times).
    size = len(payload_json.encode()) + len(context_json.encode()) + SCALAR_ALLOWANCE
    if size > MAX_EVENT_BYTES:
        raise InvalidEvent(f"the event is larger than {MAX_EVENT_BYTES // 1024} KB")
    timestamp = parse_timestamp(call.get("timestamp"))
    original = parse_timestamp(call.get("originalTimestamp"), "originalTimestamp")
    parse_timestamp(call.get("sentAt"), "sentAt")
    return {
        "message_id": message_id,
        "type": kind,
        "event": event,
        "user_id": user_id,
        "anonymous_id": anonymous_id,
        "group_id": group_id,
        "timestamp": timestamp or original or received_at,
        "received_at": received_at,
        "properties": payload,
        "context": context,
        "properties_json": payload_json,
        "context_json": context_json,
    }


@dataclass
class CheckedBatch:
    rows: list[dict[str, Any]]
    indexes: list[int]  # each row's position in the request
    rejected: list[Rejection]


def validate_batch(
    calls: list[Any], *, received_at: datetime, implied_type: str | None = None
) -> CheckedBatch:
    """Split a batch into storable rows and rejections (index and reason per refused call);
    a messageId repeated inside the batch keeps its first call."""
    rows: list[dict[str, Any]] = []
    indexes: list[int] = []
    rejected: list[Rejection] = []
    seen: set[str] = set()
    for index, call in enumerate(calls):
        try:
            row = validate_call(call, received_at=received_at, implied_type=implied_type)
        except InvalidEvent as exc:
            message_id = call.get("messageId") if isinstance(call, dict) else None
            rejected.append(
                Rejection(index, message_id if isinstance(message_id, str) else None, str(exc))
            )
            continue
        if row["message_id"] in seen:
            continue
        seen.add(row["message_id"])
        rows.append(row)
        indexes.append(index)
    return CheckedBatch(rows, indexes, rejected)
