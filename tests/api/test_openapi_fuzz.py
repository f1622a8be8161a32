"""Fuzz every operation of the published OpenAPI document with schemathesis (docs/reliability.md).

Each operation gets requests generated from its schema — valid ones and invalid ones — sent
in-process to the ASGI app with an admin token of a workspace of its own, seeded with one object
for every path parameter the operation takes (so about half the generated ids hit a real object
and the handlers run past their 404). Every answer must be no 5xx and must conform to the
document: a documented status code, the documented content type and headers, a body matching
the response schema; and a request that violates the schema must be refused with a 4xx.
Generation is derandomised, so a failure reproduces on every run.
"""

from __future__ import annotations

import os
import tempfile
from base64 import b64encode
from pathlib import Path
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from cxhub.api.app import create_app
from cxhub.core.runtime import build_runtime
from cxhub.core.settings import Settings
from tests.api.test_workspace_isolation import BUILDERS
from tests.factories import Tenant, make_tenant

#: Examples per operation; CXHUB_FUZZ_EXAMPLES raises it for a longer local run, and
#: CXHUB_FUZZ_COVERAGE=1 adds schemathesis' coverage phase (boundary and invalid values for
#: every member; several hundred requests per operation).
MAX_EXAMPLES = int(os.environ.get("CXHUB_FUZZ_EXAMPLES", "12"))
COVERAGE_PHASE = os.environ.get("CXHUB_FUZZ_COVERAGE") == "1"

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
#: Requests that violate the schema must get a 4xx — except a Segment batch, which by design
#: stores its valid events and lists the invalid ones in `rejected` (docs/tracking.md). The
#: coverage phase also sends values that Pydantic's lax mode converts on purpose (`0` for
#: `false`, a number of seconds for a date), so there this check is left out.
REJECTS_INVALID = [] if COVERAGE_PHASE else [negative_data_rejection]
#: A file part is bytes whatever schemathesis "mutated" it to (`-2733` is a valid file), so an
#: upload's negative cases are not invalid; its other checks still run.
PARTIAL_ACCEPTANCE = {"POST /v1/batch", "POST /api/v1/attachments"}

FUZZ_CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True},
        "phases": {"coverage": {"enabled": COVERAGE_PHASE}, "stateful": {"enabled": False}},
    }
)


def _published_document() -> dict[str, Any]:
    """The document as the app serves it; the app built here only describes itself (the
    requests go to the suite's `app` fixture, on the test database)."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            environment="test",
            database_url="sqlite://",
            data_dir=Path(data_dir),
            secret_key="fuzz-secret-key-that-is-long-enough-0123456789",
            jobs_backend="sync",
        )
        runtime = build_runtime(settings)
        try:
            return create_app(settings, runtime).openapi()
        finally:
            runtime.close()


schema = schemathesis.openapi.from_dict(_published_document(), config=FUZZ_CONFIG)

_SEEDED: dict[str, tuple[Tenant, dict[str, Any]]] = {}


def _seeded(client: TestClient, app: FastAPI, operation_label: str, names: list[str]) -> Any:
    """A workspace of this operation's own, with one object per path parameter it takes."""
    if operation_label not in _SEEDED:
        tenant = make_tenant(app.state.runtime)
        ids: dict[str, Any] = {
            name: BUILDERS[name][0](client, tenant) for name in names if name in BUILDERS
        }
        if operation_label.split(" ", 1)[1].startswith("/v1/"):
            answer = client.post(
                "/api/v1/tracking/write-keys", json={"name": "fuzz"}, headers=tenant.admin
            )
            ids["write_key"] = answer.json()["write_key"]
        _SEEDED[operation_label] = (tenant, ids)
    return _SEEDED[operation_label]


@schema.parametrize()
def test_every_operation_answers_within_its_schema(
    case: Any, app: FastAPI, client: TestClient
) -> None:
    names = [p.name for p in case.operation.path_parameters]
    tenant, ids = _seeded(client, app, case.operation.label, names)
    for name, value in list((case.path_parameters or {}).items()):
        # Half of the generated ids (even ones) are swapped for the seeded object's id.
        if name in ids and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = ids[name]
    if (
        "workspace_slug" in (case.path_parameters or {})
        and isinstance(case.path_parameters["workspace_slug"], str)
        and len(case.path_parameters["workspace_slug"]) % 2 == 0
    ):
        case.path_parameters["workspace_slug"] = tenant.slug
    headers = tenant.admin
    if case.operation.path.startswith("/v1/"):
        # The Segment-compatible routes take the workspace's write key, not a user token.
        headers = {"Authorization": "Basic " + b64encode(f"{ids['write_key']}:".encode()).decode()}
        if isinstance(case.headers, dict):
            case.headers.pop("authorization", None)
    checks = CHECKS if case.operation.label in PARTIAL_ACCEPTANCE else CHECKS + REJECTS_INVALID
    case.call_and_validate(app=app, headers=headers, checks=checks)
