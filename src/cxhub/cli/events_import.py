"""`cxhub import events FILE...`: bulk-load Segment-shaped usage events from NDJSON, CSV or
Parquet files into the Parquet event store (the work is in `success/usage/bulk_import.py`).

Exit status: 0 when every record was stored or was already there, 1 when some were rejected (the
others are stored), 2 for usage errors (missing file, unknown format).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import typer

from cxhub.cli.context import cli_runtime, fail, workspace_session
from cxhub.core.db import unit_of_work
from cxhub.success.usage import import_checks
from cxhub.success.usage import service as usage
from cxhub.success.usage.bulk_import import (
    EventImportReport,
    IdentityCall,
    RejectedEvent,
    connect,
    first_rejects,
    import_event_files,
)
from cxhub.success.usage.import_identity import resolve_identity

USAGE_ERROR = 2


def _summary(report: EventImportReport) -> str:
    seconds = report.seconds.get("total", 0.0)
    rate = f", {report.read / seconds:,.0f} records/s" if seconds > 0 else ""
    return (
        f"{report.read:,} records read: {report.written:,} events stored, "
        f"{report.already_stored:,} already stored, {report.rejected:,} rejected "
        f"({report.identify_calls:,} identify and {report.group_calls:,} group calls applied) "
        f"in {seconds:.1f} s{rate}"
    )


def import_events(
    files: list[Path],
    *,
    file_format: str | None,
    rejects: Path | None,
    workspace: str | None,
    memory_limit: str | None,
) -> None:
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise fail(f"file not found: {', '.join(missing)}", USAGE_ERROR)
    try:
        kind = import_checks.file_format(files, file_format)
    except import_checks.EventImportError as exc:
        raise fail(str(exc), USAGE_ERROR) from None
    with cli_runtime() as runtime:
        with workspace_session(runtime, workspace) as (_, workspace_id):
            pass
        factory = runtime.session_factory

        def inbox_ids(start: datetime, end: datetime) -> list[str]:
            with unit_of_work(factory, workspace_id) as session:
                return usage.inbox_message_ids(session, start=start, end=end)

        def identity(calls: list[IdentityCall]) -> list[RejectedEvent]:
            return resolve_identity(factory, workspace_id=workspace_id, calls=calls)

        data_dir = runtime.settings.data_dir
        with connect(temp_dir=data_dir / "tmp" / "duckdb", memory_limit=memory_limit) as db:
            try:
                report = import_event_files(
                    db,
                    files,
                    kind=kind,
                    workspace_id=workspace_id,
                    data_dir=data_dir,
                    inbox_ids=inbox_ids,
                    resolve_identity=identity,
                    rejects_file=rejects,
                )
            except duckdb.Error as exc:
                raise fail(
                    f"the import stopped: {exc} (running it again is safe: what it stored is skipped)",
                    USAGE_ERROR,
                ) from None
            shown = first_rejects(db) if report.rejected and rejects is None else []
    typer.echo(_summary(report))
    for reason, count in report.reasons.items():
        typer.echo(f"  rejected {count:,}: {reason}", err=True)
    for file, message_id, reason in shown:
        typer.echo(f"  {file or '-'} messageId {message_id}: {reason}", err=True)
    if report.rejects_file is not None:
        typer.echo(f"rejected records written to {report.rejects_file}", err=True)
    if report.rejected:
        raise fail(
            f"{report.rejected:,} of {report.read:,} records were rejected; the rest is stored"
        )
