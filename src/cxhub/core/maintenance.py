"""Installation-wide database upkeep, run by the scheduler (not per workspace).

SQLite plans queries from the statistics `ANALYZE` gathers; without fresh ones it can pick an
index far less selective than it looks (measured in docs/benchmarks.md, "Helpdesk", and in
migration 0031). SQLite 3.46+ has `PRAGMA optimize=0x10002`: it checks every table and analyses
the ones that need it, with a bounded sample. Older SQLite (3.40 in Python 3.11's builds)
analyses only tables the *current connection* has queried, which a job's fresh connection has
not, so there the job runs `ANALYZE` itself under `PRAGMA analysis_limit`: each index is
sampled, not read, so the write lock is held for milliseconds whatever the database's size.
The first run is at start-up (the scheduler's first tick), then every six hours.
PostgreSQL's autovacuum keeps its own statistics, so nothing is done there.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

OPTIMIZE_DATABASE = "db.optimize"
EVERY_SECONDS = 6 * 3600
ANALYSIS_LIMIT = 1000  # rows sampled per index (SQLite suggests 100-1000)


def optimize_database(session: Session, payload: dict[str, Any]) -> None:
    if session.get_bind().dialect.name != "sqlite":
        return
    if sqlite3.sqlite_version_info >= (3, 46):
        session.execute(text("PRAGMA optimize=0x10002"))
    else:
        session.execute(text(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}"))
        session.execute(text("ANALYZE"))


def install_maintenance(runtime: Any) -> None:
    """Called by `build_runtime`: core upkeep needs no domain."""
    runtime.jobs.register(OPTIMIZE_DATABASE)(optimize_database)
    if runtime.scheduler is not None:
        runtime.scheduler.every(EVERY_SECONDS, OPTIMIZE_DATABASE, per_workspace=False)
