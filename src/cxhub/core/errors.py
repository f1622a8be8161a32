"""Errors services raise, mapped by the web layer to RFC 9457 problem details.

Each error class carries a stable `type` slug; clients branch on it, humans read `detail`.
Services raise these; they never build HTTP responses.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "https://cxhub.dev/problems/"


class DomainError(Exception):
    status: int = 400
    type_slug: str = "bad-request"
    title: str = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    status = 404
    type_slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    type_slug = "conflict"
    title = "Conflict"


class ValidationFailed(DomainError):
    status = 422
    type_slug = "validation-error"
    title = "Validation failed"


class PermissionDenied(DomainError):
    status = 403
    type_slug = "forbidden"
    title = "Forbidden"


class AuthenticationRequired(DomainError):
    status = 401
    type_slug = "unauthenticated"
    title = "Authentication required"


class InvalidCursor(DomainError):
    status = 400
    type_slug = "invalid-cursor"
    title = "Invalid pagination cursor"


class InvalidSort(DomainError):
    status = 400
    type_slug = "invalid-sort"
    title = "Invalid sort field"
