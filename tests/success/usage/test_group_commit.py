"""Group commit of tracking requests on SQLite: requests arriving together share a transaction,
each returns only once its rows are committed, and a failed commit fails every request of the
group (none is acknowledged)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.core.runtime import Runtime
from cxhub.success.usage.api import IngestState
from cxhub.success.usage.models import UsageEvent
from cxhub.success.usage.validation import validate_call
from tests.factories import Tenant, unique

ARRIVED = datetime(2026, 6, 1, 12, tzinfo=UTC)


def _rows(prefix: str, n: int) -> list[dict[str, Any]]:
    calls = [
        {"type": "track", "userId": "u", "event": "E", "messageId": f"{prefix}-{i}"}
        for i in range(n)
    ]
    return [validate_call(call, received_at=ARRIVED) for call in calls]


def _stored(tenant: Tenant, prefix: str) -> int:
    with tenant.session() as session:
        found = session.scalar(
            select(func.count()).where(UsageEvent.message_id.like(f"{prefix}-%"))
        )
        return int(found or 0)


def test_concurrent_requests_are_all_committed(runtime: Runtime, tenant: Tenant) -> None:
    state = IngestState(requests_per_minute=10**6)
    commits = 0
    original = runtime.session_factory

    def counting_factory() -> Session:
        nonlocal commits
        commits += 1
        return original()

    prefixes = [unique("g") for _ in range(8)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(prefixes))

    def send(prefix: str) -> None:
        start.wait()
        try:
            state.store_together(counting_factory, tenant.workspace_id, _rows(prefix, 20))
            assert _stored(tenant, prefix) == 20  # committed before returning
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(p,)) for p in prefixes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(_stored(tenant, p) for p in prefixes) == 160
    assert 1 <= commits <= len(prefixes)


def test_a_failed_commit_fails_every_request_of_the_group(runtime: Runtime, tenant: Tenant) -> None:
    state = IngestState(requests_per_minute=10**6)

    class Broken(Exception):
        pass

    def failing_factory() -> Session:
        session = runtime.session_factory()

        def commit() -> None:
            raise Broken("disk full")

        session.commit = commit  # type: ignore[method-assign]
        return session

    prefix = unique("f")
    with pytest.raises(Broken):
        state.store_together(failing_factory, tenant.workspace_id, _rows(prefix, 5))
    assert _stored(tenant, prefix) == 0
