"""`cxhub privacy`: erase a contact (GDPR art. 17) and apply the retention policies.

The CLI runs jobs inline, so the erasure's file part (attachment files, Parquet events) runs
right after the commit, before the command prints its summary.
"""

from __future__ import annotations

import json

import typer

from cxhub.cli.context import cli_runtime, fail, friendly_errors, workspace_session
from cxhub.core.db import SYSTEM_SCOPE, unit_of_work

privacy_app = typer.Typer(help="Data-subject erasure and retention policies.", no_args_is_help=True)

WorkspaceOption = typer.Option(None, "--workspace", "-w", help="Workspace slug.")


@privacy_app.command("erase")
@friendly_errors
def erase(
    contact_id: int = typer.Argument(..., help="The contact to erase."),
    workspace: str | None = WorkspaceOption,
    yes: bool = typer.Option(
        False, "--yes", help="Do not ask for confirmation (erasure cannot be undone)."
    ),
    reason: str | None = typer.Option(
        None, help="Why, e.g. the request's ticket number (no personal data)."
    ),
) -> None:
    """Erase a contact's personal data everywhere; prints the erasure record's counts."""
    from cxhub.privacy.erasure import erase_contact, get_erasure

    if reason is not None and len(reason) > 200:
        raise fail("--reason is at most 200 characters", code=2)
    if not yes and not typer.confirm(
        f"Erase contact {contact_id} and all personal data about them? This cannot be undone."
    ):
        raise fail("nothing erased", code=1)
    with cli_runtime() as runtime:
        with workspace_session(runtime, workspace) as (session, _workspace_id):
            record = erase_contact(
                session,
                contact_id=contact_id,
                actor_user_id=None,
                data_dir=runtime.settings.data_dir,
                reason=reason,
                failed_jobs_kept=runtime.settings.jobs_backend == "redis",
            )
            erasure_id = record.id
        runtime.job_queue.drain()
        with workspace_session(runtime, workspace) as (session, _workspace_id):
            record = get_erasure(session, erasure_id=erasure_id)
            typer.echo(f"contact {record.contact_id} erased (erasure {record.id}, {record.status})")
            typer.echo(json.dumps(record.counts, indent=2, sort_keys=True))


@privacy_app.command("apply-retention")
@friendly_errors
def apply_retention_command(
    workspace: str | None = typer.Option(
        None, "--workspace", "-w", help="Workspace slug (default: every workspace)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only count what would be removed."),
    batch_size: int | None = typer.Option(
        None, min=1, help="Rows per batch (default CXHUB_RETENTION_BATCH_SIZE)."
    ),
) -> None:
    """Apply every workspace's retention policy now, batch after batch until nothing is left."""
    from cxhub.people import service as people
    from cxhub.privacy.erasure import finish_pending_erasures
    from cxhub.privacy.retention import apply_login_failure_retention, apply_retention

    with cli_runtime() as runtime:
        settings = runtime.settings
        size = batch_size or settings.retention_batch_size
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as lookup:
            chosen = (
                [people.get_workspace_by_slug(lookup, workspace)]
                if workspace
                else people.list_workspaces(lookup)
            )
            targets = [(w.slug, w.id) for w in chosen]
        for slug, workspace_id in targets:
            if not dry_run:
                # Each erasure on its own: one that fails is reported, retention still runs.
                _, failed = finish_pending_erasures(
                    runtime.session_factory,
                    workspace_id=workspace_id,
                    data_dir=settings.data_dir,
                    job_queue=runtime.job_queue,
                )
                if failed:
                    typer.echo(
                        f"{slug}: {failed} erasure(s) could not finish their file part "
                        "(see the log; retried on the next run)",
                        err=True,
                    )
            totals: dict[str, int] = {}
            while True:
                with workspace_session(runtime, slug) as (session, workspace_id):
                    report = apply_retention(
                        session,
                        workspace_id=workspace_id,
                        data_dir=settings.data_dir,
                        batch_size=size,
                        dry_run=dry_run,
                    )
                for rule in report.rules:
                    totals[rule.kind] = totals.get(rule.kind, 0) + rule.removed
                if dry_run or not any(rule.removed and rule.remaining for rule in report.rules):
                    break
            if not report.rules:
                typer.echo(f"{slug}: no retention policy")
            for rule in report.rules:
                done = (
                    f"would remove {rule.remaining}" if dry_run else f"removed {totals[rule.kind]}"
                )
                typer.echo(
                    f"{slug}: {rule.kind} older than {rule.days} days "
                    f"(before {rule.cutoff:%Y-%m-%d}): {done}"
                )
        removed = 0
        while True:
            with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
                result = apply_login_failure_retention(
                    session,
                    days=settings.login_failure_retention_days,
                    batch_size=size,
                    dry_run=dry_run,
                )
            removed += result["removed"]
            if dry_run or not (result["removed"] and result["remaining"]):
                break
        done = f"would remove {result['remaining']}" if dry_run else f"removed {removed}"
        typer.echo(f"installation: login failures quiet for {result['days']} days: {done}")
