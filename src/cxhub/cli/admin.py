"""Administrative commands: database migrations, workspaces, users and API tokens."""

from __future__ import annotations

import typer

from cxhub.cli.context import cli_runtime, cli_settings, fail, friendly_errors, workspace_session
from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.permissions import Role

db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
workspace_app = typer.Typer(help="Workspaces (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Users of a workspace.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)

WorkspaceOption = typer.Option(None, "--workspace", "-w", help="Workspace slug.")


@db_app.command("upgrade")
@friendly_errors
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from cxhub.core.migrate import upgrade_database

    settings = cli_settings()
    upgrade_database(settings.effective_database_url, revision)
    typer.echo(f"database at {revision}: {settings.effective_database_url}")


@db_app.command("rebuild-rollups")
@friendly_errors
def db_rebuild_rollups(
    workspace: str | None = typer.Option(
        None, "--workspace", "-w", help="Workspace slug (default: every workspace)."
    ),
    full: bool = typer.Option(
        False, "--full", help="Rebuild every day, not only the dirty and missing ones."
    ),
) -> None:
    """Build the daily service KPI rollups (ADR 0019): every finished day that is missing or
    was changed since it was built. Safe to run while the server runs; commits every 31 days."""
    import time

    from cxhub.analytics.service_rollups.marking import forget_rollups
    from cxhub.analytics.service_rollups.tasks import refresh_with_reader
    from cxhub.core.db import utcnow
    from cxhub.people import service as people

    with cli_runtime() as runtime:
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as lookup:
            if workspace:
                targets = [(workspace, people.get_workspace_by_slug(lookup, workspace).id)]
            else:
                targets = [(w.slug, w.id) for w in people.list_workspaces(lookup)]
        for slug, workspace_id in targets:
            started, built = time.perf_counter(), 0
            now = utcnow()
            if full:
                with unit_of_work(runtime.session_factory, workspace_id) as session:
                    forget_rollups(session, workspace_id=workspace_id)
            while True:
                with unit_of_work(runtime.session_factory, workspace_id) as session:
                    result = refresh_with_reader(
                        runtime, session, workspace_id=workspace_id, now=now, max_days=31
                    )
                built += result.built
                if not result.remaining:
                    break
            elapsed = time.perf_counter() - started
            typer.echo(f"{slug}: {built} days built in {elapsed:.1f} s")


@workspace_app.command("create")
@friendly_errors
def workspace_create(slug: str, name: str = typer.Option(..., help="Display name.")) -> None:
    """Create a workspace."""
    from cxhub.people import service as people

    with cli_runtime() as runtime, unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        workspace = people.create_workspace(session, slug=slug, name=name)
        typer.echo(f"workspace {workspace.slug} created (id {workspace.id})")


@workspace_app.command("list")
@friendly_errors
def workspace_list() -> None:
    """List workspaces."""
    from cxhub.people import service as people

    with cli_runtime() as runtime, unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        for workspace in people.list_workspaces(session):
            typer.echo(f"{workspace.slug}\t{workspace.name}")


@user_app.command("create")
@friendly_errors
def user_create(
    email: str,
    name: str = typer.Option(..., help="Full name."),
    role: Role = typer.Option(Role.AGENT, help="One of admin, agent, csm, analyst, viewer."),
    password: str | None = typer.Option(
        None,
        help="Login password (at least 10 characters); prompted when omitted and a TTY.",
        hidden=False,
    ),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Create a user who can sign in to the web UI."""
    from pydantic import ValidationError

    from cxhub.people import service as people
    from cxhub.people.schemas import UserCreate

    try:
        data = UserCreate(email=email, name=name, role=role, password=password)
    except ValidationError as exc:
        raise fail(exc.errors()[0]["msg"]) from None
    with cli_runtime() as runtime, workspace_session(runtime, workspace) as (session, workspace_id):
        user = people.create_user(session, workspace_id=workspace_id, data=data)
        typer.echo(f"user {user.email} ({user.role.value}) created")


@token_app.command("create")
@friendly_errors
def token_create(
    email: str, name: str = typer.Option("cli", help="A label for the token.")
) -> None:
    """Issue an API token for EMAIL; the secret is printed once."""
    from sqlalchemy import select

    from cxhub.people import service as people
    from cxhub.people.models import User

    with cli_runtime() as runtime, unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        user = session.scalar(select(User).where(User.email == email.lower()))
        if user is None:
            raise fail(f"no user {email}")
        issued = people.create_api_token(session, user=user, name=name)
        typer.echo(f"API token: {issued.secret}")
