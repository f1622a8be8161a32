"""The portal's own sign-in state: who the customer is, on which workspace's portal.

A portal session is a cookie of its own (`cxhub_portal`, HttpOnly, SameSite=Lax, Secure behind
TLS, scoped to `/portal/<workspace>`), resolved only against `portal_sessions`: it can never act
as an agent session, and an agent session never counts as a customer here. Every portal route
depends on `portal_visit` (the workspace, whose portal must be on); signed-in routes on
`portal_customer`, and state-changing ones on `portal_csrf` as well. The route-table test in
tests/service/portal fails when a portal route lacks them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response

from cxhub.api.deps import CSRF_FORM_FIELD, CSRF_HEADER, DbSession, csrf_token_for, same_secret
from cxhub.customers.contacts.models import Contact
from cxhub.people.service import get_workspace_by_slug
from cxhub.service.portal import branding, signin
from cxhub.service.portal.models import PortalRole
from cxhub.web.auth import CsrfRejected, SignInRequired
from cxhub.web.shell import shell_of

PORTAL_COOKIE = "cxhub_portal"
NONCE_COOKIE = "cxhub_portal_nonce"
MAX_SLUG_CHARS = 64


def portal_path(slug: str, tail: str = "") -> str:
    return f"/portal/{slug}{tail}"


class PortalSignInRequired(SignInRequired):
    """A signed-out visit to a customer page: answered with 303 to the portal's sign-in."""

    def __init__(self, slug: str) -> None:
        super().__init__(portal_path(slug, "/sign-in"))

    def redirect_url(self) -> str:
        return self.next_url


@dataclass(frozen=True)
class PortalVisit:
    """A visit to one workspace's portal (signed in or not), with its branding.

    Plain values, not rows: error pages render after the request's session is closed.
    """

    workspace_id: int
    slug: str
    default_locale: str
    name: str
    primary_colour: str
    logo_version: str | None  # a prefix of the logo's hash; None without a logo

    def path(self, tail: str = "") -> str:
        return portal_path(self.slug, tail)


@dataclass(frozen=True)
class PortalCustomer:
    visit: PortalVisit
    contact: Contact
    role: PortalRole
    csrf_token: str


def use_language(request: Request, visit: PortalVisit, contact: Contact | None) -> None:
    """The contact's language, else the browser's, else the workspace's default."""
    locale = contact.locale if contact is not None and contact.locale else None
    if locale is None and not request.headers.get("accept-language"):
        locale = visit.default_locale
    request.state.viewer = shell_of(request).viewer(request, None, locale=locale)


def portal_visit(request: Request, workspace_slug: str, session: DbSession) -> PortalVisit:
    """The workspace of `/portal/<slug>`; 404 unless it exists and its portal is on."""
    workspace = get_workspace_by_slug(session, workspace_slug[:MAX_SLUG_CHARS])
    session.info["workspace_id"] = workspace.id
    settings = branding.require_enabled(session)
    visit = PortalVisit(
        workspace_id=workspace.id,
        slug=workspace.slug,
        default_locale=workspace.default_locale,
        name=branding.portal_name(workspace, settings),
        primary_colour=settings.primary_colour,
        logo_version=settings.logo_sha256[:12] if settings.logo_sha256 else None,
    )
    use_language(request, visit, None)
    request.state.error_layout = ("portal/error.html", {"visit": visit, "customer": None})
    return visit


PortalVisitDep = Annotated[PortalVisit, Depends(portal_visit)]
portal_visit.cxhub_portal_visit = True  # type: ignore[attr-defined]


def session_csrf_token(request: Request, secret: str) -> str:
    return csrf_token_for(str(request.app.state.settings.secret_key), "portal:" + secret)


def optional_customer(
    request: Request, visit: PortalVisitDep, session: DbSession
) -> PortalCustomer | None:
    secret = request.cookies.get(PORTAL_COOKIE, "")
    found = signin.resolve_session(session, secret=secret) if secret else None
    if found is None:
        return None
    contact, role = found
    use_language(request, visit, contact)
    return PortalCustomer(visit, contact, role, session_csrf_token(request, secret))


OptionalCustomer = Annotated[PortalCustomer | None, Depends(optional_customer)]


def portal_customer(customer: OptionalCustomer, visit: PortalVisitDep) -> PortalCustomer:
    if customer is None:
        raise PortalSignInRequired(visit.slug)
    return customer


portal_customer.cxhub_portal_guard = True  # type: ignore[attr-defined]
Customer = Annotated[PortalCustomer, Depends(portal_customer)]


async def portal_csrf(request: Request, customer: Customer) -> None:
    """The form's `csrf_token` (or `X-CSRF-Token`) must match the customer's portal session."""
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent:
        form = await request.form()
        value = form.get(CSRF_FORM_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not sent or not same_secret(sent, customer.csrf_token):
        raise CsrfRejected()


portal_csrf.cxhub_portal_csrf = True  # type: ignore[attr-defined]
PortalCsrf = Depends(portal_csrf)


# --- cookies -------------------------------------------------------------------------------------


def set_portal_cookie(request: Request, response: Response, slug: str, secret: str) -> None:
    response.set_cookie(
        PORTAL_COOKIE,
        secret,
        max_age=int(signin.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=bool(request.app.state.settings.cookie_secure),
        path=portal_path(slug),
    )


def clear_portal_cookie(response: Response, slug: str) -> None:
    response.delete_cookie(PORTAL_COOKIE, path=portal_path(slug))


def sign_in_form_token(request: Request) -> tuple[str, str]:
    """(token, nonce) for the sign-in form: a double-submit token bound to a nonce cookie."""
    nonce = request.cookies.get(NONCE_COOKIE) or secrets.token_urlsafe(24)
    secret = str(request.app.state.settings.secret_key)
    return csrf_token_for(secret, "portal-sign-in:" + nonce), nonce


def set_nonce_cookie(request: Request, response: Response, slug: str, nonce: str) -> None:
    if request.cookies.get(NONCE_COOKIE) != nonce:
        response.set_cookie(
            NONCE_COOKIE,
            nonce,
            max_age=3600,
            httponly=True,
            samesite="lax",
            secure=bool(request.app.state.settings.cookie_secure),
            path=portal_path(slug),
        )


def sign_in_token_valid(request: Request, sent: str) -> bool:
    nonce = request.cookies.get(NONCE_COOKIE)
    if not nonce or not sent:
        return False
    expected = csrf_token_for(str(request.app.state.settings.secret_key), "portal-sign-in:" + nonce)
    return same_secret(sent, expected)
