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

from cxhub.analytics import adoption
from cxhub.analytics import usage_metrics as metrics
from tests.analytics.parity.conftest import OnEngine
from tests.analytics.parity.usage_data import UsageData

pytestmark = pytest.mark.spark

Metric = Callable[[ir.Table, ir.Table, UsageData], ir.Table]


def _trend(events: ir.Table, members: ir.Table, data: UsageData) -> ir.Table:
    ends = ibis.memtable(metrics.trend_windows(data.as_of, 30), schema=adoption.TREND_SCHEMA)
    return metrics.active_users_trend(events, members, ends)


def _at_ends(events: ir.Table, members: ir.Table, data: UsageData) -> ir.Table:
    moments = [data.as_of - timedelta(days=offset) for offset in (0, 9, 30)]
    ends = ibis.memtable(metrics.month_end_windows(moments), schema=adoption.ENDS_SCHEMA)
    return metrics.activity_at_ends(events, members, ends)


METRICS: dict[str, Metric] = {
    "adoption (daily)": lambda e, m, d: metrics.adoption_by_account(
        e, m, as_of=d.as_of, daily=True
    ),
    "adoption (rescore)": lambda e, m, d: metrics.adoption_by_account(e, m, as_of=d.as_of),
    "user days": lambda e, m, d: metrics.user_days(e, m, as_of=d.as_of),
    "features available": lambda e, m, d: metrics.features_available(e, as_of=d.as_of),
    "feature depth": lambda e, m, d: metrics.feature_depth_by_account(e, m, as_of=d.as_of),
    "active users trend": _trend,
    "activity at month ends": _at_ends,
    "workspace totals": lambda e, m, d: metrics.workspace_totals(e),
    "daily activity": lambda e, m, d: metrics.daily_activity(e),
    "top features": lambda e, m, d: metrics.top_features(e, top=5),
}


def _run(on: OnEngine, data: UsageData, metric: Metric) -> list[dict[str, Any]]:
    rows = on.backend.to_pyarrow(metric(on.events, on.members, data)).to_pylist()
    return sorted(rows, key=lambda row: [(v is None, str(v)) for v in row.values()])


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-12) or (math.isnan(left) and math.isnan(right))
    return bool(left == right)


@pytest.mark.parametrize("name", list(METRICS))
def test_duckdb_and_spark_agree(
    name: str, on_duckdb: OnEngine, on_spark: OnEngine, usage_data: UsageData
) -> None:
    duckdb_rows = _run(on_duckdb, usage_data, METRICS[name])
    spark_rows = _run(on_spark, usage_data, METRICS[name])
    assert duckdb_rows, f"{name}: no rows, the comparison would prove nothing"
    assert len(duckdb_rows) == len(spark_rows), name
    for expected, actual in zip(duckdb_rows, spark_rows, strict=True):
        assert expected.keys() == actual.keys()
        differing = {
            k: (expected[k], actual[k]) for k in expected if not _same(expected[k], actual[k])
        }
        assert not differing, f"{name}: {differing} in {expected}"


def test_events_are_one_row_per_message_id_on_both(
    on_duckdb: OnEngine, on_spark: OnEngine, usage_data: UsageData
) -> None:
    """Inbox re-sends of stored messageIds are dropped on both engines, and the window's bounds
    (start included, end excluded) cut the same rows."""
    counts = []
    for on in (on_duckdb, on_spark):
        summary = on.events.aggregate(rows=on.events.count(), ids=on.events.message_id.nunique())
        counts.append(on.backend.to_pyarrow(summary).to_pylist()[0])
    assert counts[0] == counts[1]
    assert counts[0]["rows"] == counts[0]["ids"]
    assert counts[0]["rows"] > 3000
    resent = {call[0] for call in usage_data.inbox[-25:]}
    assert len(resent) == 25  # the data does hold re-sends for the anti-join to drop


def test_the_rescore_path_agrees(
    on_duckdb: OnEngine, on_spark: OnEngine, usage_data: UsageData
) -> None:
    """`accounts_adoption_on`, what the daily health rescore runs on the configured engine,
    gives the same summaries, including accounts without activity (the ghost account 200 and
    an account with no member at all)."""
    seats = dict.fromkeys((*range(1, 10), 100, 200, 300), 10)
    summaries = [
        adoption.accounts_adoption_on(
            on.backend,
            on.events,
            members=usage_data.members,
            as_of=usage_data.as_of,
            licensed_seats=seats,
        )
        for on in (on_duckdb, on_spark)
    ]
    assert summaries[0] == summaries[1]
    assert summaries[0][200].active_seats == 0
    assert summaries[0][200].usage_trend is None
    assert summaries[0][100].active_seats > 0
