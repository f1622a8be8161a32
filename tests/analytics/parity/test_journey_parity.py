"""The journey metrics of `experience/journeys/metrics.py` give the same rows on embedded DuckDB
and on Spark (local mode) over the same generated entries and touchpoints (ADR 0026). Each case
also checks that its result is not trivially empty, so agreement means something."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import ibis.expr.types as ir
import pytest
from ibis.backends import BaseBackend

from cxhub.analytics import engine
from cxhub.experience.journeys import metrics
from tests.analytics.parity.conftest import SPARK
from tests.analytics.parity.journey_data import SINCE, UNTIL, JourneyData, write_journey_data

pytestmark = pytest.mark.spark

Tables = tuple[BaseBackend, ir.Table, ir.Table]
Metric = Callable[[ir.Table, ir.Table], ir.Table]
W = {"since": SINCE, "until": UNTIL}

METRICS: dict[str, Metric] = {
    "furthest stage counts": lambda e, t: metrics.furthest_stage_counts(e, **W),
    "stage durations": lambda e, t: metrics.stage_durations(e, until=UNTIL),
    "time in stage": lambda e, t: metrics.time_in_stage(e, **W),
    "path steps": lambda e, t: metrics.path_steps(t, **W),
    "path links": lambda e, t: metrics.path_links(metrics.path_steps(t, **W)),
    "path nodes": lambda e, t: metrics.path_nodes(metrics.path_steps(t, **W)),
    "top paths": lambda e, t: metrics.top_paths(metrics.path_steps(t, **W), top=15),
    "started path steps": lambda e, t: metrics.started_path_steps(t, **W),
    "path prefixes (rollup build)": lambda e, t: metrics.path_prefixes(t),
    "path counts from the rollup": lambda e, t: metrics.prefix_path_counts(
        metrics.path_prefixes(t), **W
    ),
    "scores by stage": lambda e, t: metrics.scores_by_stage(e, t, **W),
    "scores by channel": lambda e, t: metrics.scores_by_channel(t, **W),
}


@pytest.fixture(scope="module")
def journey_data() -> JourneyData:
    return write_journey_data()


def _register(backend: BaseBackend, data: JourneyData) -> Tables:
    return (
        backend,
        engine.record_table(data.entries, metrics.ENTRY_SCHEMA),
        engine.record_table(data.touchpoints, metrics.TOUCHPOINT_SCHEMA),
    )


@pytest.fixture(scope="module")
def journey_on_duckdb(journey_data: JourneyData) -> Iterator[Tables]:
    with engine.connected(engine.EngineConfig()) as backend:
        yield _register(backend, journey_data)


@pytest.fixture(scope="module")
def journey_on_spark(journey_data: JourneyData) -> Tables:
    """The process's SparkSession (shared with the usage parity tests, which stop it)."""
    if not engine.spark_available():
        pytest.skip("pyspark (the `spark` extra) or a Java runtime is missing")
    return _register(engine.connect(SPARK), journey_data)


def _run(tables: Tables, metric: Metric) -> list[dict[str, Any]]:
    backend, entries, touchpoints = tables
    rows = backend.to_pyarrow(metric(entries, touchpoints)).to_pylist()
    return sorted(rows, key=lambda row: [(v is None, str(v)) for v in row.values()])


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-9)
    return bool(left == right)


@pytest.mark.parametrize("name", list(METRICS))
def test_duckdb_and_spark_agree(
    name: str, journey_on_duckdb: Tables, journey_on_spark: Tables
) -> None:
    duckdb_rows = _run(journey_on_duckdb, METRICS[name])
    spark_rows = _run(journey_on_spark, METRICS[name])
    assert len(duckdb_rows) > 3, f"{name}: too few rows, the comparison would prove little"
    assert len(duckdb_rows) == len(spark_rows), name
    for expected, actual in zip(duckdb_rows, spark_rows, strict=True):
        assert expected.keys() == actual.keys()
        differing = {
            k: (expected[k], actual[k]) for k in expected if not _same(expected[k], actual[k])
        }
        assert not differing, f"{name}: {differing} in {expected}"
