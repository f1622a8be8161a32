"""Moves usage events from the database inbox to Parquet files (ADR 0015).

For one workspace: first *recover* (inbox rows whose ids already sit in a file — a crash between
writing the file and committing the delete — are deleted, not written again); then, chunk by
chunk in id order, events that arrived before `older_than` are written with DuckDB's
`COPY … TO … (FORMAT PARQUET)`, one file per event day named by the chunk's id range, each
written to a temporary name and renamed into place, and then deleted from the inbox by id range.
The caller's unit of work commits the deletes.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import String, Text, cast, delete, func, select, type_coerce
from sqlalchemy.orm import Session

from cxhub.success.usage.models import UsageEvent
from cxhub.success.usage.storage import (
    EVENT_COLUMNS,
    PARQUET_OPTIONS,
    TIMESTAMP_COLUMNS,
    columns_to_arrays,
    day_dir,
    event_files,
    file_name,
    generation_name,
    sql_list,
    sql_literal,
)

CHUNK_SIZE = 50_000
DELETE_BATCH = 5_000

# Parquet column types; `properties` and `context` stay JSON text.
_PARQUET_SELECT = (
    "SELECT id::BIGINT AS id, message_id::VARCHAR AS message_id, type::VARCHAR AS type, "
    "event::VARCHAR AS event, user_id::VARCHAR AS user_id, "
    "anonymous_id::VARCHAR AS anonymous_id, group_id::VARCHAR AS group_id, "
    "timestamp::TIMESTAMP AS timestamp, received_at::TIMESTAMP AS received_at, "
    "properties::VARCHAR AS properties, context::VARCHAR AS context FROM chunk"
)


@dataclass
class CompactionResult:
    events: int = 0
    recovered: int = 0
    files: list[Path] = field(default_factory=list)


def _delete_ids(session: Session, ids: list[int]) -> None:
    for start in range(0, len(ids), DELETE_BATCH):
        session.execute(
            delete(UsageEvent)
            .where(UsageEvent.id.in_(ids[start : start + DELETE_BATCH]))
            .execution_options(synchronize_session=False)
        )


def recover(session: Session, *, workspace_id: int, data_dir: Path) -> int:
    """Delete inbox rows that an earlier, interrupted run already wrote to a file.

    A row counts as written when a file holds its id *and* its messageId: SQLite hands out
    the ids of an emptied table again (no AUTOINCREMENT), so an id alone may name a newer
    event than the one a file holds."""
    low, high = session.execute(select(func.min(UsageEvent.id), func.max(UsageEvent.id))).one()
    if low is None:
        return 0
    overlapping = [
        f for f in event_files(data_dir, workspace_id) if f.last_id >= low and f.first_id <= high
    ]
    if not overlapping:
        return 0
    with duckdb.connect() as connection:
        found = connection.execute(
            "SELECT id, message_id FROM read_parquet(?)", [[str(f.path) for f in overlapping]]
        ).fetchall()
    written = {(int(i), str(m)) for i, m in found}
    present = session.execute(
        select(UsageEvent.id, UsageEvent.message_id).where(
            UsageEvent.id >= low, UsageEvent.id <= high
        )
    )
    stale = sorted(i for i, m in present if (i, m) in written)
    _delete_ids(session, stale)
    return len(stale)


def _write_day(
    connection: duckdb.DuckDBPyConnection, target: Path, day: date, existing: list[Path]
) -> Path:
    """Write the chunk's events of `day` that the day's existing files do not hold yet (a
    client's re-send after its first copy was compacted), so a messageId is in at most one file
    and analytics need not de-duplicate the files (ADR 0015)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Recovery has removed the rows a file already holds, so a file of this name is from an
    # earlier generation of reused ids (SQLite): write next to it, never over it.
    generation = 1
    while target.exists():
        generation += 1
        target = target.with_name(generation_name(target.name, generation))
    temporary = target.with_name(target.name + ".tmp")
    stored = ""
    if existing:
        stored = (
            f" AND message_id NOT IN (SELECT message_id FROM read_parquet({sql_list(existing)}))"  # noqa: S608
        )
    connection.execute(
        f"COPY ({_PARQUET_SELECT} WHERE CAST(timestamp::TIMESTAMP AS DATE) = "
        f"DATE '{day.isoformat()}'{stored} "
        f"ORDER BY id) TO {sql_literal(temporary)} ({PARQUET_OPTIONS})"
    )
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    return target


def _read_columns(session: Session) -> list[Any]:
    """The inbox columns as compaction reads them: JSON as its stored text (no parse and
    re-encode); on SQLite the timestamps too, as the text SQLAlchemy stored (DuckDB parses it
    faster than Python does)."""
    sqlite = session.get_bind().dialect.name == "sqlite"
    columns: list[Any] = []
    for name in EVENT_COLUMNS:
        column = getattr(UsageEvent, name)
        if name in ("properties", "context"):
            column = cast(column, Text).label(name)
        elif sqlite and name in TIMESTAMP_COLUMNS:
            column = type_coerce(column, String).label(name)
        columns.append(column)
    return columns


def _day(value: datetime | str) -> date:
    return value.date() if isinstance(value, datetime) else date.fromisoformat(value[:10])


def compact(
    session: Session,
    *,
    workspace_id: int,
    data_dir: Path,
    older_than: datetime,
    chunk_size: int = CHUNK_SIZE,
) -> CompactionResult:
    """Move the workspace's events that arrived before `older_than` into Parquet files."""
    result = CompactionResult(
        recovered=recover(session, workspace_id=workspace_id, data_dir=data_dir)
    )
    columns = _read_columns(session)
    while True:
        rows = session.execute(
            select(*columns)
            .where(UsageEvent.received_at < older_than)
            .order_by(UsageEvent.id)
            .limit(chunk_size)
        ).all()
        if not rows:
            break
        first_id, last_id = rows[0].id, rows[-1].id
        prepared = [tuple(row) for row in rows]
        days: dict[date, int] = defaultdict(int)
        for row in rows:
            days[_day(row.timestamp)] += 1
        with duckdb.connect() as connection:
            connection.register("chunk", columns_to_arrays(prepared, EVENT_COLUMNS))
            for day in sorted(days):
                target = day_dir(data_dir, workspace_id, day) / file_name(first_id, last_id)
                existing = [
                    f.path
                    for f in event_files(data_dir, workspace_id, start=day, end=day)
                    if f.path != target
                ]
                result.files.append(_write_day(connection, target, day, existing))
        session.execute(
            delete(UsageEvent)
            .where(
                UsageEvent.id >= first_id,
                UsageEvent.id <= last_id,
                UsageEvent.received_at < older_than,
            )
            .execution_options(synchronize_session=False)
        )
        result.events += len(rows)
        if len(rows) < chunk_size:
            break
    return result
