"""The chunked rescore's delete of a chunk's day finds exactly those rows on SQLite without
planner statistics (migration 0032), not every past day of the chunk's accounts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from cxhub.core.db import unit_of_work
from cxhub.customers.accounts import service as accounts
from cxhub.customers.accounts.schemas import AccountCreate
from cxhub.success.health.rescore import rescore_workspace
from tests.factories import fresh_sqlite_runtime, make_tenant

pytestmark = pytest.mark.nodb  # its own SQLite file: the plans are SQLite's


def test_chunk_deletes_use_the_day_index_with_the_account_range(tmp_path: Path) -> None:
    deletes: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM ACCOUNT_HEALTH_SCORES"):
            deletes.append((statement, parameters))

    with fresh_sqlite_runtime(tmp_path) as (runtime, path):
        tenant = make_tenant(runtime)
        with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
            for n in range(5):
                accounts.create_account(
                    session, workspace_id=tenant.workspace_id, data=AccountCreate(name=f"A{n}")
                )
        event.listen(runtime.engine, "before_cursor_execute", record)
        try:
            with unit_of_work(runtime.session_factory, tenant.workspace_id) as session:
                rescore_workspace(
                    session, workspace_id=tenant.workspace_id, as_of=datetime.now(UTC),
                    data_dir=runtime.settings.data_dir, between_chunks=session.commit,
                    chunk_size=2,
                )  # fmt: skip
        finally:
            event.remove(runtime.engine, "before_cursor_execute", record)
    assert len(deletes) == 3  # chunks of 2, 2 and 1 accounts
    plain = sqlite3.connect(path)
    try:
        statistics = "SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'"
        assert plain.execute(statistics).fetchall() == []
        plans = [
            " ".join(row[-1] for row in plain.execute(f"EXPLAIN QUERY PLAN {sql}", parameters))
            for sql, parameters in deletes
        ]
    finally:
        plain.close()
    for plan in plans:
        assert "ix_account_health_scores_scorecard_day" in plan, plan
        assert "day=?" in plan, plan
    # The middle chunk is bounded on both sides, by the range of its accounts.
    assert "account_id>? AND account_id<?" in plans[1], plans[1]
