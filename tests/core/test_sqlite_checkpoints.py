"""WAL checkpoints in a background thread (core.sqlite_checkpoints, ADR 0041): writers' commits
no longer copy the log back themselves, the thread does, and it ends when writes stop."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from cxhub.core import sqlite_checkpoints
from cxhub.core.db import make_engine
from cxhub.core.sqlite_checkpoints import AUTOCHECKPOINT_PAGES, Checkpointer, checkpointer_for

pytestmark = pytest.mark.nodb

ROW = "x" * 3000  # about one page per row
FORK_ROUNDS = 300


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, Path]]:
    monkeypatch.setattr(sqlite_checkpoints, "IDLE_SECONDS", 0.2)
    path = tmp_path / "checkpoints.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE pages (id INTEGER PRIMARY KEY, body TEXT)"))
    yield engine, path
    engine.dispose()


def _write(engine: Engine, commits: int, rows: int = 20) -> None:
    for _ in range(commits):
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO pages (body) VALUES (:body)"), [{"body": ROW}] * rows
            )


def _wait_for(condition: object, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.02)
    return False


def test_commits_leave_the_checkpoint_to_the_thread(
    database: tuple[Engine, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, path = database
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    assert pages == AUTOCHECKPOINT_PAGES
    checkpointer = checkpointer_for(str(path))
    # Without the thread, ~2,000 pages of commits stay in the log: no commit copied them back
    # (SQLite's default would have checkpointed at 1,000 pages, inside a writer's COMMIT).
    assert _wait_for(lambda: checkpointer.checkpoints >= 1)  # the fixture's CREATE TABLE
    with monkeypatch.context() as patched:
        patched.setattr(Checkpointer, "committed", lambda self: None)
        _write(engine, commits=100)
    assert path.stat().st_size < 10 * 4096
    assert Path(f"{path}-wal").stat().st_size > 1500 * 4096
    # With it, one more commit wakes the thread, which copies the log into the database.
    done_before = checkpointer.checkpoints
    _write(engine, commits=1)
    assert _wait_for(lambda: checkpointer.checkpoints > done_before)
    assert path.stat().st_size > 1500 * 4096
    plain = sqlite3.connect(path, isolation_level=None)
    try:
        busy, in_log, copied = plain.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        plain.close()
    assert busy == 0
    assert in_log == copied  # nothing was left for this checkpoint to copy


def test_the_thread_ends_when_writes_stop_and_starts_with_the_next(
    database: tuple[Engine, Path],
) -> None:
    engine, path = database
    checkpointer = checkpointer_for(str(path))
    _write(engine, commits=3, rows=1)
    assert _wait_for(lambda: checkpointer.checkpoints >= 1)
    assert _wait_for(lambda: checkpointer._thread is None)  # idle: connection closed, ended
    done = checkpointer.checkpoints
    _write(engine, commits=1, rows=1)
    assert _wait_for(lambda: checkpointer.checkpoints > done)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM pages").scalar() == 4


def test_reads_do_not_wake_the_thread(database: tuple[Engine, Path]) -> None:
    engine, path = database
    checkpointer = checkpointer_for(str(path))
    assert _wait_for(lambda: checkpointer._thread is None)
    done = checkpointer.checkpoints
    with engine.connect() as connection:  # a plain reader: no write gate, no wake-up
        connection.execution_options(cxhub_sqlite_writer=False)
        for _ in range(5):
            connection.exec_driver_sql("SELECT count(*) FROM pages").scalar()
            connection.commit()
    time.sleep(0.2)
    assert checkpointer.checkpoints == done
    assert checkpointer._thread is None


def test_closing_the_runtime_ends_the_thread_and_the_log_goes(tmp_path: Path) -> None:
    """`Runtime.close` stops the database's checkpoint thread after the pool: its connection is
    then the last, and SQLite folds the log back and removes it, as on any clean shutdown."""
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.runtime import build_runtime
    from cxhub.core.settings import Settings

    settings = Settings(data_dir=tmp_path, jobs_backend="sync", scheduler=False)
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    with runtime.engine.begin() as connection:
        connection.execute(text("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT)"))
        connection.execute(text("INSERT INTO scratch (body) VALUES (:b)"), [{"b": ROW}] * 50)
    database = str(runtime.engine.dialect.create_connect_args(runtime.engine.url)[0][0])
    checkpointer = checkpointer_for(database)
    assert _wait_for(lambda: checkpointer.checkpoints >= 1)
    assert checkpointer._thread is not None
    runtime.close()
    assert checkpointer._thread is None
    assert not Path(f"{database}-wal").exists()
    plain = sqlite3.connect(database)
    try:
        assert plain.execute("SELECT count(*) FROM scratch").fetchone() == (50,)
    finally:
        plain.close()


def test_connections_cap_the_log_file_they_leave(database: tuple[Engine, Path]) -> None:
    engine, _ = database
    with engine.connect() as connection:
        limit = connection.exec_driver_sql("PRAGMA journal_size_limit").scalar()
    assert limit == 64 * 1024 * 1024


def test_the_thread_never_creates_a_removed_database(tmp_path: Path) -> None:
    missing = tmp_path / "gone.sqlite3"
    checkpointer = Checkpointer(str(missing))
    checkpointer.committed()
    assert _wait_for(lambda: checkpointer._thread is None)
    assert not missing.exists()
    assert checkpointer.checkpoints == 0


def _child_opens(path: str) -> None:
    connection = sqlite3.connect(path)
    connection.execute("SELECT count(*) FROM pages").fetchone()
    connection.close()


def test_forks_while_the_thread_checkpoints_do_not_hang_the_child(
    database: tuple[Engine, Path],
) -> None:
    """A fork waits for the checkpoint call in progress: SQLite's mutexes held by the thread at
    the fork would stay locked in the child, whose first connect would hang for ever (as the
    customers import's forked workers did)."""
    import multiprocessing

    engine, path = database
    context = multiprocessing.get_context("fork")
    checkpointer = checkpointer_for(str(path))
    hung = 0
    for round_ in range(FORK_ROUNDS):
        _write(engine, commits=1, rows=100)  # a log for the thread to copy back right now
        time.sleep(0.0005 * (round_ % 7))  # fork at various points of its checkpoint
        child = context.Process(target=_child_opens, args=(str(path),))
        child.start()
        child.join(10)
        if child.is_alive():
            hung += 1
            child.kill()
            child.join()
        else:
            assert child.exitcode == 0
    assert hung == 0
    assert checkpointer.checkpoints > 0
