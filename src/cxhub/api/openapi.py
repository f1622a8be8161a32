"""The published OpenAPI document says what the API really answers.

FastAPI documents a `422` with its own `HTTPValidationError` body and nothing else, but every
cxhub error leaves as `application/problem+json` (`api/problems.py`). This module rewrites the
generated document once, so clients (and the schemathesis fuzz test, docs/reliability.md) can
rely on it: every operation lists the problem answers any route can give, with the problem
schema, instead of a validation body that is never sent.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from cxhub.api.problems import PROBLEM_MEDIA_TYPE

#: Problem answers every operation may give: a malformed request (400), no or a bad credential
#: (401), a role without the permission (403), an object outside the workspace (404), a
#: conflicting change (409), a body too large or of the wrong type (413/415), invalid input
#: (422), a rate limit (429) and a database that cannot answer right now (503).
PROBLEM_STATUSES: dict[str, str] = {
    "400": "Bad request (problem `type` names the reason, e.g. `invalid-cursor`)",
    "401": "Authentication required",
    "403": "The caller's role lacks the permission",
    "404": "Not found (also for objects of another workspace)",
    "409": "Conflict with existing data",
    "413": "Request body too large",
    "415": "Unsupported media type",
    "422": "Validation failed (`errors` lists each invalid member)",
    "429": "Rate limited (see `Retry-After`)",
    "503": "Database unavailable; retry shortly",
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; extra members depend on the problem `type`.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"type": "string"}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def describe_problems(document: dict[str, Any]) -> dict[str, Any]:
    """Replace FastAPI's validation-error answers by the problem answers cxhub really gives."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in PROBLEM_STATUSES.items():
                responses[status] = _problem_response(description)
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve the rewritten document (built once, on first request, like FastAPI's own)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = describe_problems(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
