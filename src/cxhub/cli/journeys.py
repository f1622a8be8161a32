"""`cxhub journeys rebuild-paths`: build the path-prefix rollup (ADR 0030) from all the
workspace's touchpoints, recorded ones and page views. Run it once after upgrading to a
version with the rollup, and after loading page views older than the journeys scan looks back
(`CXHUB_JOURNEYS_SCAN_LOOKBACK_HOURS`). Safe to repeat: it replaces the workspace's rows.
"""

from __future__ import annotations

import time

import typer

from cxhub.cli.context import cli_runtime, friendly_errors, workspace_session
from cxhub.experience.journeys.path_rebuild import rebuild_paths

journeys_app = typer.Typer(help="Journeys: the path-prefix rollup behind the paths analytics.")


@journeys_app.command("rebuild-paths")
@friendly_errors
def rebuild_paths_command(
    workspace: str | None = typer.Option(None, "--workspace", help="Workspace slug."),
) -> None:
    """Rebuild every customer's path prefix from all their touchpoints."""
    started = time.perf_counter()
    with (
        cli_runtime() as runtime,
        workspace_session(runtime, workspace) as (session, workspace_id),
    ):
        typer.echo("reading touchpoints and page views…", err=True)
        written = rebuild_paths(
            session, workspace_id=workspace_id, data_dir=runtime.settings.data_dir
        )
    typer.echo(f"{written:,} customer paths rebuilt in {time.perf_counter() - started:.1f}s")
