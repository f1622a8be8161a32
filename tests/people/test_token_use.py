"""A read request records a token's use without writing in its read-only session.

Found by the soak benchmark: every five minutes the first GET of each token refreshed
`last_used_at` inside the request's deferred (read) transaction; on SQLite such a transaction
cannot start writing once another connection has committed, so under load those GETs failed
with 503 "database is locked"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from cxhub.core.db import SQLITE_WRITER_OPTION, utcnow
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.people.models import ApiToken
from tests.factories import Tenant


@pytest.fixture
def statements(runtime: Runtime) -> Iterator[list[tuple[str, bool]]]:
    """(statement, ran in a writing transaction) for everything the app sends meanwhile."""
    seen: list[tuple[str, bool]] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append((statement, conn.get_execution_options().get(SQLITE_WRITER_OPTION, True)))

    event.listen(runtime.engine, "before_cursor_execute", record)
    yield seen
    event.remove(runtime.engine, "before_cursor_execute", record)


def _age_token(tenant: Tenant, hours: float) -> None:
    with tenant.session() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == tenant.user_ids[Role.ADMIN])
            .values(last_used_at=utcnow() - timedelta(hours=hours))
        )


def _last_used(tenant: Tenant) -> Any:
    with tenant.session() as session:
        return session.scalar(
            select(ApiToken.last_used_at).where(ApiToken.user_id == tenant.user_ids[Role.ADMIN])
        )


def test_a_get_refreshes_a_stale_token_outside_its_read_session(
    client: TestClient, tenant: Tenant, statements: list[tuple[str, bool]]
) -> None:
    _age_token(tenant, hours=1)
    statements.clear()
    assert client.get("/api/v1/me", headers=tenant.admin).status_code == 200
    writes = [
        (sql, writer)
        for sql, writer in statements
        if sql.lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]
    assert writes, "the use was recorded"
    assert all(writer for _, writer in writes), writes
    assert utcnow() - _last_used(tenant) < timedelta(minutes=1)


def test_a_fresh_token_costs_a_get_no_write(
    client: TestClient, tenant: Tenant, statements: list[tuple[str, bool]]
) -> None:
    assert client.get("/api/v1/me", headers=tenant.admin).status_code == 200
    statements.clear()
    assert client.get("/api/v1/me", headers=tenant.admin).status_code == 200
    assert not [s for s, _ in statements if s.lstrip().upper().startswith("UPDATE")]


def test_a_write_request_records_the_use_in_its_own_transaction(
    client: TestClient, tenant: Tenant
) -> None:
    _age_token(tenant, hours=2)
    response = client.post("/api/v1/teams", json={"name": "Billing"}, headers=tenant.admin)
    assert response.status_code == 201, response.text
    assert utcnow() - _last_used(tenant) < timedelta(minutes=1)
