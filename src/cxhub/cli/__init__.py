"""The `cxhub` command line: serve, manage workspaces and people, import and export data."""

from __future__ import annotations

import typer

from cxhub.cli import (
    admin,
    analytics,
    backup,
    churn,
    clv,
    data,
    journeys,
    mail,
    privacy,
    serve,
    text,
    topics,
    touchpoints,
    worker,
)
from cxhub.cli.context import cli_state

app = typer.Typer(
    name="cxhub",
    help="cxhub: Customer Service + Customer Success = Customer Experience.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    data_dir: str | None = typer.Option(
        None,
        "--data-dir",
        envvar="CXHUB_DATA_DIR",
        help="Directory for the SQLite database and files.",
    ),
    database_url: str | None = typer.Option(
        None,
        "--database-url",
        envvar="CXHUB_DATABASE_URL",
        help="SQLAlchemy URL (PostgreSQL in production).",
    ),
    config: str | None = typer.Option(
        None, "--config", envvar="CXHUB_CONFIG", help="TOML config file."
    ),
) -> None:
    cli_state.data_dir = data_dir
    cli_state.database_url = database_url
    cli_state.config = config


app.command("serve")(serve.serve)
app.add_typer(admin.db_app, name="db")
app.add_typer(analytics.analytics_app, name="analytics")
app.add_typer(admin.workspace_app, name="workspace")
app.add_typer(admin.user_app, name="user")
app.add_typer(admin.token_app, name="token")
app.add_typer(mail.mail_app, name="mail")
app.add_typer(clv.clv_app, name="clv")
app.add_typer(churn.churn_app, name="churn")
app.add_typer(privacy.privacy_app, name="privacy")
app.add_typer(text.text_app, name="text")
app.add_typer(touchpoints.touchpoints_app, name="touchpoints")
app.add_typer(journeys.journeys_app, name="journeys")
app.add_typer(topics.topics_app, name="topics")
app.add_typer(worker.worker_app, name="worker")
app.command("import")(data.import_command)
app.command("export")(data.export_command)
app.command("backup")(backup.backup_command)
app.command("restore")(backup.restore_command)


def main() -> None:
    app()
