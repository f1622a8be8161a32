"""`cxhub import` and `cxhub export`: move accounts, contacts and interactions in and out.

This module is the edge: it parses options, opens the file, shows progress, prints the summary
and chooses the exit status (0 all rows imported, 1 some rows failed, 2 usage errors such as an
unknown entity, an unreadable file or a bad `--map`). The work itself is in
`cxhub.customers.transfer`, which commits one batch at a time through `tasks.run_import`.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import tzinfo
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from cxhub.cli.context import cli_runtime, fail, friendly_errors, workspace_session
from cxhub.customers.transfer.importer import FailedRow, ImportReport, RowImporter
from cxhub.customers.transfer.mapping import Entity, MappingError, parse_mapping
from cxhub.customers.transfer.readers import FileFormat, ReadError, SourceFile, open_source
from cxhub.customers.transfer.tasks import DEFAULT_BATCH_SIZE, run_import

USAGE_ERROR = 2
ENTITY_HELP = "What the file holds: accounts, contacts, interactions or events (usage events)."
WORKSPACE_HELP = "Workspace slug (optional when there is only one)."
MAX_ERRORS_SHOWN = 10


EVENTS = "events"


def _entity(value: str) -> Entity:
    try:
        return Entity(value.strip().lower())
    except ValueError:
        choices = ", ".join([*(e.value for e in Entity), EVENTS])
        raise fail(f"unknown entity {value!r}; choose one of {choices}", USAGE_ERROR) from None


def _format(value: str | None) -> FileFormat | None:
    if value is None:
        return None
    try:
        return FileFormat(value.strip().lower())
    except ValueError:
        raise fail(f"unknown format {value!r}; choose csv or jsonl", USAGE_ERROR) from None


def _time_zone(name: str | None) -> tzinfo | None:
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"unknown time zone {name!r} for --naive-timezone", USAGE_ERROR) from None


@contextmanager
def _progress(source: SourceFile, label: str) -> Iterator[Callable[[int], None]]:
    """A rich progress bar over the bytes read, on a terminal only; a no-op otherwise."""
    if not sys.stderr.isatty():
        yield lambda rows: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rows]:,} rows"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as bar:
        task = bar.add_task(label, total=max(source.size, 1), rows=0)
        yield lambda rows: bar.update(task, completed=source.position, rows=rows)
        bar.update(task, completed=max(source.size, 1))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def write_error_report(path: Path, failures: list[FailedRow], columns: list[str]) -> None:
    """A CSV of the failed rows: `#row`, `#column`, `#error`, then the row as it was read.

    The `#` columns are ignored by the importer, so the file can be corrected and imported as is.
    """
    names = list(dict.fromkeys([*columns, *(k for f in failures for k in f.values)]))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["#row", "#column", "#error", *names])
        for failure in failures:
            writer.writerow(
                [failure.number, failure.columns, failure.message]
                + [_cell(failure.values.get(name)) for name in names]
            )


def _print_report(report: ImportReport, errors_file: Path | None) -> None:
    typer.echo(report.summary())
    if report.extra_columns:
        where = "payload" if report.entity is Entity.INTERACTIONS else "custom attributes"
        typer.echo(f"columns kept as {where}: {', '.join(report.extra_columns)}")
    if report.failed and errors_file is None:
        for failure in report.failures[:MAX_ERRORS_SHOWN]:
            column = f" [{failure.columns}]" if failure.columns else ""
            typer.echo(f"  row {failure.number}{column}: {failure.message}", err=True)
        if report.failed > MAX_ERRORS_SHOWN:
            typer.echo(
                f"  ... and {report.failed - MAX_ERRORS_SHOWN} more (write them all with --errors)",
                err=True,
            )


@friendly_errors
def import_command(
    entity: str = typer.Argument(..., help=ENTITY_HELP, show_default=False),
    files: list[Path] = typer.Argument(
        ...,
        help="CSV or JSON Lines file (events: one or more NDJSON, CSV or Parquet files).",
        show_default=False,
        metavar="FILE...",
    ),
    file_format: str | None = typer.Option(
        None,
        "--format",
        "-f",
        help="csv or jsonl; for events ndjson, csv or parquet (default: from the extension).",
    ),
    mapping: list[str] = typer.Option(
        [],
        "--map",
        "-m",
        help="SOURCE=FIELD, repeatable, e.g. --map 'E-mail=email'. FIELD - drops.",
    ),
    errors: Path | None = typer.Option(
        None,
        "--errors",
        help="Write the failed rows, with the reason, to this CSV file (events: NDJSON).",
    ),
    workspace: str | None = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check and count, then save nothing."),
    batch_size: int = typer.Option(
        DEFAULT_BATCH_SIZE, "--batch-size", min=1, max=20_000, help="Rows per transaction."
    ),
    encoding: str | None = typer.Option(None, help="Text encoding (default: detected)."),
    delimiter: str | None = typer.Option(None, help="CSV delimiter (default: sniffed)."),
    naive_timezone: str | None = typer.Option(
        None,
        "--naive-timezone",
        help="Read times without an offset in this zone (e.g. UTC); otherwise they fail the row.",
    ),
    memory_limit: str | None = typer.Option(
        None,
        "--memory-limit",
        help="events: DuckDB memory limit, e.g. 4GB (beyond it DuckDB spills to disk).",
    ),
) -> None:
    """Import accounts, contacts, interactions or usage events; re-running a file adds nothing.

    Exit status: 0 when every row was imported, 1 when some rows failed (the others are saved),
    2 for usage errors.
    """
    if entity.strip().lower() == EVENTS:
        from cxhub.cli.events_import import import_events

        import_events(
            files,
            file_format=file_format,
            rejects=errors,
            workspace=workspace,
            memory_limit=memory_limit,
        )
        return
    if len(files) != 1:
        raise fail(f"import {entity} reads one file; {len(files)} were given", USAGE_ERROR)
    file = files[0]
    chosen = _entity(entity)
    try:
        parsed = parse_mapping(chosen, mapping)
        source = open_source(file, _format(file_format), encoding=encoding, delimiter=delimiter)
        importer = RowImporter(
            chosen,
            parsed,
            columns=source.columns if source.format is FileFormat.CSV else None,
            naive_timezone=_time_zone(naive_timezone),
        )
    except (MappingError, ReadError) as exc:
        raise fail(str(exc), USAGE_ERROR) from None
    with cli_runtime() as runtime:
        with workspace_session(runtime, workspace) as (_, workspace_id):
            pass  # resolves --workspace; each batch then runs in its own transaction
        with _progress(source, f"importing {chosen.value}") as on_batch:
            report = run_import(
                runtime.session_factory,
                workspace_id=workspace_id,
                importer=importer,
                rows=source.rows(),
                batch_size=batch_size,
                dry_run=dry_run,
                on_batch=on_batch,
            )
    _print_report(report, errors)
    if errors is not None and report.failures:
        write_error_report(errors, report.failures, source.columns)
        typer.echo(f"failed rows written to {errors}", err=True)
    if report.aborted:
        raise fail(report.aborted, USAGE_ERROR)
    if report.failed:
        raise fail(f"{report.failed} of {report.rows} rows failed; the other rows were imported")


@contextmanager
def _output(target: str) -> Iterator[IO[str]]:
    """stdout for `-`; otherwise a temporary file renamed into place only when complete."""
    if target == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    path = Path(target)
    if path.is_dir():
        raise fail(f"{target} is a directory; give a file name", USAGE_ERROR)
    partial = path.with_name(path.name + ".part")
    try:
        handle = partial.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise fail(f"cannot write {target}: {exc.strerror}", USAGE_ERROR) from None
    try:
        with handle:
            yield handle
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


@friendly_errors
def export_command(
    entity: str = typer.Argument(..., help=ENTITY_HELP, show_default=False),
    file_format: str | None = typer.Option(
        None, "--format", "-f", help="csv or jsonl (default: from -o's extension, else csv)."
    ),
    output: str = typer.Option("-", "--output", "-o", help="File to write; - for stdout."),
    workspace: str | None = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    batch_size: int = typer.Option(1000, "--batch-size", min=1, max=20_000, help="Rows per query."),
) -> None:
    """Export accounts, contacts or interactions in the format `cxhub import` reads."""
    from cxhub.customers.transfer.exporter import export_records, write_records
    from cxhub.customers.transfer.readers import format_from_path

    chosen = _entity(entity)
    active_format = _format(file_format) or (
        format_from_path(Path(output)) if output != "-" else None
    )
    active_format = active_format or FileFormat.CSV
    with (
        cli_runtime() as runtime,
        workspace_session(runtime, workspace) as (session, _),
        _output(output) as stream,
    ):
        records = export_records(session, entity=chosen, batch_size=batch_size)
        count = write_records(records, stream, entity=chosen, file_format=active_format)
    where = "stdout" if output == "-" else output
    typer.echo(f"exported {count} {chosen.value} to {where}", err=True)
