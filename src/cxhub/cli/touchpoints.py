"""`cxhub touchpoints import calls|mentions FILE`: load call/meeting logs or social mentions from
CSV, JSON or JSONL (the work is in `experience/touchpoints/intake.py`). Rows are committed in
chunks of 500 with progress on stderr; each bad row is reported with its number and reason (and
written to `--rejects` as JSONL with the original row), the good ones are kept.

Exit status: 0 when every row was recorded or already there, 1 when some were rejected, 2 for
usage errors (missing file, unknown format or kind).
"""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path
from typing import Any

import typer

from cxhub.cli.context import cli_runtime, fail, workspace_session
from cxhub.core.db import unit_of_work
from cxhub.experience.touchpoints.intake import import_rows
from cxhub.experience.touchpoints.readers import FORMATS, guess_format, read_rows
from cxhub.experience.touchpoints.schemas import RowError

touchpoints_app = typer.Typer(help="Touchpoint intake: call and meeting logs, social mentions.")
CHUNK = 500
KINDS = ("calls", "mentions")


@touchpoints_app.command("import")
def import_command(
    kind: str = typer.Argument(..., help="calls (calls and meetings) or mentions"),
    file: Path = typer.Argument(..., help="CSV with a header row, JSON array or JSONL"),
    file_format: str | None = typer.Option(None, "--format", help="csv, json or jsonl"),
    workspace: str | None = typer.Option(None, "--workspace", help="Workspace slug."),
    rejects: Path | None = typer.Option(None, "--rejects", help="Write rejected rows (JSONL)."),
) -> None:
    """Import touchpoints; bad rows are reported, good rows are kept."""
    if kind not in KINDS:
        raise fail(f"kind must be one of {', '.join(KINDS)}", 2)
    if not file.is_file():
        raise fail(f"file not found: {file}", 2)
    fmt = file_format or guess_format(file)
    if fmt not in FORMATS:
        raise fail(f"format must be one of {', '.join(FORMATS)}", 2)
    rows = read_rows(file.read_text(encoding="utf-8-sig"), fmt=fmt)
    totals = {"received": 0, "recorded": 0, "duplicates": 0}
    errors: list[tuple[RowError, dict[str, Any]]] = []
    with cli_runtime() as runtime:
        with workspace_session(runtime, workspace) as (_, workspace_id):
            pass
        while chunk := list(islice(rows, CHUNK)):
            with unit_of_work(runtime.session_factory, workspace_id) as session:
                report = import_rows(
                    session,
                    workspace_id=workspace_id,
                    kind="calls" if kind == "calls" else "mentions",
                    rows=chunk,
                )
            offset = totals["received"]
            for error in report.errors:
                errors.append(
                    (
                        error.model_copy(update={"row": error.row + offset}),
                        dict(chunk[error.row - 1]),
                    )
                )
            for name in totals:
                totals[name] += getattr(report, name)
            typer.echo(f"  {totals['received']:,} rows read", err=True)
    if rejects is not None and errors:
        with rejects.open("w", encoding="utf-8") as out:
            for error, row in errors:
                out.write(json.dumps({**error.model_dump(), "input": row}, default=str) + "\n")
    typer.echo(
        f"{totals['received']:,} rows: {totals['recorded']:,} recorded, "
        f"{totals['duplicates']:,} already there, {len(errors):,} rejected"
    )
    for error, _ in errors[:20]:
        field = f" {error.field}" if error.field else ""
        typer.echo(f"  row {error.row}{field}: {error.message}", err=True)
    if errors:
        raise fail(
            f"{len(errors):,} of {totals['received']:,} rows were rejected; the rest is stored"
        )
