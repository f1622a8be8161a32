"""Compaction moves inbox rows into Parquet files, once, even across a crash (ADR 0015)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import func, select

from cxhub.core.runtime import Runtime
from cxhub.success.usage import service
from cxhub.success.usage.compaction import compact
from cxhub.success.usage.models import UsageEvent
from cxhub.success.usage.storage import event_files
from cxhub.success.usage.tasks import COMPACT
from cxhub.success.usage.validation import validate_call
from tests.factories import Tenant

ARRIVED = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def add_events(tenant: Tenant, calls: list[dict[str, Any]], *, arrived: datetime = ARRIVED) -> None:
    rows = [validate_call(call, received_at=arrived) for call in calls]
    with tenant.session() as session:
        service.append_events(session, workspace_id=tenant.workspace_id, rows=rows)


def _call(n: int, day: int = 1) -> dict[str, Any]:
    return {
        "type": "track",
        "userId": f"u{n % 3}",
        "event": "Report Built",
        "messageId": f"m{n}",
        "timestamp": f"2026-05-{day:02d}T10:00:00Z",
        "properties": {"n": n},
    }


def _inbox_count(tenant: Tenant) -> int:
    with tenant.session() as session:
        return int(session.scalar(select(func.count()).select_from(UsageEvent)) or 0)


def _file_rows(data_dir: Path, tenant: Tenant) -> list[tuple[Any, ...]]:
    files = [str(f.path) for f in event_files(data_dir, tenant.workspace_id)]
    if not files:
        return []
    with duckdb.connect() as connection:
        return connection.execute(
            "SELECT message_id, type, event, user_id, timestamp, properties "
            "FROM read_parquet(?) ORDER BY message_id",
            [files],
        ).fetchall()


@pytest.fixture
def data_dir(runtime: Runtime) -> Path:
    return runtime.settings.data_dir


def test_old_events_move_to_parquet_partitioned_by_day(tenant: Tenant, data_dir: Path) -> None:
    add_events(tenant, [_call(1, day=1), _call(2, day=1), _call(3, day=2)])
    add_events(tenant, [_call(4)], arrived=ARRIVED + timedelta(hours=1))  # too recent
    with tenant.session() as session:
        result = compact(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=data_dir,
            older_than=ARRIVED + timedelta(minutes=10),
        )
    assert result.events == 3
    files = event_files(data_dir, tenant.workspace_id)
    assert sorted(f.day.isoformat() for f in files) == ["2026-05-01", "2026-05-02"]
    assert all(f.path.parent.name.startswith("day=") for f in files)
    rows = _file_rows(data_dir, tenant)
    assert [r[0] for r in rows] == ["m1", "m2", "m3"]
    assert rows[0][1:5] == ("track", "Report Built", "u1", datetime(2026, 5, 1, 10, 0))
    assert json.loads(rows[0][5]) == {"n": 1}
    assert _inbox_count(tenant) == 1


def test_a_crash_between_file_and_delete_leaves_one_copy(tenant: Tenant, data_dir: Path) -> None:
    add_events(tenant, [_call(n) for n in range(5)])
    later = ARRIVED + timedelta(minutes=10)
    session_cm = tenant.session()
    session = session_cm.__enter__()
    compact(session, workspace_id=tenant.workspace_id, data_dir=data_dir, older_than=later)
    session.rollback()  # the process died before the delete was committed
    session_cm.__exit__(None, None, None)
    assert _inbox_count(tenant) == 5
    assert len(_file_rows(data_dir, tenant)) == 5
    add_events(tenant, [_call(9)])  # arrived meanwhile
    with tenant.session() as session:
        result = compact(
            session, workspace_id=tenant.workspace_id, data_dir=data_dir, older_than=later
        )
    assert result.recovered == 5
    assert result.events == 1
    assert _inbox_count(tenant) == 0
    assert [r[0] for r in _file_rows(data_dir, tenant)] == [f"m{n}" for n in (0, 1, 2, 3, 4, 9)]
    with tenant.session() as session:  # and a re-run finds nothing more to do
        again = compact(
            session, workspace_id=tenant.workspace_id, data_dir=data_dir, older_than=later
        )
    assert (again.events, again.recovered) == (0, 0)
    assert len(_file_rows(data_dir, tenant)) == 6


def test_chunks_write_one_file_per_id_range(tenant: Tenant, data_dir: Path) -> None:
    add_events(tenant, [_call(n) for n in range(7)])
    with tenant.session() as session:
        result = compact(
            session,
            workspace_id=tenant.workspace_id,
            data_dir=data_dir,
            older_than=ARRIVED + timedelta(minutes=1),
            chunk_size=3,
        )
    assert result.events == 7
    assert len(result.files) == 3
    assert len(_file_rows(data_dir, tenant)) == 7


def test_the_compaction_job_is_scheduled(runtime: Runtime, tenant: Tenant) -> None:
    assert COMPACT in runtime.jobs.names()
    assert runtime.scheduler is not None
    assert COMPACT in [task.job_name for task in runtime.scheduler.tasks]
    add_events(tenant, [_call(1)], arrived=datetime.now(UTC) - timedelta(hours=1))
    with tenant.session() as session:
        runtime.jobs.get(COMPACT)(session, {"at": datetime.now(UTC).isoformat()})
    assert _inbox_count(tenant) == 0
