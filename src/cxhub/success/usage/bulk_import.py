"""Bulk import of Segment-shaped usage events from files into the Parquet event store, set-wise
in DuckDB (`cxhub import events`, docs/tracking.md "Importing event files").

1. **Read and check** (one statement): `read_json` / `read_csv` / `read_parquet` over all files
   into one DuckDB table, each row checked with the tracking API's rules (`validation.py`)
   written as SQL; `reason` is NULL for a valid row. An unreadable NDJSON line becomes a row of
   NULLs and is rejected as such, so a bad line never loses the good ones.
2. **Known events**: the messageIds already stored on the import's event days (the store's
   files of those days and the inbox) are not written again, nor is a messageId repeated in the
   files (one copy is kept): re-running an import adds nothing.
3. **Identity** (`import_identity.py`, the caller's part): the new identify/group calls, latest
   per userId / groupId, go through the customers import in batches, not call by call. The
   scan for messageIds repeated in the files runs beside it, on one DuckDB thread.
4. **Write** (`import_write.py`): the new valid rows, less the calls identity refused, are
   written as one Parquet file per day into a staging folder next to the store, each file
   fsynced and renamed into its `day=<date>/import-<run>-<n>.parquet` place (ADR 0015): a
   file is there whole or not at all, and a run stopped half-way is completed by running it
   again.

No database access here: the caller passes the inbox's messageIds and the identity outcome.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from cxhub.success.usage.import_checks import EventFileFormat, check_sql, reader
from cxhub.success.usage.import_write import on_threads, write_days
from cxhub.success.usage.storage import (
    day_dir,
    event_files,
    events_root,
    import_file_name,
    sql_list,
    sql_literal,
)

REJECTS_SHOWN = 20
# DuckDB's block allocator setting (newer releases only; without it the import works as well).
_KEEP_BLOCKS = "block_allocator_memory"


@dataclass(frozen=True)
class RejectedEvent:
    file: str | None
    message_id: str | None
    reason: str


@dataclass
class EventImportReport:
    """What an import did. `read` = records read; `rejected` = refused by the checks or by
    identity resolution; `already_stored` = valid but already in the store (or repeated in the
    files); `written` = new events now in the store."""

    read: int = 0
    rejected: int = 0
    already_stored: int = 0
    written: int = 0
    identify_calls: int = 0
    group_calls: int = 0
    files: list[Path] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    rejects_file: Path | None = None
    # Per step: read_and_check, known_events, identity, repeats (the repeats scan's time left
    # after identity, which it runs beside), write, summary, total.
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class IdentityCall:
    message_id: str
    type: str
    user_id: str | None
    group_id: str | None
    traits: str
    context: str
    timestamp: datetime


IdentityResolver = Callable[[list[IdentityCall]], list[RejectedEvent]]
KnownIds = Callable[[datetime, datetime], list[str]]


def connect(*, temp_dir: Path, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB for one import; it spills to `temp_dir` past `memory_limit`.

    Its block allocator keeps the blocks one step frees for the next, up to the memory limit,
    instead of handing them back to the OS to be faulted in again (a third of the page faults
    at 10M events; ADR 0042, 2026-11-28). DuckDB cannot lower that later, so it is set only
    here: the memory is kept until this connection, i.e. this import, closes."""
    temp_dir.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    connection.execute("SET preserve_insertion_order = false")
    connection.execute(f"SET temp_directory = {sql_literal(temp_dir)}")
    if memory_limit:
        connection.execute("SET memory_limit = ?", [memory_limit])
    settings = "SELECT count(*) FROM duckdb_settings() WHERE name = ?"
    if connection.execute(settings, [_KEEP_BLOCKS]).fetchall() == [(1,)]:
        limit = _one(connection, "SELECT current_setting('memory_limit')")[0]
        connection.execute(f"SET {_KEEP_BLOCKS} = ?", [limit])
    return connection


