"""The import's check step over typed Parquet columns: STRUCT/MAP members pass as objects
without being parsed, anything else is judged as JSON, and a timestamp column gives the same
message ids and times as its text would."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from cxhub.success.usage.import_checks import EventFileFormat, check_sql, reader

RECEIVED = datetime(2026, 5, 4, tzinfo=UTC)


def _checked(path: Path, kind: EventFileFormat) -> dict[str, dict[str, Any]]:
    """`check_sql` over `path`, keyed by message id."""
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        source, types = reader(connection, [path], kind)
        cursor = connection.execute(f"SELECT * FROM ({check_sql(source, types, RECEIVED)})")  # noqa: S608
        names = [d[0] for d in cursor.description]
        return {
            row["message_id"]: row
            for row in (dict(zip(names, r, strict=True)) for r in cursor.fetchall())
        }


def _parquet(path: Path, select: str) -> Path:
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute(f"COPY ({select}) TO '{path}' (FORMAT PARQUET)")
    return path


def test_struct_and_map_members_are_objects_and_other_shapes_are_judged(tmp_path: Path) -> None:
    path = _parquet(
        tmp_path / "shapes.parquet",
        "SELECT *, 'u' AS userId, 'Seen' AS event FROM (VALUES "
        "('track', 'struct', {'plan': 'pro', 'n': 1}, MAP {'k': 'v'}, '{\"ip\": \"1\"}'), "
        "('track', 'null-struct', NULL, NULL, NULL), "
        "('identify', 'map-traits', NULL, MAP {'email': 'a@b.c'}, NULL), "
        "('track', 'text-context', {'plan': 'pro', 'n': 2}, NULL, '\"text\"'), "
        "('track', 'array-context', {'plan': 'pro', 'n': 3}, NULL, '[1]')"
        ") t(type, messageId, properties, traits, context)",
    )
    rows = _checked(path, EventFileFormat.PARQUET)
    assert {name: row["reason"] for name, row in rows.items()} == {
        "struct": None,
        "null-struct": None,
        "map-traits": None,
        "text-context": "context must be an object",
        "array-context": "context must be an object",
    }
    assert rows["struct"]["properties"] == '{"plan":"pro","n":1}'
    assert rows["map-traits"]["properties"] == '{"email":"a@b.c"}'
    assert rows["null-struct"]["properties"] == "{}"


def test_a_list_member_is_not_an_object(tmp_path: Path) -> None:
    path = _parquet(
        tmp_path / "members.parquet",
        "SELECT * FROM (VALUES "
        "('identify', 'list-traits', 'u1', [1, 2], [3]), "
        "('page', 'list-properties', 'u1', NULL, [1, 2])"
        ") t(type, messageId, userId, traits, properties)",
    )
    rows = _checked(path, EventFileFormat.PARQUET)
    assert rows["list-traits"]["reason"] == "traits must be an object"
    assert rows["list-properties"]["reason"] == "properties must be an object"


def test_a_timestamp_column_gives_the_ids_and_times_its_text_gives(tmp_path: Path) -> None:
    """Records without a messageId get a content id from their fields: a Parquet timestamp
    column must give the id (and time) that the same timestamp as text in that column gives."""
    values = (
        "SELECT 'track' AS type, 'u1' AS userId, 'Seen' AS event, {ts} AS timestamp, "
        "{ts2} AS originalTimestamp, {{'n': 1}} AS properties"
    )
    typed = _parquet(
        tmp_path / "typed.parquet",
        values.format(ts="TIMESTAMPTZ '2026-05-01 10:00:00+00'", ts2="DATE '2026-04-30'"),
    )
    as_text = _parquet(
        tmp_path / "text.parquet",
        values.format(
            ts="CAST(TIMESTAMPTZ '2026-05-01 10:00:00+00' AS VARCHAR)",
            ts2="CAST(DATE '2026-04-30' AS VARCHAR)",
        ),
    )
    (typed_row,) = _checked(typed, EventFileFormat.PARQUET).values()
    (text_row,) = _checked(as_text, EventFileFormat.PARQUET).values()
    assert typed_row["reason"] is None
    assert text_row["reason"] is None
    assert typed_row["message_id"].startswith("cxhub-")
    assert typed_row["message_id"] == text_row["message_id"]
    assert typed_row["timestamp"] == text_row["timestamp"] == datetime(2026, 5, 1, 10)


def test_a_date_column_is_midnight_and_a_bad_text_timestamp_is_refused(tmp_path: Path) -> None:
    path = _parquet(
        tmp_path / "dates.parquet",
        "SELECT 'track' AS type, 'u1' AS userId, 'Seen' AS event, DATE '2026-05-02' AS timestamp",
    )
    (row,) = _checked(path, EventFileFormat.PARQUET).values()
    assert row["reason"] is None
    assert row["timestamp"] == datetime(2026, 5, 2)
    text = _parquet(
        tmp_path / "bad.parquet",
        "SELECT 'track' AS type, 'u1' AS userId, 'Seen' AS event, 'yesterday' AS timestamp",
    )
    (row,) = _checked(text, EventFileFormat.PARQUET).values()
    assert row["reason"] == "timestamp is not an ISO-8601 date-time"
