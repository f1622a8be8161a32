"""The window's usage events of one workspace as a DuckDB table named `events` (ADR 0015): the
compacted Parquet day files plus the not-yet-compacted inbox rows, one row per messageId,
registered through the engine seam (`engine.usage_events`, ADR 0023) so the de-duplication rule
is written once for every backend. Request paths and jobs then run the Ibis metrics of
`usage_metrics` on the same connection (`adoption`, `usage_signals`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import ibis.expr.types as ir
from ibis.backends import BaseBackend
from sqlalchemy.orm import Session

from cxhub.analytics import engine
from cxhub.success.usage import service as usage
from cxhub.success.usage.storage import event_files


def open_events(
    session: Session,
    *,
    workspace_id: int,
    data_dir: Path,
    start: datetime,
    end: datetime,
    materialise: bool = True,
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with `events` (message_id, type, event, user_id, timestamp) over the
    workspace's Parquet days in the window plus its inbox rows, one row per messageId; the
    caller closes it. Materialised (a temp table) for several queries, a view for one scan."""
    return _duckdb_events(
        usage.inbox_events(session, start=start, end=end),
        workspace_id=workspace_id,
        data_dir=data_dir,
        start=start,
        end=end,
        materialise=materialise,
    )


def _duckdb_events(
    inbox: Sequence[Sequence[Any]],
    *,
    workspace_id: int,
    data_dir: Path,
    start: datetime,
    end: datetime,
    materialise: bool,
) -> duckdb.DuckDBPyConnection:
    """`open_events` with the inbox rows already read (no session: any thread may call it)."""
    connection = duckdb.connect()
    backend = engine.on_duckdb(connection)
    files = event_files(data_dir, workspace_id, start=start.date(), end=end.date())
    events = engine.usage_events(
        backend,
        files=[(f.path, f.day) for f in files],
        inbox=inbox,
        data_dir=data_dir,
        start=start,
        end=end,
    )
    engine.duckdb_events(backend, events, materialise=materialise)
    return connection


@contextmanager
def inbox_usage_on_engine(
    config: engine.EngineConfig,
    *,
    inbox: Sequence[Sequence[Any]],
    workspace_id: int,
    data_dir: Path,
    start: datetime,
    end: datetime,
) -> Iterator[tuple[BaseBackend, ir.Table]]:
    """The window's events as an Ibis table on the configured engine, for the batch jobs that
    may run on Spark or another Ibis backend (the daily health rescore). On DuckDB this is
    `open_events` as a view (one scan); elsewhere the engine reads the day files itself (at
    `CXHUB_ANALYTICS_EVENTS_URI` when set) and receives the inbox rows as an in-memory table.
    The inbox rows (`usage.inbox_events`) are read by the caller and no session is touched,
    so a worker thread can run the aggregation while the caller's thread keeps its session
    (the health rescore overlaps its SQL inputs with it, ADR 0034)."""
    if config.backend == "duckdb":
        connection = _duckdb_events(
            inbox,
            workspace_id=workspace_id,
            data_dir=data_dir,
            start=start,
            end=end,
            materialise=False,
        )
        with connection:
            yield engine.on_duckdb(connection), engine.events_by_name()
        return
    with engine.connected(config) as backend:
        files = event_files(data_dir, workspace_id, start=start.date(), end=end.date())
        yield (
            backend,
            engine.usage_events(
                backend,
                files=[(f.path, f.day) for f in files],
                inbox=inbox,
                data_dir=data_dir,
                start=start,
                end=end,
                events_uri=config.events_uri,
            ),
        )
