"""Many rows in few SQLite statements: `INSERT ... VALUES (?, ...), (?, ...), ...`.

Why not the driver's `executemany`: Python's sqlite3 releases the GIL around every
`sqlite3_step`, which `executemany` calls once per row. Alone that costs nothing; in a web
process whose other threads want the GIL, each release hands it to one of them and the inserting
thread waits up to a switch interval (5 ms) to get it back, per row, holding SQLite's write lock
all the while. Measured (benchmarks: `bench_under_traffic --only ingest`; a 20,000-row insert
beside four threads running Python 1 ms in 3): `executemany` fell from 95,000 to 6,700 rows/s,
one multi-row statement per 256 rows from 102,000 to 87,000 rows/s. Binding happens with the GIL
held, so a statement of n rows releases it once.

Statement sizes are powers of two up to `MAX_ROWS_PER_STATEMENT` (and SQLite's limit on bound
variables), so a handful of SQL texts serve every batch size and stay in the driver's statement
cache. Rows keep their order, so `ON CONFLICT DO NOTHING` keeps the first of duplicates as
`executemany` did, and a failing row fails its statement as it failed `executemany`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from functools import lru_cache
from itertools import chain
from typing import Any

from sqlalchemy import Connection

MAX_ROWS_PER_STATEMENT = 256
_DEFAULT_VARIABLE_LIMIT = 999  # SQLite before 3.32; newer builds allow 32,766


def chunk_sizes(count: int, largest: int) -> Iterator[int]:
    """`count` split into `largest`-sized chunks and then descending powers of two."""
    while count >= largest:
        yield largest
        count -= largest
    size = largest
    while count:
        size //= 2
        if count >= size:
            yield size
            count -= size


def rows_per_statement(connection: Connection, width: int) -> int:
    """The largest power of two of rows of `width` values one statement may bind."""
    limit = _DEFAULT_VARIABLE_LIMIT
    driver = connection.connection.driver_connection
    if isinstance(driver, sqlite3.Connection):
        limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    largest = 1
    while largest * 2 <= min(MAX_ROWS_PER_STATEMENT, limit // max(1, width)):
        largest *= 2
    return largest


def multirow_insert(
    connection: Connection, head: str, rows: Sequence[Sequence[Any]], tail: str = ""
) -> None:
    """Run `{head} VALUES (?, ...), ... {tail}` over `rows` (equal-width tuples, qmark style).

    `head` is `INSERT INTO table (columns)`; `tail` an optional `ON CONFLICT ...` clause."""
    if not rows:
        return
    width = len(rows[0])
    largest = rows_per_statement(connection, width)
    start = 0
    for size in chunk_sizes(len(rows), largest):
        chunk = rows[start : start + size]
        start += size
        sql = _statement(head, tail, width, size)
        connection.exec_driver_sql(sql, tuple(chain.from_iterable(chunk)))


@lru_cache(maxsize=256)
def _statement(head: str, tail: str, width: int, size: int) -> str:
    group = "(" + ", ".join("?" * width) + ")"
    return f"{head} VALUES {', '.join([group] * size)} {tail}".rstrip()
