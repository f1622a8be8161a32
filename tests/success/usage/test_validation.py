"""The pure checks of one Segment call (validation.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cxhub.success.usage.validation import (
    MAX_EVENT_BYTES,
    InvalidEvent,
    validate_batch,
    validate_call,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _track(**extra: Any) -> dict[str, Any]:
    return {"type": "track", "userId": "u1", "event": "Report Built", **extra}


def test_a_track_call_becomes_an_inbox_row() -> None:
    row = validate_call(
        _track(messageId="m1", timestamp="2026-05-31T10:00:00+02:00", properties={"n": 1}),
        received_at=NOW,
    )
    assert row["message_id"] == "m1"
    assert row["event"] == "Report Built"
    assert row["timestamp"] == datetime(2026, 5, 31, 8, 0, tzinfo=UTC)
    assert row["properties"] == {"n": 1}
    assert row["received_at"] == NOW


def test_missing_timestamp_falls_back_to_original_timestamp_then_arrival() -> None:
    original = validate_call(_track(originalTimestamp="2026-05-01T00:00:00Z"), received_at=NOW)
    assert original["timestamp"] == datetime(2026, 5, 1, tzinfo=UTC)
    assert validate_call(_track(), received_at=NOW)["timestamp"] == NOW


def test_a_call_without_message_id_gets_a_stable_one() -> None:
    first = validate_call(_track(), received_at=NOW)["message_id"]
    again = validate_call(_track(), received_at=NOW)["message_id"]
    other = validate_call(_track(event="Other"), received_at=NOW)["message_id"]
    assert first == again != other


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ({"type": "track", "event": "x"}, "userId or anonymousId"),
        ({"type": "track", "userId": "u"}, "event name"),
        ({"type": "launch", "userId": "u"}, "type must be"),
        (_track(timestamp="yesterday"), "ISO-8601"),
        (_track(sentAt=12), "ISO-8601"),
        (_track(properties=[1]), "properties must be an object"),
        ({"type": "group", "userId": "u"}, "groupId"),
        ({"type": "alias", "userId": "u"}, "previousId"),
        (_track(userId={"id": 1}), "userId must be a string"),
        # found by the API fuzz test: an unhashable type answered 500
        ({"type": {}, "userId": "u1", "event": "e"}, "type must be one of"),
        ({"type": ["track"], "userId": "u1", "event": "e"}, "type must be one of"),
        (_track(properties={"blob": "x" * MAX_EVENT_BYTES}), "larger than 32 KB"),
        ("not an object", "JSON object"),
    ],
)
def test_malformed_calls_are_refused_with_a_reason(call: Any, reason: str) -> None:
    with pytest.raises(InvalidEvent, match=reason):
        validate_call(call, received_at=NOW)


def test_an_endpoint_implies_its_type() -> None:
    row = validate_call(
        {"userId": "u", "traits": {"email": "a@b.co"}}, received_at=NOW, implied_type="identify"
    )
    assert row["type"] == "identify"
    assert row["properties"] == {"email": "a@b.co"}
    with pytest.raises(InvalidEvent, match="'identify'"):
        validate_call(_track(), received_at=NOW, implied_type="identify")


def test_a_batch_keeps_the_good_calls_and_names_the_bad_ones() -> None:
    checked = validate_batch(
        [
            _track(messageId="a"),
            {"type": "track", "event": "x", "messageId": "b"},
            _track(messageId="a"),  # repeated inside the batch: stored once
            _track(messageId="c", anonymousId="anon", userId=None),
        ],
        received_at=NOW,
    )
    assert [row["message_id"] for row in checked.rows] == ["a", "c"]
    assert checked.indexes == [0, 3]
    assert [(r.index, r.message_id) for r in checked.rejected] == [(1, "b")]
