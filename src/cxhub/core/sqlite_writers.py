"""One in-process queue in front of SQLite's write lock.

SQLite admits one writer at a time. A writer that finds the lock taken does not queue: its busy
handler sleeps and polls, backing off to 100 ms between tries, so under steady write traffic a
waiting request can lose the lock to newer arrivals again and again (second-long tails in
`benchmarks/bench_mixed_traffic.py`). Threads of one process therefore take a plain lock per
database file before `BEGIN IMMEDIATE` and give it back when the transaction ends: they wait on
the lock, woken as soon as it is free, instead of sleeping in SQLite. Writers in other processes
(several web workers) still meet in SQLite's busy handler; PostgreSQL needs none of this.

The connection class releases the gate itself after COMMIT or ROLLBACK has finished, and when
the pool closes the connection, so no path through SQLAlchemy can leave it held.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

#: Longest wait for the gate; then the writer goes on and SQLite's busy_timeout decides.
GATE_TIMEOUT_SECONDS = 10.0

_gates: dict[str, threading.Lock] = {}
_gates_guard = threading.Lock()


def gate_for(database: str) -> threading.Lock:
    """The gate shared by every engine of this process that writes to `database`."""
    with _gates_guard:
        return _gates.setdefault(database, threading.Lock())


class GatedConnection(sqlite3.Connection):
    """A pysqlite connection that holds its database's writer gate during a write transaction."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = str(database)
        # A private in-memory database has no other writer to queue behind.
        self._gate = None if name == ":memory:" or "mode=memory" in name else gate_for(name)
        self._holds_gate = False

    def enter_write_gate(self) -> None:
        if self._gate is not None and not self._holds_gate:
            self._holds_gate = self._gate.acquire(timeout=GATE_TIMEOUT_SECONDS)

    def leave_write_gate(self) -> None:
        if self._holds_gate and self._gate is not None:
            self._holds_gate = False
            self._gate.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_write_gate()

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
