"""Sign-in, permissions and CSRF for pages, on top of the API's session machinery.

Pages reuse `cxhub.api.deps` (the same cookie session, the same CSRF token as the API's
`X-CSRF-Token`), but fail like a web page: a signed-out visit is a redirect to the login form
(`SignInRequired`), a refused form is a 403 page (`CsrfRejected`, handled in `web.errors`).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response

from cxhub.api.deps import (
    CSRF_FORM_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    DbSession,
    Principal,
    csrf_token_for,
    optional_principal,
    same_secret,
)
from cxhub.core.errors import PermissionDenied
from cxhub.core.permissions import Permission
from cxhub.web.shell import Viewer, shell_of

LOGIN_PATH = "/login"
LOGIN_NONCE_COOKIE = "cxhub_login_nonce"


class SignInRequired(Exception):
    """Raised by page dependencies for signed-out visitors; answered with 303 to the login."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url

    def redirect_url(self) -> str:
        """Where to send the visitor: the agents' login (the customer portal has its own)."""
        return login_url(self.next_url)


class CsrfRejected(PermissionDenied):
    """A state-changing form arrived without the token of the caller's login session."""

    def __init__(self) -> None:
        super().__init__("missing or wrong CSRF token", reason="csrf")


def login_url(next_url: str | None) -> str:
    target = safe_next_url(next_url, default="")
    return f"{LOGIN_PATH}?next={quote(target, safe='/')}" if target else LOGIN_PATH


def safe_next_url(candidate: str | None, *, default: str) -> str:
    """Only same-site relative paths (`/x?y`) are followed after login: no open redirect.

    Refused: absolute URLs, scheme-relative `//host`, backslash tricks (`/\\host`), control
    characters, and anything that parses with a scheme or host.
    """
    if not candidate or not candidate.startswith("/") or candidate.startswith("//"):
        return default
    if "\\" in candidate or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return default
    if parts.path in (LOGIN_PATH, "/logout"):
        return default
    return candidate


def _requested_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def page_viewer(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal | None, Depends(optional_principal)],
) -> Viewer:
    """The signed-in viewer with their time zone; signed-out visitors go to the login form."""
    if principal is None:
        raise SignInRequired(_requested_path(request))
    viewer = shell_of(request).viewer(request, principal, time_zone=principal.time_zone)
    request.state.viewer = viewer
    return viewer


PageViewer = Annotated[Viewer, Depends(page_viewer)]


def page_permission(permission: Permission) -> Any:
    """A dependency admitting viewers whose role grants `permission` (403 page otherwise)."""

    def check(viewer: PageViewer) -> Viewer:
        if not viewer.can(permission):
            role = viewer.principal.role.value if viewer.principal else "anonymous"
            raise PermissionDenied(
                f"the {role} role may not {permission.value}",
                required_permission=permission.value,
            )
        return viewer

    check.cxhub_permission = permission  # type: ignore[attr-defined]
    return Depends(check)


async def require_csrf(request: Request, viewer: PageViewer) -> None:
    """Verify the form's `csrf_token` (or the `X-CSRF-Token` header sent by our scripts)."""
    principal = viewer.principal
    if principal is None or principal.via != "session":
        return  # bearer tokens are not sent by browsers on their own: no CSRF exposure
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.method not in ("GET", "HEAD"):
        form = await request.form()
        value = form.get(CSRF_FORM_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not sent or not same_secret(sent, principal.csrf_token or ""):
        raise CsrfRejected()


CsrfProtected = Depends(require_csrf)


# --- the login form's own CSRF token (there is no login session yet) -----------------------------


def login_form_token(request: Request) -> tuple[str, str]:
    """(token, nonce): a double-submit token bound to a random nonce kept in a cookie.

    Stops login CSRF (an attacker signing a victim into the attacker's account). The nonce is
    reused while its cookie lives so two open tabs both work.
    """
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE) or secrets.token_urlsafe(24)
    secret = str(request.app.state.settings.secret_key)
    return csrf_token_for(secret, "login:" + nonce), nonce


def set_login_nonce(request: Request, response: Response, nonce: str) -> None:
    if request.cookies.get(LOGIN_NONCE_COOKIE) != nonce:
        response.set_cookie(
            LOGIN_NONCE_COOKIE,
            nonce,
            max_age=3600,
            httponly=True,
            samesite="lax",
            secure=bool(request.app.state.settings.cookie_secure),
            path=LOGIN_PATH,
        )


def login_token_valid(request: Request, sent: str) -> bool:
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE)
    if not nonce or not sent:
        return False
    expected = csrf_token_for(str(request.app.state.settings.secret_key), "login:" + nonce)
    return same_secret(sent, expected)


# --- the session cookie ---------------------------------------------------------------------------


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(settings.session_max_age_seconds),
        httponly=True,
        samesite="lax",
        secure=bool(settings.cookie_secure),
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")
