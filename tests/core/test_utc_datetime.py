"""`UTCDateTime`: timezone-aware UTC datetimes on every backend, and SQLite's fast read path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import literal, select, text

from cxhub.core.db import UTCDateTime, _utc_from_sqlite_text
from cxhub.core.runtime import Runtime

MOMENT = datetime(2026, 11, 28, 5, 43, 28, 539475, tzinfo=UTC)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-11-28 05:43:28.539475", MOMENT),  # as process_bind_param writes it
        ("2026-11-28 05:43:28", MOMENT.replace(microsecond=0)),
        ("2026-11-28T05:43:28.539475", MOMENT),
        ("2026-11-28T07:43:28.539475+02:00", MOMENT),  # an offset of its own: converted
        ("2026-11-28T05:43:28.539475Z", MOMENT),
        ("2026-11-28", datetime(2026, 11, 28, tzinfo=UTC)),
        (None, None),
        (MOMENT.replace(tzinfo=None), MOMENT),  # a driver that already parsed it
    ],
)
def test_sqlite_text_reads_as_aware_utc(stored: object, expected: datetime | None) -> None:
    found = _utc_from_sqlite_text(stored)
    assert found == expected
    if found is not None:
        assert found.utcoffset() == timedelta(0)


def test_unreadable_text_is_refused() -> None:
    with pytest.raises(ValueError, match="isoformat"):
        _utc_from_sqlite_text("yesterday")


def test_round_trip_through_the_database(runtime: Runtime) -> None:
    """Written from another zone, read back as the same moment in UTC (SQLite and PostgreSQL)."""
    elsewhere = MOMENT.astimezone(timezone(timedelta(hours=-5)))
    with runtime.session_factory() as session:
        found = session.scalar(select(literal(elsewhere, UTCDateTime())))
        assert found == MOMENT
        assert found is not None
        assert found.tzinfo is not None
        assert found.utcoffset() == timedelta(0)
        if session.get_bind().dialect.name == "sqlite":  # text as another writer stored it
            stored = text("SELECT '2026-11-28T07:43:28.539475+02:00' AS moment")
            assert session.scalar(stored.columns(moment=UTCDateTime())) == MOMENT
