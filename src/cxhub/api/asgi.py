"""The app of one web process among several: `cxhub serve --workers N`, `uvicorn --workers N
--factory cxhub.api.asgi:app_from_environment` or gunicorn with uvicorn workers (docs/deployment.md).

Each process builds its own runtime from the `CXHUB_*` environment (and `CXHUB_CONFIG`); the web
tier keeps no state of its own beyond caches, so any process can answer any request.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from cxhub.api.app import create_app
from cxhub.core.settings import load_settings

log = logging.getLogger(__name__)


def app_from_environment() -> FastAPI:
    """Periodic jobs tick here only with Redis leases: without them, N identical processes would
    each submit every run (`cxhub serve --workers N` ticks in its supervisor instead)."""
    settings = load_settings()
    settings.check_safe_to_serve()
    app = create_app(settings, serving=True)
    runtime = app.state.runtime
    if settings.scheduler and runtime.scheduler is not None:
        if runtime.scheduler.lease is not None:
            runtime.scheduler.start()
        else:
            log.warning(
                "this web process runs no periodic jobs: set CXHUB_REDIS_URL so every process "
                "may tick them once overall, or run them from `cxhub serve` / `cxhub worker run`"
            )
    return app
