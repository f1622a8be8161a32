"""Errors on pages are pages: a 404 inside the shell, a 403 that says why, a login redirect.

The API's handlers (`cxhub.api.problems`) answer every error as problem+json. `install_page_errors`
wraps them: requests under `/api/` (and `/v1/`, `/healthz`, `/static/`) still get exactly the API's answer,
everything else gets HTML rendered in the viewer's language.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cxhub.api.app import API_PREFIX
from cxhub.api.deps import SESSION_COOKIE, Principal, csrf_token_for
from cxhub.core.errors import AuthenticationRequired, DomainError
from cxhub.people import service as people
from cxhub.web.auth import CsrfRejected, SignInRequired, login_url
from cxhub.web.shell import render, shell_of

log = logging.getLogger(__name__)

Handler = Callable[[Request, Any], Awaitable[Response]]

_TITLES = {
    400: "This request could not be understood",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "This action is not available here",
    409: "This change conflicts with existing data",
    422: "Some values are not valid",
    500: "Something went wrong on our side",
    503: "The database is not available right now",
}
_DETAILS = {
    400: "Check the address or go back and try again.",
    403: "Ask an administrator if you need this access.",
    404: "The page or record does not exist, was deleted, or belongs to another workspace.",
    500: "The error has been logged. Please try again in a moment.",
    503: "Please try again in a moment.",
}


def is_page_request(request: Request) -> bool:
    path = request.url.path
    return not (
        path == API_PREFIX
        or path.startswith(API_PREFIX + "/")
        or path.startswith("/static/")
        or path.startswith("/v1/")  # Segment-compatible tracking calls (docs/tracking.md)
        or path == "/healthz"
    )


def _viewer_principal(request: Request) -> Principal | None:
    """The principal a dependency already resolved, or (for router 404s) one from the cookie."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is not None or getattr(request.state, "viewer", None) is not None:
        return principal
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    runtime = request.app.state.runtime
    session = runtime.session_factory()
    try:
        found = people.resolve_web_session(session, cookie)
        if found is None:
            return None
        user, _ = found
        csrf = csrf_token_for(str(request.app.state.settings.secret_key), cookie)
        principal = Principal(
            user.id, user.workspace_id, user.role, user.name, user.locale, "session", csrf
        )
        request.state.viewer = shell_of(request).viewer(
            request, principal, time_zone=user.time_zone
        )
        return principal
    except Exception:  # an error page must never fail because the database did
        log.warning("could not resolve the viewer of an error page", exc_info=True)
        return None
    finally:
        session.close()


def error_page(request: Request, status: int, *, reason: str | None = None) -> Response:
    # An area with a layout of its own (the customer portal) names its error template and the
    # context that layout needs in `request.state.error_layout`; agents' pages use the shell's.
    layout: tuple[str, dict[str, Any]] | None = getattr(request.state, "error_layout", None)
    if layout is None:
        _viewer_principal(request)
    template, extra = layout or ("error.html", {})
    return render(
        request,
        template,
        {
            **extra,
            "status": status,
            "title": _TITLES.get(status, _TITLES[400]),
            "detail": "This form has expired. Reload the page and try again."
            if reason == "csrf"
            else _DETAILS.get(status, _DETAILS[400]),
        },
        status_code=status,
    )


def install_page_errors(app: FastAPI) -> None:
    api_handlers: dict[Any, Handler] = dict(app.exception_handlers)

    def delegate(kind: type[Exception]) -> Handler:
        handler = api_handlers.get(kind)
        if handler is None:
            raise RuntimeError(f"install the API's problem handlers before the web shell ({kind})")
        return handler

    async def on_sign_in_required(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(exc.redirect_url(), status_code=303)

    async def on_domain_error(request: Request, exc: DomainError) -> Response:
        if not is_page_request(request):
            return await delegate(DomainError)(request, exc)
        if isinstance(exc, AuthenticationRequired):
            return RedirectResponse(login_url(request.url.path), status_code=303)
        reason = "csrf" if isinstance(exc, CsrfRejected) else None
        return error_page(request, exc.status, reason=reason)

    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not is_page_request(request):
            return await delegate(StarletteHTTPException)(request, exc)
        return error_page(request, exc.status_code)

    async def on_validation_error(request: Request, exc: RequestValidationError) -> Response:
        if not is_page_request(request):
            return await delegate(RequestValidationError)(request, exc)
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        return error_page(request, 404 if in_path else 400)

    def database_error(kind: type[Exception], status: int) -> Handler:
        async def on_database_error(request: Request, exc: Exception) -> Response:
            if not is_page_request(request):
                return await delegate(kind)(request, exc)
            log.warning("database error on page %s: %s", request.url.path, exc)
            return error_page(request, status)

        return on_database_error

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        if not is_page_request(request):
            return await delegate(Exception)(request, exc)
        log.exception("unhandled error on page %s %s", request.method, request.url.path)
        return error_page(request, 500)

    app.add_exception_handler(SignInRequired, on_sign_in_required)  # type: ignore[arg-type]
    app.add_exception_handler(DomainError, on_domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, database_error(IntegrityError, 409))
    app.add_exception_handler(OperationalError, database_error(OperationalError, 503))
    app.add_exception_handler(Exception, on_unexpected)
