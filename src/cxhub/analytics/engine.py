"""The analytics engine seam (ADR 0023, refining ADR 0005): which Ibis backend runs the metric
expressions of `analytics/usage_metrics.py`, and how the workspace's usage events (Parquet day
files plus the not-yet-compacted inbox, ADR 0015) and rows of the system of record become Ibis
tables on it.

DuckDB, embedded and in memory, is the default and what every request path uses. A deployment
that owns a Spark cluster selects `pyspark` (a SparkSession built from the settings) and the
batch paths that take an engine run the same expressions there; any other Ibis backend is
reached through `ibis-url` (untested here, see ADR 0023 for the limits).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.backends import BaseBackend

from cxhub.core.errors import ValidationFailed
from cxhub.success.usage.storage import sql_list

EngineName = Literal["duckdb", "pyspark", "ibis-url"]
EVENT_SCHEMA = ibis.schema(
    {
        "message_id": "string",
        "type": "string",
        "event": "string",
        "user_id": "string",
        "timestamp": "timestamp(6)",
    }
)
SPARK_DEFAULTS = {
    # One machine's worth of small jobs: few shuffle partitions, no web UI, UTC days, and a
    # driver that talks to itself over loopback only.
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


@dataclass(frozen=True)
class EngineConfig:
    """What `connect` needs, read from the `CXHUB_ANALYTICS_*` settings."""

    backend: EngineName = "duckdb"
    spark_master: str = "local[2]"
    spark_conf: dict[str, str] = field(default_factory=dict)
    ibis_url: str | None = None
    events_uri: str | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> EngineConfig:
        return cls(
            backend=settings.analytics_backend,
            spark_master=settings.analytics_spark_master,
            spark_conf=dict(settings.analytics_spark_conf),
            ibis_url=settings.analytics_ibis_url,
            events_uri=settings.analytics_events_uri,
        )


def spark_available() -> bool:
    """Whether the `spark` extra is installed and a Java runtime is on this machine."""
    return importlib.util.find_spec("pyspark") is not None and java_home() is not None


def java_home() -> str | None:
    """JAVA_HOME, or the installation the `java` on PATH belongs to (Spark needs one)."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    java = shutil.which("java")
    if java is None:
        return None
    return str(Path(java).resolve().parent.parent)


def spark_session(config: EngineConfig) -> Any:
    """The SparkSession of `config` (Spark reuses a running one in this process)."""
    if not spark_available():
        raise ValidationFailed(
            "analytics backend pyspark needs the `spark` extra and a Java 17+ runtime",
            field="analytics_backend",
        )
    home = java_home()
    if home is not None:
        os.environ.setdefault("JAVA_HOME", home)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no interface lookup, no network
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(config.spark_master).appName("cxhub-analytics")
    for key, value in (SPARK_DEFAULTS | config.spark_conf).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def connect(config: EngineConfig) -> BaseBackend:
    """A backend for the configured engine. DuckDB: a fresh in-memory database (the caller
    closes it with `backend.disconnect()`); pyspark: the process's SparkSession."""
    if config.backend == "duckdb":
        return on_duckdb(duckdb.connect())
    if config.backend == "pyspark":
        return ibis.pyspark.connect(spark_session(config))
    if not config.ibis_url:
        raise ValidationFailed("analytics backend ibis-url needs an Ibis URL", field="ibis_url")
    return ibis.connect(config.ibis_url)


def on_duckdb(connection: duckdb.DuckDBPyConnection) -> BaseBackend:
    """An Ibis backend over an existing DuckDB connection: the product's request paths keep one
    private connection per request or job (`usage_events.open_events`) and run every Ibis
    metric on it."""
    return ibis.duckdb.from_connection(connection)


def table_name(backend: BaseBackend, base: str) -> str:
    """A name for a temporary table that does not collide within one backend session."""
    return f"{base}_{ibis.util.guid()[:12]}" if backend.name != "duckdb" else base


def record_table(columns: dict[str, Sequence[Any]], schema: ibis.Schema) -> ir.Table:
    """Rows of the system of record (e.g. product user → account pairs) as a table: an Ibis
    in-memory table over Arrow arrays, which each backend registers when a query uses it (a
    DuckDB view over the Arrow data, a Spark DataFrame). Fine for the hundred-thousands of rows
    a workspace's members come to; larger record tables belong in the engine's own storage."""
    arrays = pa.table({column: list(values) for column, values in columns.items()})
    return ibis.memtable(arrays.cast(schema.to_pyarrow()))