def _one(connection: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The single row of `sql`, its result consumed (DuckDB refuses new work before that)."""
    rows = connection.execute(sql).fetchall()
    return tuple(rows[0])


def _stored_days(connection: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    row = _one(
        connection,
        "SELECT min(timestamp)::DATE, max(timestamp)::DATE FROM checked WHERE reason IS NULL",
    )
    if row[0] is None:
        return None
    return row[0], row[1]


def _register_known(
    connection: duckdb.DuckDBPyConnection,
    *,
    data_dir: Path,
    workspace_id: int,
    days: tuple[date, date] | None,
    inbox_ids: KnownIds,
) -> None:
    """`known`: messageIds already stored on the import's event days (files and inbox)."""
    inbox: list[str] = []
    files = []
    if days is not None:
        files = event_files(data_dir, workspace_id, start=days[0], end=days[1])
        start = datetime.combine(days[0], datetime.min.time(), UTC)
        inbox = inbox_ids(start, start + timedelta(days=(days[1] - days[0]).days + 1))
    sources = ["SELECT NULL::VARCHAR AS message_id WHERE false"]
    if inbox:
        connection.register("inbox_ids", {"message_id": np.array(inbox, dtype=object)})
        sources.append("SELECT message_id FROM inbox_ids")
    if files:
        stored = sql_list([f.path for f in files])
        sources.append(f"SELECT message_id FROM read_parquet({stored})")  # noqa: S608
    connection.execute(f"CREATE OR REPLACE TEMP TABLE known AS {' UNION ALL '.join(sources)}")


def _find_repeats(connection: duckdb.DuckDBPyConnection) -> None:
    """`repeated`: the messageIds of more than one valid row. An ordinary table, not a TEMP
    one: it may be made on a cursor in another thread and read on the import's connection."""
    connection.execute(
        "CREATE OR REPLACE TABLE repeated AS SELECT message_id FROM checked "
        "WHERE reason IS NULL GROUP BY message_id HAVING count(*) > 1"
    )


def _identity_and_repeats(
    connection: duckdb.DuckDBPyConnection,
    calls: list[IdentityCall],
    resolve_identity: IdentityResolver,
    seconds: dict[str, float],
    tick: Callable[[], float],
) -> list[RejectedEvent]:
    """Identity resolution (Python and SQLite: one core) with the repeats scan beside it on one
    DuckDB thread, so that the other core does not idle (ADR 0042, 2026-11-28); the calls
    identity refused. `seconds`: "identity", and "repeats", the scan's time after identity
    (all of it when there are no calls). A failing identity stops the scan; a failing scan
    leaves identity's committed batches, which a re-run finds filled (blanks only)."""
    mark = tick()
    if not calls:
        seconds["identity"] = 0.0
        _find_repeats(connection)
        seconds["repeats"] = tick() - mark
        return []
    cursor = connection.cursor()  # made here: a connection object belongs to one thread
    try:
        with (
            on_threads(connection, 1),
            ThreadPoolExecutor(1, thread_name_prefix="cxhub-import-repeats") as pool,
        ):
            finding = pool.submit(_find_repeats, cursor)
            try:
                refused = resolve_identity(calls)
            except BaseException:
                # DuckDB forgets an interrupt that comes before its query starts: repeat it.
                while not finding.done():
                    cursor.interrupt()
                    wait([finding], timeout=0.05)
                raise
            done = tick()
            seconds["identity"] = done - mark
            finding.result()
        seconds["repeats"] = tick() - done
    finally:
        cursor.close()
    return refused


def _fsync_and_move(staging: Path, target_for: Callable[[date, int], Path]) -> list[Path]:
    moved: list[Path] = []
    for part, path in enumerate(sorted(staging.glob("day=*/*.parquet"))):
        day = date.fromisoformat(path.parent.name.removeprefix("day="))
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
        target = target_for(day, part)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        moved.append(target)
    return moved


def _write_rejects(connection: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Every refused record (file, messageId, type, userId, reason) as NDJSON."""
    temporary = target.with_name(target.name + ".part")
    connection.execute(
        "COPY (SELECT filename AS file, message_id AS messageId, type, user_id AS userId, "  # noqa: S608
        "reason FROM rejects ORDER BY file, messageId) "
        f"TO {sql_literal(temporary)} (FORMAT JSON)"
    )
    os.replace(temporary, target)


def _register_refused(connection: duckdb.DuckDBPyConnection, refused: list[RejectedEvent]) -> None:
    """`rejects` (the checks' and identity's refusals); identity's are `skipped` too."""
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE rejects AS "
        "SELECT filename, message_id, type, user_id, reason FROM checked WHERE reason IS NOT NULL"
    )
    if not refused:
        return
    connection.register(
        "identity_refused",
        {
            "message_id": np.array([r.message_id for r in refused], dtype=object),
            "reason": np.array([r.reason for r in refused], dtype=object),
        },
    )
    # Every valid row of a refused call's messageId is refused with it; a row of another type
    # under that id kept no file name (check_sql), so it takes the call's (joined here too).
    connection.execute(
        "INSERT INTO rejects SELECT coalesce(c.filename, "
        "min(c.filename) OVER (PARTITION BY c.message_id)), c.message_id, c.type, c.user_id, "
        "r.reason FROM checked c JOIN identity_refused r USING (message_id) "
        "WHERE c.reason IS NULL"
    )
    connection.execute("INSERT INTO skipped SELECT message_id FROM identity_refused")


def import_event_files(
    connection: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    *,
    kind: EventFileFormat,
    workspace_id: int,
    data_dir: Path,
    inbox_ids: KnownIds,
    resolve_identity: IdentityResolver,
    rejects_file: Path | None = None,
    received_at: datetime | None = None,
    clock: Callable[[], float] | None = None,
) -> EventImportReport:
    """Import `paths` into the workspace's event store (steps in the module docstring)."""
    import time

    tick = clock or time.perf_counter
    report = EventImportReport()
    moment = received_at or datetime.now(UTC)
    started = tick()
    reader_sql, types = reader(connection, paths, kind)
    connection.execute(f"CREATE OR REPLACE TABLE checked AS {check_sql(reader_sql, types, moment)}")
    report.seconds["read_and_check"] = tick() - started

    mark = tick()
    _register_known(
        connection,
        data_dir=data_dir,
        workspace_id=workspace_id,
        days=_stored_days(connection),
        inbox_ids=inbox_ids,
    )
    connection.execute(
        "CREATE OR REPLACE TEMP TABLE identity_calls AS SELECT message_id, type, user_id, "
        "group_id, properties, context, timestamp FROM checked "
        "WHERE reason IS NULL AND type IN ('identify', 'group') "
        "AND message_id NOT IN (SELECT message_id FROM known WHERE message_id IS NOT NULL)"
    )
    calls = [
        IdentityCall(*row)
        for row in connection.execute(
            "SELECT DISTINCT ON (message_id) * FROM identity_calls ORDER BY timestamp"
        ).fetchall()
    ]
    connection.execute("CREATE OR REPLACE TABLE skipped AS SELECT message_id FROM known")
    report.seconds["known_events"] = tick() - mark

    report.identify_calls = sum(1 for c in calls if c.type == "identify")
    report.group_calls = len(calls) - report.identify_calls
    refused = _identity_and_repeats(connection, calls, resolve_identity, report.seconds, tick)

    # Identity runs before the write, not beside it: beside DuckDB's writers, agents' writes
    # waited behind it (p99 254 ms against 75 ms, 10M events under traffic; ADR 0042).
    mark = tick()
    _register_refused(connection, refused)
    run = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(4)
    root = events_root(data_dir)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".import-{run}"
    staging.mkdir()
    try:
        skip, repeats = _one(
            connection,
            "SELECT EXISTS (SELECT 1 FROM skipped), EXISTS (SELECT 1 FROM repeated)",
        )
        report.written = write_days(connection, staging, skip=bool(skip), repeats=bool(repeats))
        report.files = _fsync_and_move(
            staging,
            lambda day, part: day_dir(data_dir, workspace_id, day) / import_file_name(run, part),
        )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.seconds["write"] = tick() - mark

    mark = tick()
    counts = _one(
        connection, "SELECT (SELECT count(*) FROM checked), (SELECT count(*) FROM rejects)"
    )
    report.read, report.rejected = int(counts[0]), int(counts[1])
    report.already_stored = report.read - report.rejected - report.written
    report.reasons = {
        str(reason): int(n)
        for reason, n in connection.execute(
            "SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY 2 DESC, 1"
        ).fetchall()
    }
    if rejects_file is not None and report.rejected:
        _write_rejects(connection, rejects_file)
        report.rejects_file = rejects_file
    report.seconds["summary"] = tick() - mark
    report.seconds["total"] = tick() - started
    return report


def first_rejects(connection: duckdb.DuckDBPyConnection, limit: int = REJECTS_SHOWN) -> list[Any]:
    """A few refused records, for the command's summary."""
    return connection.execute(
        "SELECT filename, message_id, reason FROM rejects ORDER BY filename, message_id LIMIT ?",
        [limit],
    ).fetchall()
