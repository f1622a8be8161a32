"""`cxhub analytics export-service | service-kpis`: service KPIs over large windows on the
configured analytics engine (ADR 0033; the engine settings are `CXHUB_ANALYTICS_*`, ADR 0023).

`export-service --to DIR` writes one workspace's tickets, SLA targets and CSAT ratings as
Parquet files a cluster can read from its own storage; `service-kpis` computes the KPIs of a
period on the configured engine, from the system of record or from such a snapshot, and prints
them as JSON (the `KpiGroup` fields of `GET /api/v1/metrics/service`). Exit status 2 for bad
options (unknown grouping, unparseable or naive times, missing snapshot).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import typer

from cxhub.cli.context import cli_runtime, fail, friendly_errors, workspace_session

analytics_app = typer.Typer(
    help="Analytics on the configured engine (DuckDB or Spark).", no_args_is_help=True
)


def _moment(value: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise fail(f"{option}: not an ISO 8601 time: {value}", 2) from None
    if moment.tzinfo is None:
        raise fail(f"{option} needs a time zone (e.g. 2026-11-01T00:00:00Z)", 2)
    return moment


@analytics_app.command("export-service")
@friendly_errors
def export_service(
    to: Path = typer.Option(..., "--to", help="Directory for the Parquet files."),
    workspace: str | None = typer.Option(None, "--workspace", help="Workspace slug."),
) -> None:
    """Write tickets, SLA targets and CSAT ratings of one workspace as Parquet files."""
    from cxhub.analytics.service_engine import export_service_tables

    with cli_runtime() as runtime, workspace_session(runtime, workspace) as (session, wid):
        counts = export_service_tables(session, workspace_id=wid, directory=to)
    for name, rows in counts.items():
        typer.echo(f"{name}: {rows:,} rows -> {to}")


@analytics_app.command("service-kpis")
@friendly_errors
def service_kpis_command(
    start: str = typer.Option(..., "--from", help="Period start, ISO 8601 with a time zone."),
    end: str = typer.Option(..., "--until", help="Period end (exclusive), with a time zone."),
    group_by: str = typer.Option(
        "none", "--group-by", help="none, channel, priority, team, assignee or day"
    ),
    snapshot: str | None = typer.Option(
        None, "--snapshot", help="Read an export-service directory (or URI)."
    ),
    workspace: str | None = typer.Option(None, "--workspace", help="Workspace slug."),
) -> None:
    """Service KPIs of a period on the configured engine, as JSON."""
    from cxhub.analytics import engine
    from cxhub.analytics.service_engine import service_kpis_on_engine
    from cxhub.analytics.service_kpis import GroupBy

    try:
        grouping = GroupBy(group_by)
    except ValueError:
        raise fail(f"--group-by must be one of {', '.join(GroupBy)}", 2) from None
    period = (_moment(start, "--from"), _moment(end, "--until"))
    with cli_runtime() as runtime, workspace_session(runtime, workspace) as (session, wid):
        config = engine.EngineConfig.from_settings(runtime.settings)
        groups = service_kpis_on_engine(
            session,
            config,
            workspace_id=wid,
            start=period[0],
            end=period[1],
            group_by=grouping,
            snapshot=snapshot,
        )
    typer.echo(json.dumps([asdict(g) for g in groups], indent=2))
