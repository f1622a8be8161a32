"""One SparkSession for the whole test session (local mode, two threads, two shuffle
partitions, no UI, UTC, loopback only), built through the product's engine seam, and one
embedded DuckDB; both read the same generated usage data, registered once per session (the
Spark side cached, so each metric costs one small job). Skipped, visibly, when pyspark or
Java is missing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import ibis.expr.types as ir
import pytest
from ibis.backends import BaseBackend

from cxhub.analytics import adoption, engine
from tests.analytics.parity.usage_data import UsageData, write_usage_data

SPARK = engine.EngineConfig(
    backend="pyspark",
    spark_master="local[2]",
    spark_conf={"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"},
)


@dataclass(frozen=True)
class OnEngine:
    """The generated data registered on one backend."""

    backend: BaseBackend
    events: ir.Table
    members: ir.Table


def register(backend: BaseBackend, data: UsageData) -> OnEngine:
    start, end = adoption.usage_window(data.as_of)
    events = engine.usage_events(
        backend,
        files=data.files,
        inbox=data.inbox,
        data_dir=data.data_dir,
        start=start - timedelta(days=10),  # the trend reads 30 days further back
        end=end,
    )
    if backend.name == "duckdb":  # as the product's open_events does
        events = engine.duckdb_events(backend, events, materialise=True)
    else:  # registers the inbox's in-memory table first: caching alone does not
        backend._run_pre_execute_hooks(events)
        events = events.cache()
    return OnEngine(backend, events, adoption.members_table(backend, data.members))


@pytest.fixture(scope="session")
def usage_data(tmp_path_factory: pytest.TempPathFactory) -> UsageData:
    return write_usage_data(Path(tmp_path_factory.mktemp("parity-data")))


@pytest.fixture(scope="session")
def on_spark(usage_data: UsageData) -> Iterator[OnEngine]:
    if not engine.spark_available():
        pytest.skip("pyspark (the `spark` extra) or a Java runtime is missing")
    backend = engine.connect(SPARK)
    yield register(backend, usage_data)
    backend.disconnect()


@pytest.fixture(scope="session")
def on_duckdb(usage_data: UsageData) -> Iterator[OnEngine]:
    with engine.connected(engine.EngineConfig()) as backend:
        yield register(backend, usage_data)
