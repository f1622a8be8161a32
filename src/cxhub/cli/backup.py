"""`cxhub backup` and `cxhub restore`: the whole installation (database and files) in one file."""

from __future__ import annotations

from pathlib import Path

import typer

from cxhub.cli.context import cli_settings, friendly_errors


@friendly_errors
def backup_command(
    output: Path = typer.Option(..., "--output", "-o", help="The .tar.gz file to write."),
) -> None:
    """Back up the database and the attachment and usage-event files while cxhub keeps running."""
    from cxhub.core.backup import create_backup

    summary = create_backup(cli_settings(), output)
    typer.echo(
        f"backup written to {summary.path} ({summary.database_kind} database at revision "
        f"{summary.revision}, {summary.members} members)"
    )


@friendly_errors
def restore_command(
    input_file: Path = typer.Option(..., "--input", "-i", help="The backup .tar.gz to restore."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that already holds data."
    ),
) -> None:
    """Restore a backup into the configured database and data directory, then migrate."""
    from cxhub.core.backup import restore_backup

    manifest = restore_backup(cli_settings(), input_file, force=force)
    typer.echo(
        f"restored the backup of {manifest.get('created_at')} "
        f"(cxhub {manifest.get('cxhub_version')}, revision {manifest.get('alembic_revision')})"
    )
