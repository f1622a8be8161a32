"""The cursor of the one list convention, without a database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime

import pytest

from cxhub.core.errors import InvalidCursor
from cxhub.core.pagination import decode_cursor, encode_cursor


@pytest.mark.parametrize(
    "value",
    [
        "acme corp",
        "北京数据",
        42,
        1.5,
        None,
        datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC),
        date(2026, 3, 29),
    ],
)
def test_cursor_round_trips(value: object) -> None:
    cursor = encode_cursor("-name", value, 17)
    assert decode_cursor(cursor, "-name") == (value, 17)


def test_cursor_is_url_safe_and_unpadded() -> None:
    cursor = encode_cursor("name", "??>>~~ü", 10**12)
    assert "=" not in cursor
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_datetime_cursor_keeps_its_timezone() -> None:
    moment = datetime(2026, 1, 1, 9, tzinfo=UTC)
    value, _ = decode_cursor(encode_cursor("occurred_at", moment, 1), "occurred_at")
    assert isinstance(value, datetime)
    assert value.tzinfo is not None
    assert value == moment


def test_date_and_datetime_cursors_must_fit_their_column() -> None:
    from cxhub.success.tasks.models import CsmTask

    day = date(2026, 12, 1)
    assert decode_cursor(encode_cursor("due_on", day, 3), "due_on", CsmTask.due_on) == (day, 3)
    moment = datetime(2026, 12, 1, tzinfo=UTC)
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor("due_on", moment, 3), "due_on", CsmTask.due_on)
    with pytest.raises(InvalidCursor):
        decode_cursor(encode_cursor("created_at", day, 3), "created_at", CsmTask.created_at)
    forged = base64.urlsafe_b64encode(json.dumps(["due_on", {"d": "2026-13-45"}, 3]).encode())
    with pytest.raises(InvalidCursor):
        decode_cursor(forged.decode().rstrip("="), "due_on", CsmTask.due_on)


def test_cursor_issued_for_another_sort_is_refused() -> None:
    cursor = encode_cursor("name", "acme", 3)
    with pytest.raises(InvalidCursor, match="issued for sort='name'"):
        decode_cursor(cursor, "-name")


def _raw(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        "not base64 at all",
        _raw("just a string"),
        _raw(["name", "acme"]),  # too short
        _raw(["name", "acme", 3, 4]),  # too long
        _raw(["name", "acme", "3"]),  # id is not an int
        _raw({"sort": "name"}),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    ],
)
def test_tampered_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as raised:
        decode_cursor(cursor, "name")
    assert raised.value.status == 400
    assert raised.value.type_slug == "invalid-cursor"


def test_tampered_id_is_still_a_valid_cursor_but_only_moves_the_seek() -> None:
    """The cursor is opaque, not signed: editing it can only skip rows the caller may read."""
    cursor = _raw(["name", "acme", 99])
    assert decode_cursor(cursor, "name") == ("acme", 99)
