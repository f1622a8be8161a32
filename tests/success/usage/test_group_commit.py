"""Group commit of tracking requests on SQLite: requests arriving together share a transaction,
each returns only once its rows are committed, a failed commit fails every request of the
group (none is acknowledged), and one request's bad rows fail only that request."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.core.runtime import Runtime
from cxhub.success.usage import service
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


def _counting(runtime: Runtime) -> tuple[Callable[[], Session], list[int]]:
    """A session factory that counts the transactions opened (one per group written)."""
    opened = [0]

    def factory() -> Session:
        opened[0] += 1
        return runtime.session_factory()

    return factory, opened


def _queue_behind_the_turn(
    state: IngestState, writes: list[Callable[[], None]]
) -> list[BaseException | None]:
    """Start every write while the turn is held, release it once all wait in the queue, and
    return each write's error (None: it returned, committed)."""
    errors: list[BaseException | None] = [None] * len(writes)

    def run(index: int) -> None:
        try:
            writes[index]()
        except BaseException as exc:
            errors[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(writes))]
    with state.sqlite_turn:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 10
        while len(state._pending) < len(writes):  # every request is queued for the group
            assert time.monotonic() < deadline, "the writers never queued"
            time.sleep(0.005)
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_requests_waiting_together_share_one_commit(runtime: Runtime, tenant: Tenant) -> None:
    state = IngestState(requests_per_minute=10**6)
    factory, opened = _counting(runtime)
    prefixes = [unique("g") for _ in range(6)]
    first = unique("g")
    state.store_together(factory, tenant.workspace_id, _rows(first, 3))  # alone: its own commit
    assert (opened[0], _stored(tenant, first)) == (1, 3)

    def write(prefix: str) -> Callable[[], None]:
        def go() -> None:
            state.store_together(factory, tenant.workspace_id, _rows(prefix, 20))
            assert _stored(tenant, prefix) == 20  # committed before returning

        return go

    errors = _queue_behind_the_turn(state, [write(p) for p in prefixes])
    assert errors == [None] * len(prefixes)
    assert [_stored(tenant, p) for p in prefixes] == [20] * len(prefixes)
    assert opened[0] == 2  # the six waiting requests were written by one transaction


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
    prefixes = [unique("f") for _ in range(4)]
    writes = [
        lambda p=p: state.store_together(failing_factory, tenant.workspace_id, _rows(p, 5))
        for p in prefixes
    ]
    errors = _queue_behind_the_turn(state, writes)
    assert [type(e) for e in errors] == [Broken] * len(prefixes)  # none acknowledged
    assert sum(_stored(tenant, p) for p in prefixes) == 0


def test_one_requests_bad_rows_do_not_fail_the_others_of_its_group(
    runtime: Runtime, tenant: Tenant, other_tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = IngestState(requests_per_minute=10**6)
    factory, opened = _counting(runtime)
    bad = unique("bad")
    append = service.append_events

    def append_events(session: Session, *, workspace_id: int, rows: list[dict[str, Any]]) -> None:
        if any(row["message_id"].startswith(bad) for row in rows):
            raise ValueError("a row the database refuses")
        append(session, workspace_id=workspace_id, rows=rows)

    monkeypatch.setattr(service, "append_events", append_events)
    good = [(tenant, unique("ok")), (other_tenant, unique("ok"))]
    writes = [
        lambda t=t, p=p: state.store_together(factory, t.workspace_id, _rows(p, 4)) for t, p in good
    ]
    writes.insert(1, lambda: state.store_together(factory, tenant.workspace_id, _rows(bad, 4)))
    errors = _queue_behind_the_turn(state, writes)
    assert errors[0] is None
    assert errors[2] is None
    assert isinstance(errors[1], ValueError)
    assert [_stored(t, p) for t, p in good] == [4, 4]
    assert _stored(tenant, bad) == 0
    assert opened[0] == 1 + 3  # the group, then each request alone
