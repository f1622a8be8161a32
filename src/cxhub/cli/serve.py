"""`cxhub serve`: run the web app and API, optionally with a demo workspace."""

from __future__ import annotations

import os
import signal
from types import FrameType
from typing import Any

import typer

from cxhub.api.http_protocol import serving_protocol
from cxhub.cli.context import cli_state, fail, friendly_errors

#: How long uvicorn's supervisor waits for a web worker to start or to answer its liveness ping
#: before replacing it.
WORKER_HEALTHCHECK_SECONDS = 60


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
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Web processes sharing the port; more than one needs every process to reach the "
        "same database (PostgreSQL, or SQLite on this machine).",
    ),
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
    if settings.scheduler and runtime.scheduler is not None:
        runtime.scheduler.start()
    # uvicorn handles SIGTERM itself and, once it has shut down gracefully, raises the signal
    # again with the handler that was in place before it started. With the default handler
    # that kills the process before `runtime.close()` has let the queued jobs finish; this one
    # turns it into a normal exit that runs the `finally` below.
    previous_sigterm = signal.signal(signal.SIGTERM, _exit_after_sigterm)
    try:
        # SIGTERM/SIGINT: uvicorn stops accepting connections and lets the requests in flight
        # finish (up to the grace period); then `runtime.close()` stops the scheduler and lets
        # the queued jobs finish (docs/reliability.md#graceful-shutdown).
        options: dict[str, Any] = {
            "host": host,
            "port": port,
            "log_level": settings.log_level.lower(),
            "timeout_graceful_shutdown": int(max(1, settings.shutdown_grace_seconds)),
            # TCP_NODELAY on every connection, which `--workers` otherwise lose (ADR 0035);
            # httptools when installed. The loop is uvicorn's "auto": uvloop when installed.
            "http": serving_protocol(),
        }
        if workers > 1:
            # Each worker process builds its app from the environment; this supervisor keeps
            # the scheduler (and, with the in-process backend, runs the jobs it submits).
            _pass_options_to_workers()
            uvicorn.run(
                "cxhub.api.asgi:app_from_environment",
                factory=True,
                workers=workers,
                # A worker busy importing on a loaded machine is not a dead one (default: 5 s).
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                **options,
            )
        else:
            uvicorn.run(create_app(settings, runtime, serving=True), **options)
    except OSError as exc:
        raise fail(f"cannot listen on {host}:{port}: {exc}") from None
    finally:
        runtime.close()
        signal.signal(signal.SIGTERM, previous_sigterm)


def _pass_options_to_workers() -> None:
    """Worker processes read settings from the environment: hand them the CLI's options."""
    for variable, value in (
        ("CXHUB_DATA_DIR", cli_state.data_dir),
        ("CXHUB_DATABASE_URL", cli_state.database_url),
        ("CXHUB_CONFIG", cli_state.config),
    ):
        if value:
            os.environ[variable] = value
    os.environ["CXHUB_SCHEDULER"] = "false"


def _exit_after_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)
