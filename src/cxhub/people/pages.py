"""Login and logout pages: the web session behind every other page.

A wrong email and a wrong password get the same answer (no user enumeration); the session id
is new at every login (no fixation); `next` is followed only for same-site paths.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxhub.api.deps import (
    SESSION_COOKIE,
    DbSession,
    Principal,
    TransactionalRoute,
    get_runtime,
    optional_principal,
)
from cxhub.people import login_throttle, service
from cxhub.people.login_guard import LoginGuard
from cxhub.web.auth import (
    CsrfProtected,
    clear_session_cookie,
    login_form_token,
    login_token_valid,
    safe_next_url,
    set_login_nonce,
    set_session_cookie,
)
from cxhub.web.flash import add_flash
from cxhub.web.shell import render, shell_of

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

WRONG_CREDENTIALS = "The email or password is not correct."
FORM_EXPIRED = "Your sign-in form expired. Please try again."
SIGNED_OUT = "You are signed out."
# The same words whether or not the email belongs to anyone: a lockout reveals nothing.
TOO_MANY_ATTEMPTS = "Too many failed sign-in attempts. Please wait a while and try again."


def login_guard(request: Request) -> LoginGuard:
    guard = getattr(request.app.state, "login_guard", None)
    if not isinstance(guard, LoginGuard):
        runtime = get_runtime(request)
        guard = request.app.state.login_guard = LoginGuard(
            runtime.settings, runtime.session_factory, rate_limits=runtime.rate_limiter
        )
    return guard


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_form(
    request: Request,
    *,
    next_url: str,
    email: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    token, nonce = login_form_token(request)
    response = render(
        request,
        "login.html",
        {"login_token": token, "next_url": next_url, "email": email, "error": error},
        status_code=status_code,
    )
    set_login_nonce(request, response, nonce)
    return response


@router.get("/login", response_model=None)
def login_page(
    request: Request,
    principal: Annotated[Principal | None, Depends(optional_principal)],
    next: str | None = None,
) -> Response:
    home = shell_of(request).home_path
    target = safe_next_url(next, default=home)
    if principal is not None:
        return RedirectResponse(target, status_code=303)
    return _login_form(request, next_url=target if target != home else "")


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    target = safe_next_url(next, default=shell_of(request).home_path)
    if not login_token_valid(request, csrf_token):
        return _login_form(
            request,
            next_url=safe_next_url(next, default=""),
            email=email,
            error=FORM_EXPIRED,
            status_code=403,
        )
    guard = login_guard(request)
    client_ip = _client_ip(request)
    wait = guard.retry_after(session, email=email, client_ip=client_ip)
    if wait:
        refused = _login_form(
            request,
            next_url=safe_next_url(next, default=""),
            email=email,
            error=TOO_MANY_ATTEMPTS,
            status_code=429,
        )
        refused.headers["Retry-After"] = str(wait)
        return refused
    user = service.authenticate_password(session, email=email, password=password)
    if user is None:
        guard.failed(session, email=email, client_ip=client_ip)
        return _login_form(
            request,
            next_url=safe_next_url(next, default=""),
            email=email,
            error=WRONG_CREDENTIALS,
            status_code=400,
        )
    login_throttle.reset_failures(session, email=email)
    previous = request.cookies.get(SESSION_COOKIE)
    if previous:
        service.end_web_session(session, previous)
    session.info["workspace_id"] = user.workspace_id
    max_age = int(request.app.state.settings.session_max_age_seconds)
    _, secret = service.start_web_session(session, user=user, max_age_seconds=max_age)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, secret)
    return response


@router.post("/logout", dependencies=[CsrfProtected], response_model=None)
def logout(request: Request, session: DbSession) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        service.end_web_session(session, cookie)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response)
    add_flash(request, response, SIGNED_OUT, "success")
    return response
