"""The service KPI expressions of `analytics/service_metrics.py` (ADR 0033): on embedded DuckDB
they equal a row-by-row Python reference of the live pass and a hand-computed case; on Spark
(local mode) they equal DuckDB exactly, for every grouping, over the same generated rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from ibis.backends import BaseBackend

from cxhub.analytics import engine
from cxhub.analytics.service_engine import FILES, parquet_service_tables
from cxhub.analytics.service_metrics import (
    CSAT_SCHEMA,
    SLA_TARGET_SCHEMA,
    TICKET_SCHEMA,
    ServiceTables,
    kpi_groups,
)
from cxhub.analytics.service_rollups.live import GroupBy
from tests.analytics.parity.conftest import SPARK
from tests.analytics.parity.service_data import END, START, ServiceData, generate, reference

pytestmark = pytest.mark.nodb

PERIODS = [
    (START, END),
    (START + timedelta(hours=7, seconds=13), START + timedelta(days=1, hours=5)),
]


def tables_of(data: ServiceData) -> ServiceTables:
    return ServiceTables(
        tickets=engine.record_table(data.tickets, TICKET_SCHEMA),
        sla_targets=engine.record_table(data.sla_targets, SLA_TARGET_SCHEMA),
        csat=engine.record_table(data.csat, CSAT_SCHEMA),
    )


def answer(
    backend: BaseBackend, tables: ServiceTables, start: datetime, end: datetime, group_by: GroupBy
) -> dict[Any, dict[str, Any]]:
    groups = kpi_groups(backend, tables, start=start, end=end, group_by=group_by)
    return {key: asdict(group) for key, group in groups.items()}


@pytest.fixture(scope="module")
def data() -> ServiceData:
    return generate()


@pytest.fixture(scope="module")
def duckdb_backend() -> Iterator[BaseBackend]:
    with engine.connected(engine.EngineConfig()) as backend:
        yield backend


@pytest.mark.parametrize("group_by", list(GroupBy))
@pytest.mark.parametrize("period", range(len(PERIODS)))
def test_duckdb_equals_the_reference(
    data: ServiceData, duckdb_backend: BaseBackend, group_by: GroupBy, period: int
) -> None:
    start, end = PERIODS[period]
    got = answer(duckdb_backend, tables_of(data), start, end, group_by)
    expected = {k: asdict(g) for k, g in reference(data, start, end, group_by).items()}
    assert got == expected
    if group_by != GroupBy.NONE:
        assert len(got) >= 2, "too few groups: the comparison would prove little"
    total = sum(g["created"] for g in got.values())
    assert total > 20
    assert any(g["sla"] for g in got.values())


def test_hand_computed_case(duckdb_backend: BaseBackend) -> None:
    """Three tickets in [day, day + 1): A created 00:00:00 (UTC midnight), first reply after
    1 h, solved after 2 h, one agent reply; B created 12:00, no reply, solved after 4 h,
    reopened; C spam (never counts). A's first-reply SLA achieved, B's breached, A's
    cancelled resolution target never counts. Ratings: A 5, B 2.

    created 2; first reply count 1, mean 3600; resolution values 7200 and 14400 → mean 10800,
    median 10800, p90 = 7200·0.1 + 14400·0.9 = 13680; reopened 1/2 = 50 %, one-touch 1/2;
    SLA first_reply achieved 1, breached 1 → 50 %; CSAT 1 of 2 = 50 %."""
    day = datetime(2026, 3, 4)
    h = timedelta(hours=1)
    data = ServiceData(
        tickets={
            "id": [1, 2, 3],
            "channel": ["email", "web", "email"],
            "priority": ["normal"] * 3,
            "team_id": [None, None, None],
            "assignee_id": [None, None, None],
            "is_spam": [False, False, True],
            "merged_into_id": [None, None, None],
            "created_at": [day, day + 12 * h, day + h],
            "first_replied_at": [day + h, None, day + 2 * h],
            "solved_at": [day + 2 * h, day + 16 * h, day + 3 * h],
            "reopen_count": [0, 1, 0],
            "agent_reply_count": [1, 0, 1],
            "first_reply_business_seconds": [None, None, None],
            "resolution_business_seconds": [None, None, None],
        },
        sla_targets={
            "ticket_id": [1, 2, 1, 3],
            "metric": ["first_reply", "first_reply", "resolution", "first_reply"],
            "started_at": [day, day + 12 * h, day, day + h],
            "fulfilled_at": [day + h, None, day + 2 * h, day + 2 * h],
            "breached_at": [None, day + 13 * h, None, None],
            "cancelled": [False, False, True, False],
        },
        csat={
            "ticket_id": [1, 2, 3],
            "score": [5, 2, 5],
            "rated_at": [day + 3 * h, day + 17 * h, day + 4 * h],
        },
    )
    groups = kpi_groups(duckdb_backend, tables_of(data), start=day, end=day + 24 * h)
    total = groups[None]
    assert (total.created, total.solved, total.reopened, total.one_touch) == (2, 2, 1, 1)
    assert total.first_reply == {"count": 1, "mean": 3600.0, "median": 3600.0, "p90": 3600.0}
    assert total.resolution == {"count": 2, "mean": 10800.0, "median": 10800.0, "p90": 13680.0}
    assert total.first_reply_business == {}  # no business time stamped: no summary
    assert (total.reopen_rate, total.one_touch_rate, total.csat) == (50.0, 50.0, 50.0)
    assert total.sla == {"first_reply": {"achieved": 1, "breached": 1, "compliance": 50.0}}
    by_day = kpi_groups(
        duckdb_backend, tables_of(data), start=day, end=day + 24 * h, group_by=GroupBy.DAY
    )
    assert list(by_day) == ["2026-03-04"]  # midnight belongs to the day it starts


def _write_snapshot(data: ServiceData, directory: Path) -> Path:
    schemas = {"tickets": TICKET_SCHEMA, "sla_targets": SLA_TARGET_SCHEMA, "csat": CSAT_SCHEMA}
    for name, schema in schemas.items():
        rows = getattr(data, name)
        pq.write_table(pa.table(rows).cast(schema.to_pyarrow()), directory / FILES[name])
    return directory


def test_a_parquet_snapshot_gives_the_same_answer(
    data: ServiceData, duckdb_backend: BaseBackend, tmp_path: Path
) -> None:
    snapshot = parquet_service_tables(duckdb_backend, _write_snapshot(data, tmp_path))
    for group_by in (GroupBy.NONE, GroupBy.DAY):
        assert answer(duckdb_backend, snapshot, START, END, group_by) == answer(
            duckdb_backend, tables_of(data), START, END, group_by
        )


@pytest.mark.spark
@pytest.mark.parametrize("group_by", list(GroupBy))
def test_spark_equals_duckdb(
    data: ServiceData, duckdb_backend: BaseBackend, group_by: GroupBy, tmp_path: Path
) -> None:
    if not engine.spark_available():
        pytest.skip("pyspark (the `spark` extra) or a Java runtime is missing")
    spark = engine.connect(SPARK)  # the process's session, shared with the other parity tests
    for start, end in PERIODS:
        expected = answer(duckdb_backend, tables_of(data), start, end, group_by)
        assert answer(spark, tables_of(data), start, end, group_by) == expected, (start, group_by)
    if group_by in (GroupBy.NONE, GroupBy.DAY):  # and from a Parquet snapshot
        snapshot = parquet_service_tables(spark, _write_snapshot(data, tmp_path))
        assert answer(spark, snapshot, START, END, group_by) == answer(
            duckdb_backend, tables_of(data), START, END, group_by
        )
