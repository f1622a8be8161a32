"""`cxhub serve`: run the web app and API, optionally with a demo workspace."""

from __future__ import annotations

import typer

from cxhub.cli.context import cli_state, fail, friendly_errors


@friendly_errors
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    data_dir: str | None = typer.Option(
        None,
        "--data-dir",
        envvar="CXHUB_DATA_DIR",
        help="Directory for the SQLite database and files.",
    ),
    demo: bool = typer.Option(False, "--demo", help="Create (once) and show a demo workspace."),
    seed: int = typer.Option(42, help="Seed of the demo data generator."),
) -> None:
    """Serve cxhub at http://HOST:PORT."""
    import uvicorn

    from cxhub.api.app import create_app
    from cxhub.cli.context import cli_settings
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.runtime import build_runtime

    if data_dir:
        cli_state.data_dir = data_dir
    settings = cli_settings()
    settings.check_safe_to_serve()
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    url = f"http://{host}:{port}"
    if demo:
        from cxhub.demo.seed import seed_demo

        credentials = seed_demo(runtime, seed=seed, progress=True)
        typer.echo(f"Demo workspace: {credentials.workspace_slug}")
        typer.echo(f"Sign in at {url}/login as {credentials.email} / {credentials.password}")
        typer.echo(f"API token: {credentials.token}")
    typer.echo(f"cxhub is serving at {url} (database: {settings.effective_database_url})")
    app = create_app(settings, runtime)
    if settings.scheduler and runtime.scheduler is not None:
        runtime.scheduler.start()
    try:
        uvicorn.run(app, host=host, port=port, log_level=settings.log_level.lower())
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc}") from None
    finally:
        runtime.close()
