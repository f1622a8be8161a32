"""The portal's door: request a sign-in link, confirm it, sign out; plus branding assets.

`/portal/<workspace>/sign-in` answers every well-formed request the same way ("if this address
is known, a link is on its way"), whether or not the address is a contact's. Requests are
rate-limited per address and per client IP (in-process buckets, see `core.ratelimit`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.errors import NotFound
from cxhub.customers.contacts.identifiers import InvalidIdentifier, normalise_email
from cxhub.service.portal import branding, signin, throttle
from cxhub.service.portal.mail import link_language, queue_sign_in_email
from cxhub.service.portal.permissions import (
    PORTAL_COOKIE,
    Customer,
    OptionalCustomer,
    PortalCsrf,
    PortalVisit,
    PortalVisitDep,
    clear_portal_cookie,
    set_nonce_cookie,
    set_portal_cookie,
    sign_in_form_token,
    sign_in_token_valid,
)
from cxhub.service.portal.translations import MESSAGES as MESSAGES
from cxhub.web.flash import add_flash
from cxhub.web.shell import render

log = logging.getLogger(__name__)
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PORTAL_CSS = TEMPLATES_DIR / "portal" / "portal.css"
PORTAL_JS = TEMPLATES_DIR / "portal" / "portal.js"

#: Every well-formed link request takes at least this long, known address or not, so response
#: time does not tell them apart (measured: known +3 ms median, +22 ms p90 without it).
ANSWER_FLOOR_SECONDS = 0.3

CHECK_EMAIL = "If this address belongs to a customer of ours, a sign-in link is on its way."
FORM_EXPIRED = "Your sign-in form expired. Please try again."
TOO_MANY = "Too many requests. Please try again in a few minutes."
LINK_INVALID = "This sign-in link has expired or was already used. Ask for a new one."
SIGNED_OUT = "You are signed out."


def _sign_in_page(
    request: Request,
    visit: PortalVisit,
    *,
    email: str = "",
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    token, nonce = sign_in_form_token(request)
    response = render(
        request,
        "portal/sign_in.html",
        {
            "visit": visit,
            "customer": None,
            "form_token": token,
            "email": email,
            "notice": notice,
            "error": error,
        },
        status_code=status_code,
        headers=headers,
    )
    set_nonce_cookie(request, response, visit.slug, nonce)
    return response


@router.get("/portal/{workspace_slug}", response_model=None)
def portal_home(visit: PortalVisitDep, customer: OptionalCustomer) -> Response:
    target = "/tickets" if customer is not None else "/sign-in"
    return RedirectResponse(visit.path(target), status_code=303)


@router.get("/portal/{workspace_slug}/sign-in", response_model=None)
def sign_in_page(request: Request, visit: PortalVisitDep, customer: OptionalCustomer) -> Response:
    if customer is not None:
        return RedirectResponse(visit.path("/tickets"), status_code=303)
    return _sign_in_page(request, visit)


@router.post("/portal/{workspace_slug}/sign-in", response_class=HTMLResponse)
def request_link(
    request: Request,
    visit: PortalVisitDep,
    session: DbSession,
    email: Annotated[str, Form(max_length=320)] = "",
    form_token: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    if not sign_in_token_valid(request, form_token):
        return _sign_in_page(request, visit, email=email, error=FORM_EXPIRED, status_code=403)
    client = request.client.host if request.client else "unknown"
    try:
        address = normalise_email(email)
    except InvalidIdentifier:
        address = email.strip().lower()
    decision = throttle.link_request(request, slug=visit.slug, client_ip=client, address=address)
    if not decision.allowed:
        return _sign_in_page(
            request,
            visit,
            email=email,
            error=TOO_MANY,
            status_code=429,
            headers={"Retry-After": str(decision.retry_after)},
        )
    started = time.monotonic()
    issued = signin.issue_link(session, email=address)
    if issued is not None:
        settings = get_runtime(request).settings
        url = settings.public_url.rstrip("/") + visit.path(f"/sign-in/{issued.token}")
        language = link_language(issued.contact.locale, request.state.viewer.language)
        queued = queue_sign_in_email(
            session,
            workspace_id=visit.workspace_id,
            to=issued.address,
            portal=visit.name,
            url=url,
            language=language,
        )
        if queued is None:
            log.warning("portal of workspace %s has no mailbox: sign-in link not sent", visit.slug)
        session.flush()
    time.sleep(max(0.0, ANSWER_FLOOR_SECONDS - (time.monotonic() - started)))
    return _sign_in_page(request, visit, notice=CHECK_EMAIL)


@router.get("/portal/{workspace_slug}/sign-in/{token}", response_class=HTMLResponse)
def confirm_page(
    request: Request, token: str, visit: PortalVisitDep, session: DbSession
) -> HTMLResponse:
    """Opening the link only shows a button: mail scanners that fetch links spend nothing."""
    if not signin.link_is_usable(session, token=token):
        return _sign_in_page(request, visit, error=LINK_INVALID, status_code=400)
    return render(
        request, "portal/confirm.html", {"visit": visit, "customer": None, "token": token}
    )


@router.post("/portal/{workspace_slug}/sign-in/{token}", response_model=None)
def use_link(request: Request, token: str, visit: PortalVisitDep, session: DbSession) -> Response:
    signed_in = signin.use_link(session, token=token)
    if signed_in is None:
        return _sign_in_page(request, visit, error=LINK_INVALID, status_code=400)
    previous = request.cookies.get(PORTAL_COOKIE)
    if previous:
        signin.end_session(session, secret=previous)  # a new secret, never the one brought along
    response = RedirectResponse(visit.path("/tickets"), status_code=303)
    set_portal_cookie(request, response, visit.slug, signed_in.session_secret)
    return response


@router.post("/portal/{workspace_slug}/sign-out", response_model=None, dependencies=[PortalCsrf])
def sign_out(
    request: Request, visit: PortalVisitDep, customer: Customer, session: DbSession
) -> Response:
    signin.end_session(session, secret=request.cookies.get(PORTAL_COOKIE, ""))
    response = RedirectResponse(visit.path("/sign-in"), status_code=303)
    clear_portal_cookie(response, visit.slug)
    add_flash(request, response, SIGNED_OUT, "success")
    return response


@router.get("/portal/{workspace_slug}/brand.css", response_model=None)
def brand_css(visit: PortalVisitDep) -> Response:
    css = branding.brand_css(visit.primary_colour) + PORTAL_CSS.read_text(encoding="utf-8")
    return Response(
        css,
        media_type="text/css",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/portal/{workspace_slug}/portal.js", response_model=None)
def portal_js(visit: PortalVisitDep) -> Response:
    return Response(
        PORTAL_JS.read_text(encoding="utf-8"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


@router.get("/portal/{workspace_slug}/logo", response_model=None)
def logo(visit: PortalVisitDep, session: DbSession) -> Response:
    found = branding.require_enabled(session)
    if found.logo is None or found.logo_content_type is None:
        raise NotFound("this portal has no logo")
    headers: dict[str, Any] = {
        "Cache-Control": "no-cache",
        "ETag": f'"{found.logo_sha256}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'",
    }
    return Response(found.logo, media_type=found.logo_content_type, headers=headers)
