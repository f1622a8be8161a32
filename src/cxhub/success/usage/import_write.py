"""The event import's write: the new valid rows of `checked` into per-day Parquet files in a
staging folder, later moved into the store (`bulk_import.py` step 4, ADR 0042).

Why chunks of days, each written by its own COPY on one DuckDB thread, as many at once as
DuckDB has threads: DuckDB's partitioned COPY spends most of its time sharing the open day
files between its threads. At 10M events over 60 days, one COPY on two threads took 10.5 s and
20.6 CPU-s, on one thread 11.2 s and 11.5 CPU-s; two COPYs of disjoint day ranges at once, one
thread each, 5.7 s and 11.0 CPU-s.

The tables read (`checked`, `skipped`, `repeated`) are ordinary tables of the import's
in-memory database, not TEMP ones: each writer has its own cursor (connection), and a TEMP
table is seen by its own connection only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from cxhub.success.usage.storage import PARQUET_OPTIONS, sql_literal

WRITE_OPTIONS = f"{PARQUET_OPTIONS}, PARTITION_BY (day)"
_STORED_COLUMNS = (
    "NULL::BIGINT AS id, message_id, type, event, user_id, anonymous_id, group_id, timestamp, "
    "received_at, properties, context, CAST(timestamp AS DATE) AS day"
)
# Chunks per writer: with one chunk each, a writer whose days hold more rows (or that gets less
# CPU) finishes last alone; several keep all busy to the end. Each costs a scan of `timestamp`.
CHUNKS_PER_WRITER = 4


def new_events(*, skip: bool, repeats: bool) -> str:
    """The valid rows not stored yet, one per messageId. Only the (few) repeated messageIds go
    through DISTINCT ON: de-duplicating every row costs three times the rest of the write. A
    join whose other side is empty (a first import) is left out: each costs a pass over the
    rows, 4 of the write's 22 CPU seconds at 10M events.

    Of a repeated messageId the earliest copy is kept, by an ORDER BY: each chunk of days runs
    this query again, and without one, two chunks could each keep a copy of their own day."""
    unskipped = " ANTI JOIN skipped USING (message_id)" if skip else ""
    if not repeats:
        return f"SELECT {_STORED_COLUMNS} FROM checked{unskipped} WHERE reason IS NULL"  # noqa: S608
    return (  # constants only
        f"SELECT {_STORED_COLUMNS} FROM checked{unskipped} "  # noqa: S608
        "ANTI JOIN repeated USING (message_id) WHERE reason IS NULL "
        f"UNION ALL (SELECT DISTINCT ON (message_id) {_STORED_COLUMNS} FROM checked "
        f"SEMI JOIN repeated USING (message_id){unskipped} WHERE reason IS NULL "
        "ORDER BY message_id, timestamp)"
    )


def day_chunks(connection: duckdb.DuckDBPyConnection, pieces: int) -> list[tuple[date, date]]:
    """Consecutive day ranges (first, last) holding about equal numbers of valid rows."""
    days = connection.execute(
        "SELECT CAST(timestamp AS DATE) AS day, count(*) FROM checked "
        "WHERE reason IS NULL GROUP BY day ORDER BY day"
    ).fetchall()
    target = sum(int(n) for _, n in days) / max(pieces, 1)
    chunks: list[tuple[date, date]] = []
    first: date | None = None
    rows = 0
    for day, count in days:
        first = first or day
        rows += int(count)
        if rows >= target:
            chunks.append((first, day))
            first, rows = None, 0
    if first is not None:
        chunks.append((first, days[-1][0]))
    return chunks


def _chunk_sql(select: str, chunk: tuple[date, date], staging: Path) -> str:
    # Bounds on `timestamp` itself, not on `day`: DuckDB pushes them into the scan of `checked`.
    low = f"TIMESTAMP '{chunk[0].isoformat()}'"
    high = f"TIMESTAMP '{(chunk[1] + timedelta(days=1)).isoformat()}'"
    return (
        f"COPY (SELECT * FROM ({select}) WHERE timestamp >= {low} AND timestamp < {high}) "  # noqa: S608
        f"TO {sql_literal(staging)} ({WRITE_OPTIONS}, APPEND)"
    )


@contextmanager
def on_threads(connection: duckdb.DuckDBPyConnection, threads: int) -> Iterator[int]:
    """DuckDB on `threads` threads inside the block; yields the number configured before.
    The setting is the database's, not a cursor's: a step that shares the cores with other
    work (a writer among writers, the repeats scan beside identity) sets it for its time."""
    configured = int(connection.execute("SELECT current_setting('threads')").fetchall()[0][0])
    connection.execute(f"SET threads = {int(threads)}")
    try:
        yield configured
    finally:
        connection.execute(f"SET threads = {configured}")


@dataclass
class _Chunks:
    """The chunks left to write, shared by the writers; a failure stops them all."""

    left: list[tuple[date, date]]
    lock: threading.Lock = field(default_factory=threading.Lock)
    failed: bool = False
    written: int = 0

    def take(self) -> tuple[date, date] | None:
        with self.lock:
            return None if self.failed or not self.left else self.left.pop(0)

    def done(self, rows: int) -> None:
        with self.lock:
            self.written += rows

    def fail(self) -> None:
        with self.lock:
            self.failed = True


def _writer(
    connection: duckdb.DuckDBPyConnection, select: str, staging: Path, chunks: _Chunks
) -> None:
    cursor = connection.cursor()
    try:
        while (chunk := chunks.take()) is not None:
            rows = cursor.execute(_chunk_sql(select, chunk, staging)).fetchall()
            chunks.done(int(rows[0][0]))
    except BaseException:
        chunks.fail()
        raise
    finally:
        cursor.close()


def write_days(
    connection: duckdb.DuckDBPyConnection, staging: Path, *, skip: bool, repeats: bool
) -> int:
    """Write the new events into `staging` (one folder per day); the rows written. If a
    writer fails, the others stop at their next chunk and the error is raised."""
    select = new_events(skip=skip, repeats=repeats)
    with on_threads(connection, 1) as configured:
        writers = max(configured, 1)
        chunks = _Chunks(day_chunks(connection, writers * CHUNKS_PER_WRITER))
        with ThreadPoolExecutor(writers, thread_name_prefix="cxhub-import-write") as pool:
            running = [
                pool.submit(_writer, connection, select, staging, chunks) for _ in range(writers)
            ]
            for future in running:
                future.exception()  # wait for all before raising any
            for future in running:
                future.result()
    return chunks.written
