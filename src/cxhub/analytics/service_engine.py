"""Feeding the service KPI expressions (`service_metrics`, ADR 0033) and running them on the
configured analytics engine (`CXHUB_ANALYTICS_*`, ADR 0023).

Two ways in:
- `read_service_tables`: the period's rows of the system of record as Ibis in-memory tables
  (`engine.record_table`), which every backend registers when a query reads them — fine for a
  few million tickets on the embedded engine or a Spark driver;
- `export_service_tables` / `parquet_service_tables`: a Parquet snapshot of one workspace's
  three tables (`cxhub analytics export-service --to DIR`), which a cluster reads from its own
  storage, for windows larger than a driver should hold.

The request path stays `service_kpis` over the daily rollups (ADR 0019); this is for large
windows and warehouses. Both return the same `KpiGroup` values for the same period.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends import BaseBackend
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from cxhub.analytics import engine
from cxhub.analytics.service_kpis import KpiGroup, check_period, finish_groups
from cxhub.analytics.service_metrics import (
    CSAT_SCHEMA,
    SLA_TARGET_SCHEMA,
    TICKET_SCHEMA,
    ServiceTables,
    kpi_groups,
    naive_utc,
)
from cxhub.analytics.service_rollups.live import GroupBy
from cxhub.core.errors import ValidationFailed
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.sla.models import TicketSlaTarget
from cxhub.service.tickets.models import Ticket

#: File names of a snapshot directory.
FILES = {"tickets": "tickets.parquet", "sla_targets": "sla_targets.parquet", "csat": "csat.parquet"}
_BATCH = 50_000


def _plain(value: Any) -> Any:
    """A value as the engine table holds it: enums as their value, times naive UTC."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime):
        return naive_utc(value)
    return value


def _columns(model: Any, schema: Any) -> list[Any]:
    return [getattr(model, name) for name in schema.names]


def _statements(workspace_id: int, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """The three SELECTs of one workspace; with a period, only rows the period's passes read:
    tickets created or solved in it or named by a target or rating of it."""
    targets = select(*_columns(TicketSlaTarget, SLA_TARGET_SCHEMA)).where(
        TicketSlaTarget.workspace_id == workspace_id
    )
    ratings = select(*_columns(CsatSurvey, CSAT_SCHEMA)).where(
        CsatSurvey.workspace_id == workspace_id, CsatSurvey.score.is_not(None)
    )
    tickets = select(*_columns(Ticket, TICKET_SCHEMA)).where(Ticket.workspace_id == workspace_id)
    if start is not None and end is not None:
        targets = targets.where(
            TicketSlaTarget.started_at >= start, TicketSlaTarget.started_at < end
        )
        ratings = ratings.where(CsatSurvey.rated_at >= start, CsatSurvey.rated_at < end)
        inside: list[ColumnElement[bool]] = [
            Ticket.created_at.between(start, end),
            Ticket.solved_at.between(start, end),
            Ticket.id.in_(targets.with_only_columns(TicketSlaTarget.ticket_id)),
            Ticket.id.in_(ratings.with_only_columns(CsatSurvey.ticket_id)),
        ]
        tickets = tickets.where(or_(*inside))
    return {"tickets": tickets, "sla_targets": targets, "csat": ratings}


_SCHEMAS = {"tickets": TICKET_SCHEMA, "sla_targets": SLA_TARGET_SCHEMA, "csat": CSAT_SCHEMA}


def _batches(
    session: Session, statement: Any, names: Sequence[str]
) -> Iterator[dict[str, list[Any]]]:
    result = session.execute(statement.execution_options(yield_per=_BATCH))
    for rows in result.partitions(_BATCH):
        yield {name: [_plain(row[i]) for row in rows] for i, name in enumerate(names)}


def read_service_tables(
    session: Session, *, workspace_id: int, start: datetime, end: datetime
) -> ServiceTables:
    """The rows of [start, end) the KPI passes read, as in-memory tables for any backend."""
    tables: dict[str, ir.Table] = {}
    for name, statement in _statements(workspace_id, start, end).items():
        schema = _SCHEMAS[name]
        columns: dict[str, list[Any]] = {column: [] for column in schema.names}
        for batch in _batches(session, statement, schema.names):
            for column, values in batch.items():
                columns[column].extend(values)
        typed: dict[str, Sequence[Any]] = dict(columns)
        tables[name] = engine.record_table(typed, schema)
    return ServiceTables(**tables)


def export_service_tables(
    session: Session, *, workspace_id: int, directory: Path
) -> dict[str, int]:
    """Write one workspace's tickets, SLA targets and CSAT ratings as Parquet files in
    `directory` (streamed in batches); returns the row count of each file."""
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, statement in _statements(workspace_id, None, None).items():
        arrow_schema = _SCHEMAS[name].to_pyarrow()
        counts[name] = 0
        with pq.ParquetWriter(directory / FILES[name], arrow_schema) as writer:
            for batch in _batches(session, statement, arrow_schema.names):
                table = pa.table(batch).cast(arrow_schema)
                writer.write_table(table)
                counts[name] += table.num_rows
    return counts


def parquet_service_tables(backend: BaseBackend, directory: str | Path) -> ServiceTables:
    """A snapshot written by `export_service_tables` as tables on `backend`. `directory` may be
    a path or URI the engine reads (a cluster: the snapshot copied to its storage)."""
    base = str(directory).rstrip("/")
    if "://" not in base:
        missing = [f for f in FILES.values() if not (Path(base) / f).is_file()]
        if missing:
            raise ValidationFailed(
                f"no service snapshot in {base} (missing {', '.join(missing)})", field="directory"
            )
    tables = {
        name: backend.read_parquet(
            f"{base}/{FILES[name]}", table_name=engine.table_name(backend, f"service_{name}")
        )
        .select(*_SCHEMAS[name].names)
        .cast(_SCHEMAS[name])
        for name in FILES
    }
    return ServiceTables(**tables)


def service_kpis_on_engine(
    session: Session,
    config: engine.EngineConfig,
    *,
    workspace_id: int,
    start: datetime,
    end: datetime,
    group_by: GroupBy = GroupBy.NONE,
    snapshot: str | Path | None = None,
) -> list[KpiGroup]:
    """`service_kpis` of a period computed on the configured engine: from the system of record's
    rows, or from a Parquet `snapshot`; the backlog (a count of now) comes from the system of
    record as in `service_kpis`."""
    check_period(start, end)
    with engine.connected(config) as backend:
        if snapshot is not None:
            tables = parquet_service_tables(backend, snapshot)
        else:
            tables = read_service_tables(session, workspace_id=workspace_id, start=start, end=end)
        groups = kpi_groups(backend, tables, start=start, end=end, group_by=group_by)
    return finish_groups(session, groups, workspace_id=workspace_id, group_by=group_by)


__all__ = [
    "FILES",
    "export_service_tables",
    "parquet_service_tables",
    "read_service_tables",
    "service_kpis_on_engine",
]
