"""The in-process writer gate in front of SQLite's write lock (core.sqlite_writers)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from cxhub.core import sqlite_writers
from cxhub.core.db import make_engine, reader_bind
from cxhub.core.sqlite_writers import YIELD_SECONDS, GatedConnection, gate_for

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


def test_writers_of_another_process_wait_on_the_lock_file(tmp_path: Path) -> None:
    """The gate's file lock is shared across processes: while another process holds it, a
    writer here waits (polling in milliseconds), then goes on once it is released."""
    import subprocess
    import sys

    database = str(tmp_path / "gate.sqlite3")
    holder = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\n"
            "print('held', flush=True)\n"
            "time.sleep(0.5)\n",
            f"{database}-writer.lock",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    gate = gate_for(database)
    started = time.monotonic()
    assert gate.acquire(timeout=5)
    waited = time.monotonic() - started
    gate.release()
    holder.wait(timeout=10)
    assert waited >= 0.2, waited
    assert not gate.locked()


def test_the_gate_gives_up_after_its_timeout_and_lets_sqlite_decide(tmp_path: Path) -> None:
    gate = gate_for(str(tmp_path / "other.sqlite3"))
    assert gate.acquire(timeout=1)
    result: list[bool] = []
    waiter = threading.Thread(target=lambda: result.append(gate.acquire(timeout=0.2)))
    waiter.start()
    waiter.join()
    assert result == [False]
    gate.release()
    assert not gate.locked()


def _timed_read(engine, results: list[float], started: threading.Event) -> None:  # type: ignore[no-untyped-def]
    with reader_bind(engine).connect() as connection, connection.begin():
        started.set()
        begun = time.monotonic()
        connection.execute(text("SELECT count(*) FROM t")).scalar()
        results.append(time.monotonic() - begun)


def test_a_reader_waits_for_the_writer_of_its_process_until_it_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_writers, "YIELD_SECONDS", 3.0)
    engine = _engine(tmp_path)
    waited: list[float] = []
    started = threading.Event()
    with engine.connect() as writer:
        transaction = writer.begin()
        writer.execute(text("INSERT INTO t VALUES (1)"))
        reader = threading.Thread(target=_timed_read, args=(engine, waited, started))
        reader.start()
        started.wait(5)
        time.sleep(0.05)
        transaction.commit()
        reader.join(5)
    # It waited for the commit (50 ms on), not for the whole bound.
    assert len(waited) == 1
    assert 0.04 <= waited[0] < 2.0
    engine.dispose()


def test_a_reader_waits_at_most_the_bound_for_a_long_writer(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    waited: list[float] = []
    started = threading.Event()
    with engine.connect() as writer:
        transaction = writer.begin()
        writer.execute(text("INSERT INTO t VALUES (1)"))
        reader = threading.Thread(target=_timed_read, args=(engine, waited, started))
        reader.start()
        reader.join(5)
        assert waited
        assert YIELD_SECONDS * 0.9 <= waited[0] < 1.0
        transaction.rollback()
    engine.dispose()


def test_the_writer_itself_and_the_event_loop_never_wait(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    gate = gate_for(str(tmp_path / "gate.sqlite3"))
    with engine.connect() as writer:
        transaction = writer.begin()
        writer.execute(text("INSERT INTO t VALUES (1)"))
        # A read-only session of the writing thread (the caller lookup, a job's inputs).
        begun = time.monotonic()
        with reader_bind(engine).connect() as own_read, own_read.begin():
            assert own_read.execute(text("SELECT count(*) FROM t")).scalar() == 0
        assert time.monotonic() - begun < YIELD_SECONDS

        async def on_the_loop() -> float:
            begun = time.monotonic()
            gate.yield_to_writer(timeout=5.0)
            return time.monotonic() - begun

        loop_waits: list[float] = []
        other = threading.Thread(target=lambda: loop_waits.append(asyncio.run(on_the_loop())))
        other.start()
        other.join(5)
        assert loop_waits
        assert loop_waits[0] < 1.0
        transaction.commit()
    engine.dispose()


def test_a_forked_child_gets_a_free_gate_while_a_parent_thread_holds_it(tmp_path: Path) -> None:
    """The customers import forks its lookup worker while other threads may be writing: the
    child must not inherit a gate held by a thread that does not exist there."""
    import os

    database = str(tmp_path / "forked.sqlite3")
    gate = gate_for(database)
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        assert gate.acquire(1.0)
        held.set()
        release.wait(10)
        gate.release()

    thread = threading.Thread(target=writer)
    thread.start()
    held.wait(5)
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, never return into pytest
        try:
            child_gate = gate_for(database)
            started = time.monotonic()
            child_gate.yield_to_writer(1.0)
            yielded = time.monotonic() - started
            acquired = child_gate.acquire(5.0)  # the parent's file lock goes at ~0.3 s
            verdict = (
                f"{child_gate is not gate} {acquired} {yielded:.3f} "
                f"{time.monotonic() - started:.3f}"
            )
        except BaseException as exc:
            verdict = f"error {exc!r}"
        os.write(writing, verdict.encode())
        os._exit(0)
    os.close(writing)
    try:
        time.sleep(0.3)
        release.set()  # the parent's writer finishes: its file lock, shared with the child, goes
        thread.join()
        verdict = os.read(reading, 200).decode()
        os.waitpid(pid, 0)
    finally:
        os.close(reading)
        release.set()
    fresh, acquired, yielded, seconds = verdict.split()
    assert (fresh, acquired) == ("True", "True"), verdict
    assert float(yielded) < 0.1  # no wait for a thread that is not in the child
    assert float(seconds) < 2.5  # the file lock's wait, not GATE_TIMEOUT_SECONDS
    assert gate.acquire(1.0)  # and the parent's own gate still works
    gate.release()
