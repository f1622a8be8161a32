"""WAL checkpoints in a background thread of each process, off the writers' path (ADR 0041).

In WAL mode SQLite appends every commit to the `-wal` file and copies the pages back into the
database in a *checkpoint*. By default the connection whose commit takes the log past 1,000
pages runs it, inside its COMMIT: it reads the log, writes the database file and syncs both,
which takes milliseconds to tens of milliseconds on a real disk. That commit's caller holds this
process's writer gate meanwhile (`core.sqlite_writers`: the gate is given back when COMMIT
returns), so every writer of every process waited for the copy, and one unlucky request (an
agent's reply, a `/v1/batch`) paid for everybody's pages. A micro-benchmark of 100-row inbox
commits spent 19 µs of wall time per row with the automatic checkpoints and 12 µs without.

So the writers of a process only note that they committed (`committed`), and one thread per
database file runs `PRAGMA wal_checkpoint(PASSIVE)` on its own connection at most every
`INTERVAL_SECONDS` while commits come in. A passive checkpoint copies what no reader still needs
and never waits for readers or writers, so writers keep committing while it runs. The thread
ends after `IDLE_SECONDS` without commits (it starts again with the next), so a process that
stops writing holds no connection open. `AUTOCHECKPOINT_PAGES` stays set on the writers as a
backstop: were the thread ever behind (or dead), the writer whose commit takes the log past
~40 MB checkpoints as before.
"""

from __future__ import annotations

import atexit
import logging
import os
import sqlite3
import threading
import time
import urllib.parse

log = logging.getLogger(__name__)

#: Seconds between two checkpoints while commits keep coming.
INTERVAL_SECONDS = 0.05
#: Seconds without a commit after which the thread closes its connection and ends.
IDLE_SECONDS = 5.0
#: The writers' own automatic checkpoint threshold, a backstop only (SQLite's default is 1000).
AUTOCHECKPOINT_PAGES = 10_000


class Checkpointer:
    """The checkpoint thread of one database file in this process."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.checkpoints = 0  # completed `wal_checkpoint` calls, for tests and diagnostics
        self._wake = threading.Event()
        self._stopping = False
        self._warned = False
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def committed(self) -> None:
        """A write transaction of this process committed: checkpoint soon."""
        self._wake.set()
        thread = self._thread
        if thread is None or not thread.is_alive():
            with self._guard:
                if self._thread is None or not self._thread.is_alive():
                    self._stopping = False
                    self._thread = threading.Thread(
                        target=self._run, name="cxhub-sqlite-checkpoint", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        try:
            self._checkpoint_while_woken()
        finally:
            with self._guard:
                if self._thread is threading.current_thread():
                    self._thread = None
            if self._wake.is_set() and not self._stopping:  # a commit raced the idle exit
                self.committed()

    def _checkpoint_while_woken(self) -> None:
        try:
            with _inside_sqlite:
                connection = sqlite3.connect(
                    _existing_only(self.database),
                    isolation_level=None,
                    check_same_thread=False,
                    uri=True,
                )
        except sqlite3.Error as exc:  # the writers' backstop checkpoints; a later commit retries
            self._wake.clear()
            if not self._warned:
                self._warned = True
                log.warning("no checkpoint connection to %s: %s", self.database, exc)
            return
        try:
            with _inside_sqlite:
                connection.execute("PRAGMA synchronous=NORMAL")
            while self._wake.wait(IDLE_SECONDS):
                self._wake.clear()
                try:
                    with _inside_sqlite:
                        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error as exc:  # e.g. the file was removed; try at the next commit
                    log.debug("checkpoint of %s failed: %s", self.database, exc)
                if self._stopping:
                    break
                time.sleep(INTERVAL_SECONDS)  # let commits gather: one checkpoint per interval
        finally:
            with _inside_sqlite:
                connection.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Checkpoint once more and end the thread. Its connection closes, and when it is the
        database's last SQLite folds the log back and removes it, as on any clean shutdown. A
        later commit starts the thread again."""
        with self._guard:
            thread = self._thread
        if thread is None or not thread.is_alive():
            return
        self._stopping = True
        self._wake.set()
        thread.join(timeout)


def _existing_only(database: str) -> str:
    """A URI that opens `database` read-write without creating it (it may have been removed)."""
    if database.startswith("file:"):
        return database
    return f"file:{urllib.parse.quote(os.path.abspath(database))}?mode=rw"


_checkpointers: dict[str, Checkpointer] = {}
_checkpointers_guard = threading.Lock()


#: Held by checkpoint threads around every SQLite call, and by a thread that forks (below):
#: SQLite's own mutexes (the Unix VFS's file list, taken while a connection opens, closes or
#: locks) held by a checkpoint thread at the moment of a fork stay locked in the child forever,
#: and the child's first `sqlite3.connect` hangs (seen with the customers import's forked
#: workers). So a fork waits for the checkpoint call in progress (milliseconds).
_inside_sqlite = threading.Lock()


def _before_fork() -> None:
    _inside_sqlite.acquire()


def _after_fork_in_parent() -> None:
    _inside_sqlite.release()


def _after_fork_in_child() -> None:
    """A forked child has none of the parent's threads, and a lock a parent's thread held at
    the fork would stay held forever: fresh locks and no thread, for the registry and for the
    checkpointers the child's inherited connections point to."""
    global _checkpointers_guard, _inside_sqlite
    _inside_sqlite = threading.Lock()
    _checkpointers_guard = threading.Lock()
    for checkpointer in _checkpointers.values():
        checkpointer._guard = threading.Lock()
        checkpointer._wake = threading.Event()
        checkpointer._thread = None


def stop_all() -> None:
    """End every checkpoint thread of this process (at exit: see `stop`)."""
    with _checkpointers_guard:
        found = list(_checkpointers.values())
    for checkpointer in found:
        checkpointer.stop()


os.register_at_fork(
    before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child
)
atexit.register(stop_all)


def checkpointer_for(database: str) -> Checkpointer:
    """The checkpoint thread of `database` in this process (one, whatever the engines)."""
    with _checkpointers_guard:
        found = _checkpointers.get(database)
        if found is None:
            found = _checkpointers[database] = Checkpointer(database)
        return found


def stop_checkpointer(database: str) -> None:
    """End `database`'s checkpoint thread in this process, if it runs (`Runtime.close`)."""
    with _checkpointers_guard:
        found = _checkpointers.get(database)
    if found is not None:
        found.stop()
