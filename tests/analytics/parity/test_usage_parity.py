"""The usage metrics of `analytics/usage_metrics.py` give the same rows on embedded DuckDB and
on Spark (local mode) over the same files and inbox rows (ADR 0005, ADR 0023). Each case also
checks that its result is not trivially empty, so agreement means something."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pytest
from ibis.backends import BaseBackend

from cxhub.analytics import adoption, engine
from cxhub.analytics import usage_metrics as metrics
from tests.analytics.parity.usage_data import UsageData

pytestmark = pytest.mark.spark

Metric = Callable[[ir.Table, ir.Table, UsageData], ir.Table]


def _events(backend: BaseBackend, data: UsageData) -> ir.Table:
    start, end = adoption.usage_window(data.as_of)
    return engine.usage_events(
        backend,
        files=data.files,
        inbox=data.inbox,
        data_dir=data.data_dir,
        start=start - timedelta(days=10),  # the trend reads 30 days further back
        end=end,
    )


def _trend(events: ir.Table, members: ir.Table, data: UsageData) -> ir.Table:
    ends = ibis.memtable(metrics.trend_windows(data.as_of, 30), schema=adoption.TREND_SCHEMA)
    return metrics.active_users_trend(events, members, ends)


METRICS: dict[str, Metric] = {
    "adoption (daily)": lambda e, m, d: metrics.adoption_by_account(
        e, m, as_of=d.as_of, daily=True
    ),
    "adoption (rescore)": lambda e, m, d: metrics.adoption_by_account(e, m, as_of=d.as_of),
    "user days": lambda e, m, d: metrics.user_days(e, m, as_of=d.as_of),
    "features available": lambda e, m, d: metrics.features_available(e, as_of=d.as_of),
    "feature depth": lambda e, m, d: metrics.feature_depth_by_account(e, m, as_of=d.as_of),
    "active users trend": _trend,
    "workspace totals": lambda e, m, d: metrics.workspace_totals(e),
    "daily activity": lambda e, m, d: metrics.daily_activity(e),
    "top features": lambda e, m, d: metrics.top_features(e, top=5),
}


def _run(backend: BaseBackend, data: UsageData, metric: Metric) -> list[dict[str, Any]]:
    members = adoption.members_table(backend, data.members)
    rows = backend.to_pyarrow(metric(_events(backend, data), members, data)).to_pylist()
    return sorted(rows, key=lambda row: [(v is None, str(v)) for v in row.values()])


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-12) or (math.isnan(left) and math.isnan(right))
    return bool(left == right)


@pytest.mark.parametrize("name", list(METRICS))
def test_duckdb_and_spark_agree(
    name: str, duckdb_backend: BaseBackend, spark_backend: BaseBackend, usage_data: UsageData
) -> None:
    on_duckdb = _run(duckdb_backend, usage_data, METRICS[name])
    on_spark = _run(spark_backend, usage_data, METRICS[name])
    assert on_duckdb, f"{name}: no rows, the comparison would prove nothing"
    assert len(on_duckdb) == len(on_spark), name
    for expected, actual in zip(on_duckdb, on_spark, strict=True):
        assert expected.keys() == actual.keys()
        differing = {k: (expected[k], actual[k]) for k in expected if not _same(expected[k], actual[k])}
        assert not differing, f"{name}: {differing} in {expected}"


def test_events_are_one_row_per_message_id_on_both(
    duckdb_backend: BaseBackend, spark_backend: BaseBackend, usage_data: UsageData
) -> None:
    """Inbox re-sends of stored messageIds are dropped on both engines, and the window's bounds
    (start included, end excluded) cut the same rows."""
    counts = []
    for backend in (duckdb_backend, spark_backend):
        events = _events(backend, usage_data)
        summary = events.aggregate(rows=events.count(), ids=events.message_id.nunique())
        counts.append(backend.to_pyarrow(summary).to_pylist()[0])
    assert counts[0] == counts[1]
    assert counts[0]["rows"] == counts[0]["ids"]
    assert counts[0]["rows"] > 3000
