"""Every error leaves as RFC 9457 `application/problem+json` with a stable `type`."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cxhub.core.errors import PROBLEM_BASE, DomainError

log = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"

_HTTP_SLUGS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Validation failed"),
    429: ("rate-limited", "Too many requests"),
}


def problem(
    request: Request, *, status: int, slug: str, title: str, detail: str, **extensions: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update(extensions)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _jsonable_errors(errors: Any) -> list[dict[str, Any]]:
    cleaned = []
    for error in errors:
        cleaned.append(
            {
                "loc": [str(part) for part in error.get("loc", ())],
                "msg": str(error.get("msg", "")),
                "type": str(error.get("type", "")),
            }
        )
    return cleaned


# Errors the database or the driver raise on input the schemas let through, with the problem
# each becomes and the log level it deserves (a 503 is the operator's concern, the rest the
# client's).
_STORAGE_ERRORS: dict[type[Exception], tuple[int, str, str, str, int]] = {
    IntegrityError: (
        409,
        "conflict",
        "Conflict",
        "the change conflicts with existing data (a duplicate or a missing reference)",
        logging.INFO,
    ),
    # Ids beyond 64 bits, datetimes beyond year 1..9999 after a time-zone shift.
    OverflowError: (
        422,
        "value-out-of-range",
        "Value out of range",
        "a number or date in the request is outside the range cxhub can store",
        logging.INFO,
    ),
    DataError: (
        422,
        "invalid-value",
        "Invalid value",
        "a value in the request cannot be stored (out of range, or a NUL character)",
        logging.INFO,
    ),
    OperationalError: (
        503,
        "database-unavailable",
        "Database unavailable",
        "the database could not complete the request; retry shortly",
        logging.ERROR,
    ),
}


def _storage_handler(
    status: int, slug: str, title: str, detail: str, level: int
) -> Callable[[Request, Exception], Awaitable[JSONResponse]]:
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        log.log(
            level, "%s on %s: %s", type(exc).__name__, request.url.path, getattr(exc, "orig", exc)
        )
        return problem(request, status=status, slug=slug, title=title, detail=detail)

    return handle


_RESERVED_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "slug", "request"})


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> JSONResponse:
        response = problem(
            request,
            status=exc.status,
            slug=exc.type_slug,
            title=exc.title,
            detail=exc.detail,
            # An extension can never replace a member RFC 9457 defines.
            **{k: v for k, v in exc.extensions.items() if k not in _RESERVED_MEMBERS},
        )
        retry_after = exc.extensions.get("retry_after")
        if exc.status in (429, 503) and isinstance(retry_after, int):
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _jsonable_errors(exc.errors())
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}" if first["loc"] else first["msg"]
        return problem(
            request,
            status=422,
            slug="validation-error",
            title="Validation failed",
            detail=str(detail),
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug, title = _HTTP_SLUGS.get(exc.status_code, ("http-error", "HTTP error"))
        return problem(
            request, status=exc.status_code, slug=slug, title=title, detail=str(exc.detail)
        )

    for error_type, (status, slug, title, detail, level) in _STORAGE_ERRORS.items():
        app.add_exception_handler(error_type, _storage_handler(status, slug, title, detail, level))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(
            request,
            status=500,
            slug="internal-error",
            title="Internal error",
            detail="an unexpected error occurred; it has been logged",
        )