def _engine_path(path: Path, data_dir: Path, events_uri: str | None) -> str:
    if not events_uri:
        return str(path)
    relative = path.relative_to(data_dir / "events").as_posix()
    return f"{events_uri.rstrip('/')}/{relative}"


def parquet_table(
    backend: BaseBackend, paths: Sequence[str], *, name: str = "event_files"
) -> ir.Table:
    """Parquet files (explicit paths, so only the window's day partitions are read) as one
    table of the event columns. On DuckDB a plain view named by the caller, referenced with its
    known schema: Ibis's `read_parquet` would bind it again (reading every file's footer) for
    each schema lookup, which cost more than the metrics at page sizes."""
    if backend.name == "duckdb":
        columns = ", ".join(f'"{c}"' for c in EVENT_SCHEMA.names)
        backend.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS "  # noqa: S608 - quoted paths, fixed names
            f"SELECT {columns} FROM read_parquet({sql_list(paths)})"
        )
        return ibis.table(EVENT_SCHEMA, name=name)
    if backend.name == "pyspark":
        session = backend._session  # the public read_parquet takes a single path
        view = table_name(backend, name)
        session.read.parquet(*paths).createOrReplaceTempView(view)
        table = backend.table(view)
    else:
        table = backend.read_parquet(list(paths), table_name=table_name(backend, name))
    return table.select(*EVENT_SCHEMA.names).cast(EVENT_SCHEMA)


def duckdb_events(
    backend: BaseBackend, events: ir.Table, *, name: str = "events", materialise: bool = False
) -> ir.Table:
    """`events` (from `usage_events`) as a DuckDB temp view or table named `name`, referenced
    with its known schema (no lookup); the Ibis metrics then read it by name."""
    backend._run_pre_execute_hooks(events)  # registers the inbox's in-memory table
    kind = "TABLE" if materialise else "VIEW"
    backend.con.execute(f"CREATE TEMP {kind} {name} AS {backend.compile(events)}")
    return events_by_name(name)


def events_by_name(name: str = "events") -> ir.Table:
    """The events table a connection already holds under `name`, without asking the engine."""
    return ibis.table(EVENT_SCHEMA, name=name)


def _naive_utc(value: datetime | str) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def usage_events(
    backend: BaseBackend,
    *,
    files: Sequence[tuple[Path, Any]],
    inbox: Sequence[Sequence[Any]],
    data_dir: Path,
    start: datetime,
    end: datetime,
    events_uri: str | None = None,
) -> ir.Table:
    """The window's events on `backend`, one row per messageId (the rule of ADR 0015): the
    day files (`(path, day)` pairs) as they are, plus the inbox rows (`INBOX_READ_COLUMNS`
    tuples) that no file of their day holds; `start <= timestamp < end` (naive UTC)."""
    rows = [
        (str(m), str(t), None if e is None else str(e), None if u is None else str(u), ts)
        for m, t, e, u, ts in ((r[0], r[1], r[2], r[3], _naive_utc(r[4])) for r in inbox)
    ]
    fresh = record_table(
        {name: [row[i] for row in rows] for i, name in enumerate(EVENT_SCHEMA.names)},
        EVENT_SCHEMA,
    )
    inbox_days = {row[4].date() for row in rows}
    overlapping = [_engine_path(p, data_dir, events_uri) for p, day in files if day in inbox_days]
    if overlapping:
        stored = parquet_table(backend, overlapping, name="stored").select("message_id")
        fresh = fresh.anti_join(stored, "message_id")
    events = fresh
    if files:
        paths = [_engine_path(p, data_dir, events_uri) for p, _ in files]
        events = parquet_table(backend, paths).union(fresh, distinct=False)
    bounds = (ibis.literal(_naive_utc(start)), ibis.literal(_naive_utc(end)))
    return events.filter(events.timestamp >= bounds[0], events.timestamp < bounds[1])


@contextmanager
def connected(config: EngineConfig) -> Iterator[BaseBackend]:
    """`connect`, closing an embedded DuckDB afterwards (a SparkSession outlives the block:
    starting one costs seconds, so the process keeps it)."""
    backend = connect(config)
    try:
        yield backend
    finally:
        if backend.name == "duckdb":
            backend.disconnect()
