"""Dependencies every route shares: the unit of work, the caller, permissions and paging.

The transaction edge (ADR 0002): `db_session` opens one session per request and
`TransactionalRoute` commits it after the handler has produced its response and before that
response is sent, so a client never sees success for a change that failed to commit. Routes of
`api.audit_trail.ROUTE_AUDIT` get their audit entry written just before that commit. Events and
jobs queued by services are released by the commit (core.events / core.jobs).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import inspect
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from cxhub.api.audit_trail import (
    ROUTE_AUDIT,
    SERVICE_AUDITED,
    AuditedRoute,
    record_route_audit,
    route_key,
)
from cxhub.core.db import unit_of_work, utcnow
from cxhub.core.errors import AuthenticationRequired, PermissionDenied
from cxhub.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest
from cxhub.core.permissions import Permission, Role, role_allows
from cxhub.core.runtime import Runtime
from cxhub.people import service as people
from cxhub.people.token_cache import ResolvedToken, TokenCache

SESSION_COOKIE = "cxhub_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

log = logging.getLogger(__name__)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _writes(request: Request) -> bool:
    """Does this request write? Unsafe methods do, and so does a read that is audited (a data
    export writes its audit entry): on SQLite such a read must hold the write lock from its
    first statement, since a read transaction cannot take it once another write committed."""
    if request.method not in SAFE_METHODS:
        return True
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return isinstance(path, str) and route_key(request.method, path) in SERVICE_AUDITED


#: `Session.info` key: the request's session only reads (GET); see `_resolve_token`.
READ_ONLY_SESSION = "cxhub_read_only"


async def db_session(request: Request) -> AsyncIterator[Session]:
    """The request's session. An async dependency on purpose: opening a session does no I/O and
    closing one after the commit only returns its connection, so neither is worth a hop to the
    thread pool (each hop costs the event loop more than the work; docs/benchmarks.md)."""
    runtime = get_runtime(request)
    read_only = not _writes(request)
    session = runtime.read_session() if read_only else runtime.session_factory()
    session.info[READ_ONLY_SESSION] = read_only
    request.state.db_session = session
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        request.state.db_session = None
        session.close()


DbSession = Annotated[Session, Depends(db_session)]


async def _audit(
    request: Request, session: Session, audited: AuditedRoute, response: Response
) -> None:
    principal = getattr(request.state, "principal", None)
    if principal is None:
        return
    try:
        body = (
            await request.json()
            if request.headers.get("content-type", "").startswith("application/json")
            else None
        )
    except ValueError:
        body = None
    await run_in_threadpool(
        lambda: record_route_audit(
            session,
            audited=audited,
            principal=principal,
            path_params=dict(request.path_params),
            request_json=body,
            response_body=bytes(getattr(response, "body", b"")),
        )
    )


def _cheap_to_end(session: Session) -> bool:
    """Ending a SQLite transaction is a call into the library: microseconds for a read, and
    for a write in WAL mode with synchronous=NORMAL an append to the log without a disk sync
    (a checkpoint, every thousand pages or so, takes longer). That is cheaper on the event loop
    than a hop to the thread pool, and the hop would keep the database's one write lock held
    while the request waits for a pool thread. PostgreSQL's commit is a network round trip:
    it stays in the pool."""
    return session.get_bind().dialect.name == "sqlite"


def _one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """A sync endpoint as a coroutine that runs it in the thread pool. FastAPI hops to the pool
    once for a sync endpoint and once more to validate its return value; behind this wrapper
    (same signature and globals through `functools.wraps`) the validation runs on the event
    loop and the second hop is saved."""

    @functools.wraps(endpoint)
    async def run_endpoint(*args: Any, **kwargs: Any) -> Any:
        return await run_in_threadpool(endpoint, *args, **kwargs)

    return run_endpoint


def _plain_function(endpoint: Callable[..., Any]) -> bool:
    return inspect.isfunction(endpoint) and not (
        inspect.iscoroutinefunction(endpoint)
        or inspect.isgeneratorfunction(endpoint)
        or inspect.isasyncgenfunction(endpoint)
    )


class TransactionalRoute(APIRoute):
    """Commits the request's session once the handler succeeded; rolls back otherwise."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(
            path, _one_hop(endpoint) if _plain_function(endpoint) else endpoint, **kwargs
        )

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            response = await handler(request)
            session: Session | None = getattr(request.state, "db_session", None)
            if session is not None:
                if response.status_code < 400:
                    audited = ROUTE_AUDIT.get(route_key(request.method, self.path))
                    if audited is not None:
                        await _audit(request, session, audited, response)
                    if _cheap_to_end(session):
                        session.commit()
                    else:
                        await run_in_threadpool(session.commit)
                else:
                    await run_in_threadpool(session.rollback)
            return response

        return run


@dataclass(frozen=True)
class Principal:
    """Who is calling, from which workspace, and how they proved it."""

    user_id: int
    workspace_id: int
    role: Role
    name: str
    locale: str
    via: str  # "token" | "session"
    csrf_token: str | None = None
    time_zone: str = "UTC"

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)


def same_secret(sent: str, expected: str) -> bool:
    """Constant-time comparison of two tokens; any text (non-ASCII included) is simply unequal."""
    return hmac.compare_digest(
        sent.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass")
    )


