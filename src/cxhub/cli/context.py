"""Shared CLI plumbing: settings from options, the runtime, and turning errors into messages.

A user never sees a traceback: configuration and domain errors print one line to stderr and
exit with status 1 (2 for usage errors, as Click does).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.errors import DomainError
from cxhub.core.runtime import Runtime, build_runtime
from cxhub.core.settings import ConfigurationError, Settings, load_settings

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class CliState:
    data_dir: str | None = None
    database_url: str | None = None
    config: str | None = None


cli_state = CliState()


def cli_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": cli_state.data_dir,
        "database_url": cli_state.database_url,
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return load_settings(Path(cli_state.config) if cli_state.config else None, **values)


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn expected failures into a one-line message and a non-zero exit."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (ConfigurationError, DomainError) as exc:
            raise fail(str(exc)) from None
        except OperationalError as exc:
            raise fail(f"database error: {exc.orig}") from None
        except FileNotFoundError as exc:
            raise fail(f"file not found: {exc.filename}", code=2) from None

    return wrapper


@contextmanager
def cli_runtime(settings: Settings | None = None, *, migrate: bool = True) -> Iterator[Runtime]:
    """A runtime with jobs run inline (a CLI command is one short-lived unit of work)."""
    active_settings = (settings or cli_settings()).model_copy(update={"jobs_backend": "sync"})
    if migrate:
        from cxhub.core.migrate import upgrade_database

        upgrade_database(active_settings.effective_database_url)
    runtime = build_runtime(active_settings)
    try:
        yield runtime
    finally:
        runtime.close()


@contextmanager
def workspace_session(runtime: Runtime, slug: str | None) -> Iterator[tuple[Session, int]]:
    """A unit of work scoped to `slug`, or to the only workspace when there is just one."""
    from cxhub.people import service as people

    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as lookup:
        if slug:
            try:
                workspace_id = people.get_workspace_by_slug(lookup, slug).id
            except DomainError as exc:
                raise fail(str(exc), code=2) from None
        else:
            workspaces = people.list_workspaces(lookup)
            if len(workspaces) != 1:
                names = ", ".join(w.slug for w in workspaces) or "none yet"
                raise fail(f"choose a workspace with --workspace (existing: {names})")
            workspace_id = workspaces[0].id
    with unit_of_work(runtime.session_factory, workspace_id) as session:
        yield session, workspace_id
