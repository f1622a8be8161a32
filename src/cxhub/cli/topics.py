"""`cxhub topics discover|report`: discover a workspace's recurring topics and print the
recurring-issue report (docs/topics.md). Progress goes to stderr, results to stdout as JSON or
CSV; bad input prints one `error:` line and exits with status 2."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta

import typer

from cxhub.cli.context import cli_runtime, fail, friendly_errors, workspace_session

topics_app = typer.Typer(
    help="Recurring topics of customer texts: discovery and the recurring-issue report.",
    no_args_is_help=True,
)
WORKSPACE_HELP = "Workspace slug (default: the only workspace)."


def _days(value: int) -> int:
    if not 1 <= value <= 730:
        raise fail("--days is between 1 and 730", code=2)
    return value


@topics_app.command("discover")
@friendly_errors
def discover_command(
    workspace: str | None = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    days: int = typer.Option(90, "--days", help="Window: the last DAYS days of customer texts."),
    k: int | None = typer.Option(None, "--k", help="Number of topics (default: automatic)."),
    seed: int = typer.Option(7, "--seed", help="Random seed (same data + seed: same topics)."),
) -> None:
    """Cluster the workspace's customer messages and CSAT comments into topics; prints a JSON
    summary (named and ignored topics are kept)."""
    from cxhub.experience.topics.discovery import DiscoveryParams
    from cxhub.experience.topics.runs import run_discovery

    if k is not None and not 2 <= k <= 200:
        raise fail("--k is between 2 and 200", code=2)
    until = datetime.now(UTC)
    since = until - timedelta(days=_days(days))
    started = time.perf_counter()
    with cli_runtime() as runtime, workspace_session(runtime, workspace) as (session, ws_id):
        typer.echo(f"discovering topics in the last {days} days…", err=True)
        run = run_discovery(
            session, workspace_id=ws_id, since=since, until=until,
            params=DiscoveryParams(seed=seed, k=k),
        )  # fmt: skip
    summary = {
        "texts": run.texts, "topics": run.topics, "created": run.created,
        "updated": run.updated, "removed": run.removed, "assigned": run.assigned,
        "k_scores": {c: {str(key): v for key, v in scores.items()}
                     for c, scores in run.k_scores.items()},
        "seconds": round(time.perf_counter() - started, 2),
    }  # fmt: skip
    typer.echo(json.dumps(summary, sort_keys=True))


@topics_app.command("report")
@friendly_errors
def report_command(
    workspace: str | None = typer.Option(None, "--workspace", "-w", help=WORKSPACE_HELP),
    days: int = typer.Option(30, "--days", help="Window: the last DAYS days."),
    repeat_days: int = typer.Option(7, "--repeat-days", help="Repeat contact window in days."),
    limit: int = typer.Option(20, "--limit", help="Topics in the report."),
    output_format: str = typer.Option("json", "--format", help="json or csv."),
) -> None:
    """Print the recurring-issue report (the same figures as the API's CSV and webhook)."""
    from cxhub.experience.topics.export import issue_json, report_csv
    from cxhub.experience.topics.report import recurring_issues

    if output_format not in ("json", "csv"):
        raise fail("--format is json or csv", code=2)
    if not 1 <= repeat_days <= 90 or not 1 <= limit <= 200:
        raise fail("--repeat-days is 1-90 and --limit 1-200", code=2)
    until = datetime.now(UTC)
    since = until - timedelta(days=_days(days))
    with cli_runtime() as runtime, workspace_session(runtime, workspace) as (session, ws_id):
        issues = recurring_issues(
            session, workspace_id=ws_id, since=since, until=until, repeat_days=repeat_days,
            limit=limit,
        )  # fmt: skip
        if output_format == "csv":
            sys.stdout.write(report_csv(issues))
        else:
            rows = [issue_json(rank, f) for rank, f in enumerate(issues, start=1)]
            typer.echo(json.dumps(rows, sort_keys=True))
