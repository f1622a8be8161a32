"""Install the web shell: static files, templates, error pages and every domain's pages.

Like `cxhub.api.app.api_router` for the API, this is the one place that lists which domains put
pages in the shell; each domain's `pages.py` exposes `router` and `NAV` (and may expose
`MESSAGES` and `TEMPLATES_DIR`), so adding a domain's pages is one line in `PAGE_MODULES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from cxhub.api.deps import Principal, TransactionalRoute, optional_principal
from cxhub.web import assets
from cxhub.web.errors import install_page_errors
from cxhub.web.i18n import Catalogue
from cxhub.web.shell import STATIC_DIR, NavItem, WebShell, build_environment


def page_modules() -> list[ModuleType]:
    """Domains with pages, imported when an app is built (never at import time of this module)."""
    from cxhub.analytics import knowledge_pages as knowledge_metrics_pages
    from cxhub.analytics import pages as analytics_pages
    from cxhub.analytics import success_pages
    from cxhub.customers.accounts import pages as account_pages
    from cxhub.customers.contacts import pages as contact_pages
    from cxhub.experience.connected import pages as experience_pages
    from cxhub.experience.journeys import pages as journey_pages
    from cxhub.experience.nextaction import pages as next_action_pages
    from cxhub.experience.surveys import pages as survey_pages
    from cxhub.experience.surveys import portal_pages as survey_portal_pages
    from cxhub.experience.surveys import public_pages as survey_public_pages
    from cxhub.experience.topics import pages as topic_pages
    from cxhub.knowledge.articles import pages as knowledge_pages
    from cxhub.knowledge.assist import pages as assist_pages
    from cxhub.knowledge.helpcenter import pages as help_center_pages
    from cxhub.people import pages as people_pages
    from cxhub.privacy import pages as privacy_pages
    from cxhub.service.channels import pages as channel_pages
    from cxhub.service.csat import pages as csat_pages
    from cxhub.service.portal import signin_pages as portal_signin_pages
    from cxhub.service.portal import ticket_pages as portal_ticket_pages
    from cxhub.service.tickets import pages as ticket_pages
    from cxhub.success.cockpit import pages as cockpit_pages

    return [
        people_pages,
        ticket_pages,
        analytics_pages,
        success_pages,
        contact_pages,
        account_pages,
        csat_pages,
        channel_pages,
        cockpit_pages,
        privacy_pages,
        portal_signin_pages,
        portal_ticket_pages,
        knowledge_pages,
        assist_pages,
        knowledge_metrics_pages,
        help_center_pages,
        survey_pages,
        survey_public_pages,
        survey_portal_pages,
        journey_pages,
        topic_pages,
        experience_pages,
        next_action_pages,
    ]


root_router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)


@root_router.get("/")
def home(
    request: Request, principal: Annotated[Principal | None, Depends(optional_principal)]
) -> RedirectResponse:
    """Signed-in people land on the shell's home page, everyone else on the login form."""
    shell: WebShell = request.app.state.web_shell
    return RedirectResponse(shell.home_path if principal else "/login", status_code=303)


def install_web(app: FastAPI) -> None:
    modules = page_modules()
    # A domain with templates of its own (the customer portal) exposes `TEMPLATES_DIR`.
    template_dirs = list(
        dict.fromkeys(m.TEMPLATES_DIR for m in modules if hasattr(m, "TEMPLATES_DIR"))
    )
    shell = WebShell(env=build_environment(template_dirs))
    app.state.web_shell = shell
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_page_errors(app)
    app.include_router(root_router)
    app.include_router(assets.router)
    for module in modules:
        router: APIRouter = module.router
        nav: tuple[NavItem, ...] = getattr(module, "NAV", ())
        messages: Mapping[str, Catalogue] | None = getattr(module, "MESSAGES", None)
        shell.include(app, router, nav=nav, messages=messages)
