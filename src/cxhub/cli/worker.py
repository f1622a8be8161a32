"""`cxhub worker`: run background jobs from the Redis queue (ADR 0022), and see the failed ones."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

import typer

from cxhub.cli.context import cli_state, fail, friendly_errors

if TYPE_CHECKING:
    from cxhub.core.redis_jobs import RedisJobQueue
    from cxhub.core.runtime import Runtime

worker_app = typer.Typer(
    help="Background workers for CXHUB_JOBS_BACKEND=redis: run jobs, list and retry failed ones."
)

NEEDS_REDIS = (
    "cxhub worker needs the Redis job backend: set CXHUB_JOBS_BACKEND=redis and CXHUB_REDIS_URL "
    "(docs/deployment.md)"
)


def redis_queue(runtime: Runtime) -> RedisJobQueue:
    from cxhub.core.redis_jobs import RedisJobQueue

    if not isinstance(runtime.job_queue, RedisJobQueue):
        raise fail(NEEDS_REDIS)
    return runtime.job_queue


def run_worker(runtime: Runtime, *, threads: int, stop: threading.Event | None = None) -> None:
    """Serve jobs until SIGTERM/SIGINT (or `stop`): jobs running then finish (up to
    CXHUB_SHUTDOWN_GRACE_SECONDS), jobs taken but not started go back on the queue, and a job of a
    worker killed outright runs again once its heartbeat is missed."""
    job_queue = redis_queue(runtime)
    stopping = stop or threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    previous = {
        number: signal.signal(number, request_stop) for number in (signal.SIGTERM, signal.SIGINT)
    }
    if runtime.settings.scheduler and runtime.scheduler is not None:
        runtime.scheduler.start()
    try:
        job_queue.serve(
            stopping,
            threads=threads,
            grace_seconds=runtime.settings.shutdown_grace_seconds,
            on_started=lambda: typer.echo(
                f"cxhub worker: {threads} thread(s) on {runtime.settings.redis_url} "
                f"(database: {runtime.settings.effective_database_url})"
            ),
        )
    finally:
        runtime.close()
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def _worker_runtime(data_dir: str | None) -> Iterator[Runtime]:
    from cxhub.cli.context import cli_settings
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.runtime import build_runtime

    if data_dir:
        cli_state.data_dir = data_dir
    settings = cli_settings()
    if settings.jobs_backend != "redis":
        raise fail(NEEDS_REDIS)
    upgrade_database(settings.effective_database_url)
    runtime = build_runtime(settings)
    try:
        yield runtime
    finally:
        runtime.close()


DATA_DIR = typer.Option(
    None, "--data-dir", envvar="CXHUB_DATA_DIR", help="Directory for the SQLite database and files."
)


@worker_app.command("run")
@friendly_errors
def run(
    threads: int = typer.Option(2, "--threads", min=1, max=64, help="Jobs run at the same time."),
    data_dir: str | None = DATA_DIR,
) -> None:
    """Run jobs from the queue until SIGTERM; start as many as the load needs, on any machine.
    With CXHUB_SCHEDULER on it also ticks the scheduler (each run is submitted once overall)."""
    with _worker_runtime(data_dir) as runtime:
        run_worker(runtime, threads=threads)


@worker_app.command("failed")
@friendly_errors
def failed(
    limit: int = typer.Option(50, "--limit", min=1, help="Most failed jobs listed, newest first."),
    data_dir: str | None = DATA_DIR,
) -> None:
    """List jobs that failed their last attempt (name, workspace, attempts, last error)."""
    with _worker_runtime(data_dir) as runtime:
        jobs = redis_queue(runtime).failed_jobs(limit)
        if not jobs:
            typer.echo("no failed jobs")
        for job in jobs:
            typer.echo(
                f"{job.failed_at:%Y-%m-%d %H:%M:%S}Z  {job.name}  workspace={job.workspace_id}  "
                f"attempts={job.attempts}  {job.error}"
            )


@worker_app.command("retry-failed")
@friendly_errors
def retry_failed(data_dir: str | None = DATA_DIR) -> None:
    """Put every failed job back on the queue for a fresh set of attempts."""
    with _worker_runtime(data_dir) as runtime:
        count = redis_queue(runtime).retry_failed()
        typer.echo(f"{count} failed job(s) queued again")