def csrf_token_for(secret_key: str, session_secret: str) -> str:
    """A CSRF token bound to one login session (HMAC of its secret)."""
    return hmac.new(
        secret_key.encode(), b"csrf:" + session_secret.encode(), hashlib.sha256
    ).hexdigest()


def get_token_cache(request: Request) -> TokenCache:
    cache: TokenCache = request.app.state.token_cache
    return cache


def _touch_token(runtime: Runtime, token: ResolvedToken) -> datetime | None:
    """Refresh a stale `last_used_at` in a short writing transaction of its own, never in the
    request's read-only session (see `people.resolve_api_token`); returns when the use was
    recorded. It is bookkeeping: if the database is busy for longer than its timeout, the
    request goes on and a later one records the use."""
    try:
        with unit_of_work(runtime.session_factory, token.workspace_id) as writer:
            people.touch_api_token(writer, token_id=token.token_id)
    except OperationalError as exc:
        log.info("could not record the use of API token %s: %s", token.token_id, exc.orig)
        return None
    return utcnow()


def _resolve_token(request: Request, session: Session, secret: str) -> ResolvedToken | None:
    """The database lookup behind a cache miss (in the thread pool). A writing request looks
    its caller up in a read-only session of its own, so its write transaction (on SQLite: the
    database's one write lock) begins only at the handler's first statement, not while
    dependencies and thread-pool hops are still running."""
    runtime = get_runtime(request)
    if session.info.get(READ_ONLY_SESSION, False):
        token = people.resolve_api_token(session, secret)
    else:
        with runtime.reading({}) as lookup:
            token = people.resolve_api_token(lookup, secret)
    if token is not None and people.token_needs_touch(token.last_used_at):
        touched_at = _touch_token(runtime, token)
        if touched_at is not None:
            token = replace(token, last_used_at=touched_at)
    return token


async def _token_principal(request: Request, session: Session, authorization: str) -> Principal:
    """The caller behind a bearer token: from the token cache when it is there (no database
    work, no thread-pool hop), else looked up in the pool and cached (ADR 0037)."""
    scheme, _, secret = authorization.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise AuthenticationRequired("use 'Authorization: Bearer <API token>'")
    cache = get_token_cache(request)
    key = people.token_hash(secret)
    token = cache.get(key)
    if token is None:
        generation = cache.generation
        token = await run_in_threadpool(_resolve_token, request, session, secret)
        if token is None:
            raise AuthenticationRequired("the API token is unknown or revoked")
        cache.put(key, token, generation=generation)
    elif people.token_needs_touch(token.last_used_at):
        # Claimed before the hop, so the token's concurrent requests do not all queue for a
        # write; if the touch fails, the entry expires and the next lookup touches again.
        cache.note_use(key, utcnow())
        await run_in_threadpool(_touch_token, get_runtime(request), token)
    return Principal(
        token.user_id,
        token.workspace_id,
        token.role,
        token.name,
        token.locale,
        "token",
        time_zone=token.time_zone,
    )


def _session_principal(request: Request, session: Session, cookie: str) -> Principal | None:
    """The caller behind a web login cookie (not cached: sessions expire and end at logout)."""
    runtime = get_runtime(request)
    if session.info.get(READ_ONLY_SESSION, False):
        found = people.resolve_web_session(session, cookie)
    else:
        with runtime.reading({}) as lookup:
            found = people.resolve_web_session(lookup, cookie)
    if found is None:
        return None
    user, _ = found
    expected = csrf_token_for(runtime.settings.secret_key, cookie)
    return Principal(
        user.id,
        user.workspace_id,
        user.role,
        user.name,
        user.locale,
        "session",
        expected,
        time_zone=user.time_zone,
    )


async def _principal_from_request(request: Request, session: Session) -> Principal | None:
    authorization = request.headers.get("authorization", "")
    principal: Principal | None
    if authorization:
        principal = await _token_principal(request, session, authorization)
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        principal = await run_in_threadpool(_session_principal, request, session, cookie)
    if principal is not None:
        session.info["workspace_id"] = principal.workspace_id
    return principal


async def optional_principal(request: Request, session: DbSession) -> Principal | None:
    """Async on purpose: a cached token or no credentials at all need no thread-pool hop."""
    principal = await _principal_from_request(request, session)
    request.state.principal = principal
    return principal


async def current_principal(request: Request, session: DbSession) -> Principal:
    principal = await optional_principal(request, session)
    if principal is None:
        raise AuthenticationRequired("sign in or send 'Authorization: Bearer <API token>'")
    if principal.via == "session" and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not same_secret(sent, principal.csrf_token or ""):
            raise PermissionDenied(
                "missing or wrong CSRF token; send the page's token in the X-CSRF-Token header",
                reason="csrf",
            )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: Permission) -> Any:
    """A dependency that admits only callers whose role grants `permission`."""

    async def check(principal: CurrentPrincipal) -> Principal:  # pure: no thread-pool hop
        if not principal.can(permission):
            raise PermissionDenied(
                f"the {principal.role.value} role may not {permission.value}",
                required_permission=permission.value,
            )
        return principal

    check.cxhub_permission = permission  # type: ignore[attr-defined]
    return Depends(check)


async def page_request(  # pure: async so FastAPI runs it without a thread-pool hop
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Items per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the previous page.")] = None,
    sort: Annotated[
        str | None, Query(description="Field to sort by; prefix with '-' for descending.")
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor, sort=sort)


PageParams = Annotated[PageRequest, Depends(page_request)]
