"""Multi-row INSERTs on SQLite (core.multirow): chunking, order, conflicts, the variable limit."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text

from cxhub.core.multirow import MAX_ROWS_PER_STATEMENT, chunk_sizes, multirow_insert

pytestmark = pytest.mark.nodb


@pytest.mark.parametrize(
    ("count", "largest", "expected"),
    [
        (0, 256, []),
        (1, 256, [1]),
        (256, 256, [256]),
        (257, 256, [256, 1]),
        (1000, 256, [256, 256, 256, 128, 64, 32, 8]),  # 1000 = 3*256 + 232 = 128+64+32+8
        (7, 4, [4, 2, 1]),
        (5, 1, [1, 1, 1, 1, 1]),
    ],
)
def test_chunk_sizes_are_full_chunks_then_descending_powers_of_two(
    count: int, largest: int, expected: list[int]
) -> None:
    assert list(chunk_sizes(count, largest)) == expected
    assert sum(chunk_sizes(count, largest)) == count


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'rows.sqlite3'}")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE items (key TEXT NOT NULL UNIQUE, position INTEGER, payload TEXT)"
        )
    yield engine
    engine.dispose()


def _executed(engine: Engine) -> list[str]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("INSERT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return seen


def test_every_row_is_stored_in_order_with_few_statements(engine: Engine) -> None:
    rows = [(f"k{n}", n, f"payload {n}") for n in range(1000)]
    seen = _executed(engine)
    with engine.begin() as connection:
        multirow_insert(connection, "INSERT INTO items (key, position, payload)", rows)
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT key, position, payload FROM items ORDER BY rowid"))
        assert [tuple(row) for row in stored] == rows
    # 1000 rows: three of 256, then 128 + 64 + 32 + 8; one GIL release per statement
    assert len(seen) == 7
    assert seen[0].count("(?, ?, ?)") == MAX_ROWS_PER_STATEMENT
    assert len(set(seen)) == 5  # one SQL text per size: they stay in the statement cache


def test_a_conflict_clause_keeps_the_first_of_duplicates(engine: Engine) -> None:
    rows = [("a", 1, "first"), ("b", 2, "b"), ("a", 3, "second"), ("c", 4, "c")]
    with engine.begin() as connection:
        multirow_insert(
            connection,
            "INSERT INTO items (key, position, payload)",
            rows,
            "ON CONFLICT (key) DO NOTHING",
        )
        multirow_insert(connection, "INSERT INTO items (key, position, payload)", [])
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT key, payload FROM items ORDER BY position"))
        assert [tuple(row) for row in stored] == [("a", "first"), ("b", "b"), ("c", "c")]


def test_a_failing_row_fails_its_statement_and_the_transaction_keeps_nothing(
    engine: Engine,
) -> None:
    rows = [(f"k{n}", n, None) for n in range(300)] + [("k5", 999, "duplicate")]
    with pytest.raises(Exception, match="UNIQUE"), engine.begin() as connection:
        multirow_insert(connection, "INSERT INTO items (key, position, payload)", rows)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM items")).scalar_one() == 0


def test_statements_respect_a_low_variable_limit(engine: Engine) -> None:
    """An SQLite built with a lower limit of bound variables (999 before 3.32) takes every row."""

    @event.listens_for(engine, "connect")
    def lower_limit(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        dbapi_connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 500)

    engine.dispose()
    rows = [(f"k{n}", n, "x") for n in range(700)]
    seen = _executed(engine)
    with engine.begin() as connection:
        multirow_insert(connection, "INSERT INTO items (key, position, payload)", rows)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM items")).scalar_one() == 700
    # 500 // 3 = 166 rows' worth: statements of 128 rows at most
    assert max(statement.count("(?, ?, ?)") for statement in seen) == 128
    assert max(statement.count("?") for statement in seen) <= 500
