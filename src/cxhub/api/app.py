"""The application factory. Nothing is built at import time; tests build their own apps."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy import text

from cxhub import __version__
from cxhub.analytics.api import router as metrics_router
from cxhub.analytics.experience_api import router as experience_metrics_router
from cxhub.analytics.knowledge_api import router as knowledge_metrics_router
from cxhub.analytics.revenue_api import router as revenue_metrics_router
from cxhub.analytics.success_api import router as success_metrics_router
from cxhub.analytics.usage_api import router as usage_metrics_router
from cxhub.api.audit import router as audit_router
from cxhub.api.jobs import router as jobs_router
from cxhub.api.openapi import install_openapi
from cxhub.api.problems import install_problem_handlers
from cxhub.core.heap import settle_heap
from cxhub.core.runtime import Runtime, build_runtime
from cxhub.core.settings import Settings
from cxhub.customers.accounts.api import router as accounts_router
from cxhub.customers.contacts.api import router as contacts_router
from cxhub.customers.timeline.api import router as timeline_router
from cxhub.experience.journeys.api import router as journeys_router
from cxhub.experience.nextaction.api import router as next_action_router
from cxhub.experience.surveys.api import router as surveys_router
from cxhub.experience.surveys.public_api import router as surveys_public_router
from cxhub.experience.text.api import router as text_router
from cxhub.experience.text.service import load_models_now as load_text_models
from cxhub.experience.topics.api import router as topics_router
from cxhub.experience.topics.report_api import router as topic_reports_router
from cxhub.experience.touchpoints.api import router as touchpoints_router
from cxhub.knowledge.articles.api import router as knowledge_router
from cxhub.knowledge.assist.api import router as knowledge_assist_router
from cxhub.knowledge.search.api import router as knowledge_search_router
from cxhub.people.api import router as people_router
from cxhub.people.token_cache import TokenCache
from cxhub.privacy.api import router as privacy_router
from cxhub.service.assignment.api import router as assignment_router
from cxhub.service.automations.api import router as automations_router
from cxhub.service.channels.api import router as channels_router
from cxhub.service.csat.api import router as csat_router
from cxhub.service.mail.api import router as mail_router
from cxhub.service.portal.api import router as portal_router
from cxhub.service.sla.api import router as sla_router
from cxhub.service.tickets.api import router as tickets_router
from cxhub.service.views.api import router as views_router
from cxhub.success.expansion.api import router as expansion_router
from cxhub.success.health.api import router as health_router
from cxhub.success.playbooks.api import router as playbooks_router
from cxhub.success.subscriptions.api import router as subscriptions_router
from cxhub.success.tasks.api import router as tasks_router
from cxhub.success.usage.api import ingest_router
from cxhub.success.usage.api import router as tracking_router

API_PREFIX = "/api/v1"

log = logging.getLogger(__name__)


def api_routers() -> tuple[APIRouter, ...]:
    """The domains' routers, each mounted at `API_PREFIX` directly on the app.

    Not under one `/api/v1` router: FastAPI matches a request against routes one by one and,
    for a nested router, recomputes the version of every router below it on each match (twice:
    once to select, once to handle); nested, routing cost ~4x as much CPU as mounted flat
    (ADR 0038). For the same reason the busiest domains come first. Order only
    matters where two routers' paths overlap (`/topics/trending` before `/topics/{topic_id}`);
    tests/api/test_routing.py checks that every route is reached by its own paths."""
    return (
        tickets_router,
        contacts_router,
        timeline_router,
        mail_router,
        views_router,
        people_router,
        accounts_router,
        privacy_router,
        sla_router,
        csat_router,
        channels_router,
        assignment_router,
        automations_router,
        tracking_router,
        metrics_router,
        subscriptions_router,
        revenue_metrics_router,
        health_router,
        expansion_router,
        usage_metrics_router,
        success_metrics_router,
        tasks_router,
        playbooks_router,
        text_router,
        surveys_router,
        surveys_public_router,
        touchpoints_router,
        journeys_router,
        topic_reports_router,
        topics_router,
        experience_metrics_router,
        next_action_router,
        portal_router,
        knowledge_router,
        knowledge_search_router,
        knowledge_assist_router,
        knowledge_metrics_router,
        audit_router,
        jobs_router,
    )


def create_app(
    settings: Settings, runtime: Runtime | None = None, *, serving: bool = False
) -> FastAPI:
    """Build the app; when `runtime` is omitted the app owns (and closes) one built from settings.

    `serving` (servers, not tests): at startup, load the text models (otherwise loaded by the
    first analyses, beside the first requests), then exempt the objects alive from garbage
    collection (`core.heap.settle_heap`), so full collections stop pausing requests."""
    owns_runtime = runtime is None
    active = runtime or build_runtime(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if serving:
            load_text_models()  # before the freeze: off the first requests' path, out of GC
            settle_heap()
        # The pool behind sync handlers (AnyIO's default is 40 threads; docs/benchmarks.md).
        to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        yield
        if owns_runtime:
            active.close()

    app = FastAPI(
        title="cxhub",
        version=__version__,
        summary="Customer Service + Customer Success = Customer Experience",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = active
    app.state.settings = settings
    # Per app, so test apps with their own settings do not share it (ADR 0037).
    app.state.token_cache = TokenCache(settings.auth_cache_seconds)
    install_problem_handlers(app)
    install_openapi(app)
    # Segment clients call /v1/… at the root. Included first: a request is matched against the
    # routes in order, and the ~140 `/api/v1` routes before it cost a batch as much as checking
    # its 100 events (no path overlaps, so the order changes nothing else).
    app.include_router(ingest_router)
    for domain_router in api_routers():
        app.include_router(domain_router, prefix=API_PREFIX)

    from cxhub.web.pages import install_web

    install_web(app)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        try:
            with active.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("health check failed: %s", exc)
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status_code=503
            )
        return JSONResponse({"status": "ok", "database": "ok", "version": __version__})

    return app
