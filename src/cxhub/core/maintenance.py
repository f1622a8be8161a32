"""Installation-wide database upkeep, run by the scheduler (not per workspace).

SQLite plans queries from the statistics `ANALYZE` gathers; without fresh ones it can pick an
index far less selective than it looks (measured in docs/benchmarks.md, "Helpdesk").
`PRAGMA optimize` refreshes only statistics that queries showed to be missing or stale (SQLite
3.46+ checks every table), so it is cheap to run often; a full ANALYZE of a large database would
hold the write lock for seconds and is left to `cxhub db upgrade` migrations that need it.
PostgreSQL's autovacuum keeps its own statistics, so nothing is done there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

OPTIMIZE_DATABASE = "db.optimize"
EVERY_SECONDS = 6 * 3600


def optimize_database(session: Session, payload: dict[str, Any]) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA optimize"))


def install_maintenance(runtime: Any) -> None:
    """Called by `build_runtime`: core upkeep needs no domain."""
    runtime.jobs.register(OPTIMIZE_DATABASE)(optimize_database)
    if runtime.scheduler is not None:
        runtime.scheduler.every(EVERY_SECONDS, OPTIMIZE_DATABASE, per_workspace=False)
