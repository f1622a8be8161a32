"""`cxhub mail serve`: receive support mail over SMTP into the same database as `cxhub serve`."""

from __future__ import annotations

import typer

from cxhub.cli.context import cli_state, fail, friendly_errors

mail_app = typer.Typer(help="The e-mail channel: receive support mail over SMTP.")


@mail_app.command("serve")
@friendly_errors
def serve(
    host: str | None = typer.Option(
        None, "--host", help="Interface to listen on (default: CXHUB_MAIL_HOST, 127.0.0.1)."
    ),
    port: int | None = typer.Option(
        None, "--port", help="TCP port (default: CXHUB_MAIL_PORT, 2525)."
    ),
    data_dir: str | None = typer.Option(
        None,
        "--data-dir",
        envvar="CXHUB_DATA_DIR",
        help="Directory for the SQLite database and files.",
    ),
) -> None:
    """Accept mail for the workspaces' mailboxes; each message is stored before the 250 and
    turned into ticket work by a background worker (plus a sweep every 30 s)."""
    from cxhub.cli.context import cli_settings
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.runtime import build_runtime
    from cxhub.service.mail.listener import MailboxReceiver

    if data_dir:
        cli_state.data_dir = data_dir
    settings = cli_settings()
    if settings.jobs_backend == "sync":
        settings = settings.model_copy(update={"jobs_backend": "inprocess"})
    settings.check_safe_to_serve()
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    bind_host = host or settings.mail_host
    bind_port = settings.mail_port if port is None else port
    receiver = MailboxReceiver(
        runtime,
        host=bind_host,
        port=bind_port,
        max_message_bytes=settings.mail_max_message_bytes,
    )
    try:
        try:
            receiver.start()
        except OSError as exc:
            raise fail(f"cannot listen on {bind_host}:{bind_port}: {exc}") from None
        if settings.scheduler and runtime.scheduler is not None:
            runtime.scheduler.start()
        typer.echo(
            f"cxhub mail is receiving on {bind_host}:{receiver.port} "
            f"(database: {settings.effective_database_url})"
        )
        receiver.serve_forever()
    finally:
        receiver.stop()
        runtime.close()
