"""The in-process writer gate in front of SQLite's write lock (core.sqlite_writers)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from cxhub.core.db import make_engine, reader_bind
from cxhub.core.sqlite_writers import GatedConnection, gate_for

pytestmark = pytest.mark.nodb  # its own SQLite files, whatever database the suite runs on


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def test_a_writer_holds_the_gate_until_commit_and_rollback(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    gate = gate_for(str(tmp_path / "gate.sqlite3"))
    with engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, GatedConnection)
        transaction = connection.begin()
        connection.execute(text("INSERT INTO t VALUES (1)"))
        assert gate.locked()
        transaction.commit()
        assert not gate.locked()
        transaction = connection.begin()
        connection.execute(text("INSERT INTO t VALUES (2)"))
        assert gate.locked()
        transaction.rollback()
        assert not gate.locked()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT n FROM t")).scalars().all() == [1]
    engine.dispose()


def test_readers_never_take_the_gate(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    gate = gate_for(str(tmp_path / "gate.sqlite3"))
    with reader_bind(engine).connect() as connection, connection.begin():
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
        assert not gate.locked()
    engine.dispose()


def test_a_connection_returned_mid_transaction_gives_the_gate_back(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    gate = gate_for(str(tmp_path / "gate.sqlite3"))
    connection = engine.connect()
    connection.begin()
    connection.execute(text("INSERT INTO t VALUES (3)"))
    assert gate.locked()
    connection.close()  # the pool rolls back on return
    assert not gate.locked()
    engine.dispose()


def test_writers_of_two_threads_queue_and_both_commit(tmp_path: Path) -> None:
    """The second writer waits on the gate (not in SQLite's busy handler) and goes on as soon
    as the first commits; nothing is lost."""
    engine = _engine(tmp_path)
    first_in = threading.Event()
    order: list[str] = []

    def first() -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (10)"))
            first_in.set()
            time.sleep(0.3)
            order.append("first commits")

    def second() -> None:
        first_in.wait()
        with engine.begin() as connection:
            order.append("second begins")
            connection.execute(text("INSERT INTO t VALUES (20)"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert order == ["first commits", "second begins"]
    with engine.connect() as connection:
        assert sorted(connection.execute(text("SELECT n FROM t")).scalars()) == [10, 20]
    engine.dispose()
