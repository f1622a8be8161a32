"""One queue in front of SQLite's write lock, for the threads and processes of one database.

SQLite admits one writer at a time. A writer that finds the lock taken does not queue: its busy
handler sleeps and polls, backing off to 100 ms between tries, so under steady write traffic a
waiting request can lose the lock to newer arrivals again and again (second-long tails in
`benchmarks/bench_mixed_traffic.py`). So before `BEGIN IMMEDIATE` a writer passes a gate
(ADR 0035):

- threads of one process take a plain lock per database file: they wait on it and are woken as
  soon as it is free;
- the thread holding it then takes an advisory file lock (`flock`) on `<database>-writer.lock`,
  shared with the other processes (web workers, `cxhub worker`, CLI commands), polled every
  millisecond or two rather than SQLite's up-to-100 ms. The kernel drops it if a process dies.

The gate is given back after COMMIT or ROLLBACK has finished, or when the pool closes the
connection, so no path through SQLAlchemy can leave it held. The WAL checkpoint that SQLite
would run inside a COMMIT (with the gate held) runs in a thread of its own instead
(`core.sqlite_checkpoints`, ADR 0041). Readers (deferred BEGIN, WAL) never
take it, and PostgreSQL needs none of this.

While a thread of this process holds the lock, the process's other threads give way to it
before each of their statements (`yield_to_writer`, ADR 0036): they all share one GIL, and a
writer that gets a fifth of it holds the database's only write lock five times as long, which
every other writer in every process waits out. The wait is bounded (`YIELD_SECONDS`), so a
reader is delayed at most that long per statement and never starved; the event loop's thread
never waits.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import sqlite3
import threading
import time
from typing import Any

from cxhub.core.sqlite_checkpoints import checkpointer_for

log = logging.getLogger(__name__)

#: Longest wait for the gate; then the writer goes on and SQLite's busy_timeout decides.
GATE_TIMEOUT_SECONDS = 10.0
_POLL_FIRST, _POLL_MAX = 0.0002, 0.002
#: Longest a statement of another thread waits for this process's writer. About one write
#: transaction at p99 (docs/benchmarks.md); a longer writer is left to share the CPU.
YIELD_SECONDS = 0.02


class WriterGate:
    """The gate of one database file in this process."""

    def __init__(self, database: str) -> None:
        self.lock_path = f"{database}-writer.lock"
        self._threads = threading.Lock()
        self._descriptor: int | None = None
        self._owner_pid: int | None = None
        self._file_held = False
        self._owner: int | None = None  # the thread holding both locks, once it has both
        self._released = threading.Condition()

    def yield_to_writer(self, timeout: float) -> None:
        """Wait, at most `timeout`, while another thread of this process holds the gate and
        the file lock (a writer waiting for another process's lock is not running: no wait)."""
        me = threading.get_ident()
        if self._owner in (None, me) or _on_event_loop():
            return
        deadline = time.monotonic() + timeout
        with self._released:
            while self._owner not in (None, me):
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                self._released.wait(left)

    def locked(self) -> bool:
        return self._threads.locked()

    def acquire(self, timeout: float = GATE_TIMEOUT_SECONDS) -> bool:
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        try:
            self._file_held = self._lock_file(deadline)
        except OSError:  # no lock file here (a read-only directory): threads still queue
            self._file_held = False
        self._owner = threading.get_ident()
        return True

    def release(self) -> None:
        if self._file_held and self._descriptor is not None:
            self._file_held = False
            fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        self._owner = None
        self._threads.release()
        with self._released:
            self._released.notify_all()

    def _lock_file(self, deadline: float) -> bool:
        descriptor = self._open()
        pause = _POLL_FIRST
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, _POLL_MAX)

    def _open(self) -> int:
        """This process's descriptor: a forked child must not share its parent's (flock locks
        belong to the open file, which a fork shares)."""
        if self._descriptor is None or self._owner_pid != os.getpid():
            self._descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._owner_pid = os.getpid()
        return self._descriptor


def _on_event_loop() -> bool:
    return asyncio._get_running_loop() is not None


_gates: dict[str, WriterGate] = {}
_gates_guard = threading.Lock()


def _forget_gates_in_child() -> None:
    """A forked child starts with no gates. A parent thread that held one at the fork (or was
    inside `gate_for`) does not exist in the child and would never let go: the child's writers
    would wait out `GATE_TIMEOUT_SECONDS` and its readers `YIELD_SECONDS` per statement. A
    connection carried across the fork keeps the old gate; SQLite forbids using one anyway."""
    global _gates_guard
    _gates_guard = threading.Lock()
    _gates.clear()


os.register_at_fork(after_in_child=_forget_gates_in_child)


def gate_for(database: str) -> WriterGate:
    """The gate shared by every engine of this process that writes to `database`."""
    with _gates_guard:
        gate = _gates.get(database)
        if gate is None:
            gate = _gates[database] = WriterGate(database)
        return gate


class GatedConnection(sqlite3.Connection):
    """A pysqlite connection that holds its database's writer gate during a write transaction."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = str(database)
        # A private in-memory database has no other writer to queue behind.
        in_memory = ":memory:" in name or "mode=memory" in name
        self._gate = None if in_memory else gate_for(name)
        self._checkpointer = None if in_memory else checkpointer_for(name)
        self._holds_gate = False

    def enter_write_gate(self) -> None:
        if self._gate is not None and not self._holds_gate:
            self._holds_gate = self._gate.acquire(GATE_TIMEOUT_SECONDS)

    def yield_to_writer(self) -> None:
        """Before a statement outside a write transaction: let this process's writer go first."""
        if self._gate is not None and not self._holds_gate:
            self._gate.yield_to_writer(YIELD_SECONDS)

    def leave_write_gate(self) -> None:
        if self._holds_gate and self._gate is not None:
            self._holds_gate = False
            self._gate.release()

    def commit(self) -> None:
        wrote = self._holds_gate
        try:
            super().commit()
        finally:
            self.leave_write_gate()
        if wrote and self._checkpointer is not None:
            try:
                self._checkpointer.committed()  # the log's pages go back in the background
            except Exception:  # the commit stands; the writers' backstop checkpoints instead
                log.warning("could not wake the checkpoint thread", exc_info=True)

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_write_gate()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_write_gate()
