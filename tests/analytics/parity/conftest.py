"""One SparkSession for the whole test session (local mode, small, no UI, UTC), built through
the product's engine seam, and an embedded DuckDB backend per test; both read the same
generated usage data. Skipped, visibly, when pyspark or Java is missing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ibis.backends import BaseBackend

from cxhub.analytics import engine
from tests.analytics.parity.usage_data import UsageData, write_usage_data

SPARK = engine.EngineConfig(
    backend="pyspark",
    spark_master="local[2]",
    spark_conf={"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"},
)


@pytest.fixture(scope="session")
def spark_backend() -> Iterator[BaseBackend]:
    if not engine.spark_available():
        pytest.skip("pyspark (the `spark` extra) or a Java runtime is missing")
    backend = engine.connect(SPARK)
    yield backend
    backend.disconnect()


@pytest.fixture
def duckdb_backend() -> Iterator[BaseBackend]:
    with engine.connected(engine.EngineConfig()) as backend:
        yield backend


@pytest.fixture(scope="session")
def usage_data(tmp_path_factory: pytest.TempPathFactory) -> UsageData:
    return write_usage_data(Path(tmp_path_factory.mktemp("parity-data")))
