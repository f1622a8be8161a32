"""Domain events and jobs are released by the commit, never by a rollback (ADR 0003, ADR 0004)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import SYSTEM_SCOPE, make_engine, make_session_factory, unit_of_work
from cxhub.core.events import DomainEvent, EventBus, domain_event, publish, registered_event_types
from cxhub.core.jobs import (
    InProcessJobQueue,
    JobRegistry,
    JobRequest,
    SyncJobQueue,
    attach_job_outbox,
    enqueue,
)
from cxhub.core.tenancy import Workspace
from cxhub.customers.contacts.models import Contact
from tests.factories import Tenant, unique


class SomethingHappened(DomainEvent):
    name: ClassVar[str] = "test.something_happened"
    detail: str


class SomethingSpecific(SomethingHappened):
    name: ClassVar[str] = "test.something_specific"


@pytest.fixture(scope="module")
def engine(database_url: str) -> Iterator[Engine]:
    active = make_engine(database_url)
    yield active
    active.dispose()


@dataclass
class Wiring:
    factory: sessionmaker[Session]
    bus: EventBus
    registry: JobRegistry
    queue: SyncJobQueue


@pytest.fixture
def wiring(engine: Engine) -> Wiring:
    """A session factory of its own, so these handlers never see the app's sessions."""
    factory = make_session_factory(engine)
    bus = EventBus()
    bus.attach(factory)
    registry = JobRegistry()
    queue = SyncJobQueue(registry, factory)
    attach_job_outbox(factory, queue)
    return Wiring(factory, bus, registry, queue)


def _listen(bus: EventBus, event_type: type[DomainEvent] = SomethingHappened) -> list[Any]:
    received: list[Any] = []
    bus.subscribe(event_type, received.append)
    return received


# --- events -----------------------------------------------------------------------------------


def test_events_are_delivered_after_commit_only(wiring: Wiring, tenant: Tenant) -> None:
    received = _listen(wiring.bus)
    with unit_of_work(wiring.factory, tenant.workspace_id) as session:
        publish(session, SomethingHappened(workspace_id=tenant.workspace_id, detail="a"))
        session.flush()
        assert received == []  # not before the commit
    assert [e.detail for e in received] == ["a"]
    assert wiring.bus.delivered == 1


def test_events_are_dropped_on_rollback(wiring: Wiring, tenant: Tenant) -> None:
    received = _listen(wiring.bus)

    def failing_request() -> None:
        with unit_of_work(wiring.factory, tenant.workspace_id) as session:
            publish(session, SomethingHappened(workspace_id=tenant.workspace_id, detail="ghost"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_request()
    # the next transaction of a reused session does not resurrect them
    with unit_of_work(wiring.factory, tenant.workspace_id) as session:
        publish(session, SomethingHappened(workspace_id=tenant.workspace_id, detail="real"))
    assert [e.detail for e in received] == ["real"]


def test_session_closed_without_commit_drops_events(wiring: Wiring, tenant: Tenant) -> None:
    received = _listen(wiring.bus)
    session = wiring.factory(info={"workspace_id": tenant.workspace_id})
    publish(session, SomethingHappened(workspace_id=tenant.workspace_id, detail="never"))
    session.execute(select(Contact.id)).all()
    session.close()
    session.commit()  # a later, empty transaction on the same session
    assert received == []


def _flush_in_savepoint(session: Session, row: Any) -> None:
    with session.begin_nested():
        session.add(row)
        session.flush()


def test_a_rolled_back_savepoint_keeps_the_events_of_the_transaction(
    wiring: Wiring, tenant: Tenant
) -> None:
    """`begin_nested` around an expected IntegrityError must not lose what was published."""
    received = _listen(wiring.bus)
    slug = unique("ws-")
    with unit_of_work(wiring.factory, SYSTEM_SCOPE) as session:
        session.add(Workspace(slug=slug, name="first"))
        session.flush()
        publish(session, SomethingHappened(workspace_id=tenant.workspace_id, detail="kept"))
        with pytest.raises(IntegrityError):
            _flush_in_savepoint(session, Workspace(slug=slug, name="duplicate"))
        with session.begin_nested():
            session.add(Workspace(slug=unique("ws-"), name="fine"))
    assert [e.detail for e in received] == ["kept"]


def test_a_released_savepoint_delivers_nothing_before_the_commit(
    wiring: Wiring, tenant: Tenant
) -> None:
    """SQLAlchemy fires `after_commit` on RELEASE SAVEPOINT too; a later rollback must win."""
    received = _listen(wiring.bus)

    def failing_request() -> None:
        with unit_of_work(wiring.factory, tenant.workspace_id) as session:
            publish(session, SomethingHappened(workspace_id=tenant.workspace_id, detail="early"))
            with session.begin_nested():
                publish(session, SomethingHappened(workspace_id=tenant.workspace_id, detail="in"))
            assert received == []
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_request()
    assert received == []


def test_subscribers_of_a_base_type_receive_subtypes(wiring: Wiring, tenant: Tenant) -> None:
    general = _listen(wiring.bus, SomethingHappened)
    specific = _listen(wiring.bus, SomethingSpecific)
    with unit_of_work(wiring.factory, tenant.workspace_id) as session:
        publish(session, SomethingHappened(workspace_id=tenant.workspace_id, detail="g"))
        publish(session, SomethingSpecific(workspace_id=tenant.workspace_id, detail="s"))
    assert [e.detail for e in general] == ["g", "s"]  # in publication order
    assert [e.detail for e in specific] == ["s"]


def test_a_failing_handler_does_not_break_the_others(
    wiring: Wiring, tenant: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: SomethingHappened) -> None:
        raise ValueError("handler bug")

    before = _listen(wiring.bus)
    wiring.bus.subscribe(SomethingHappened, broken)
    after = _listen(wiring.bus)
    with (
        caplog.at_level(logging.ERROR, logger="cxhub.core.events"),
        unit_of_work(wiring.factory, tenant.workspace_id) as session,
    ):
        session.add(Contact(first_name="Committed"))
        publish(session, SomethingHappened(workspace_id=tenant.workspace_id, detail="x"))
        publish(session, SomethingHappened(workspace_id=tenant.workspace_id, detail="y"))
    assert [e.detail for e in before] == ["x", "y"]
    assert [e.detail for e in after] == ["x", "y"]
    assert "handler bug" in caplog.text
    with tenant.session() as session:  # the commit that raised the events stands
        names = session.scalars(select(Contact.first_name).where(Contact.first_name == "Committed"))
        assert list(names) == ["Committed"]


def test_events_are_frozen_and_registered_by_name() -> None:
    event = SomethingHappened(workspace_id=1, detail="x")
    with pytest.raises(ValueError, match="frozen"):
        event.detail = "changed"  # type: ignore[misc]
    names = registered_event_types()
    assert "contact.merged" in names
    assert "test.something_happened" not in names  # only decorated events are registered


def test_two_event_types_cannot_share_a_name(monkeypatch: pytest.MonkeyPatch) -> None:
    from cxhub.core import events

    # a private copy of the registry: these test events must not reach docs/events.md's check
    monkeypatch.setattr(events, "_EVENT_TYPES", dict(events._EVENT_TYPES))

    @domain_event
    class First(DomainEvent):
        name: ClassVar[str] = "test.unique_name"

    assert domain_event(First) is First  # registering the same class again is harmless

    class Second(DomainEvent):
        name: ClassVar[str] = "test.unique_name"

    with pytest.raises(ValueError, match="duplicate"):
        domain_event(Second)
    assert registered_event_types()["test.unique_name"] is First


# --- jobs -------------------------------------------------------------------------------------


def test_jobs_run_after_commit_in_the_workspace_scope(wiring: Wiring, tenant: Tenant) -> None:
    seen: list[Any] = []

    @wiring.registry.register("test.create_contact")
    def create_contact(session: Session, payload: dict[str, Any]) -> None:
        seen.append(session.info["workspace_id"])
        contact = Contact(first_name=payload["first_name"])  # workspace stamped by the session
        session.add(contact)

    with unit_of_work(wiring.factory, tenant.workspace_id) as session:
        enqueue(
            session,
            "test.create_contact",
            workspace_id=tenant.workspace_id,
            payload={"first_name": "FromJob"},
        )
        assert seen == []
    assert seen == [tenant.workspace_id]
    assert wiring.queue.completed == 1
    with tenant.session() as session:
        made = session.scalars(select(Contact).where(Contact.first_name == "FromJob")).one()
        assert made.workspace_id == tenant.workspace_id


def test_jobs_are_dropped_on_rollback(wiring: Wiring, tenant: Tenant) -> None:
    runs: list[dict[str, Any]] = []
    wiring.registry.register("test.record")(lambda session, payload: runs.append(payload))

    def failing_request() -> None:
        with unit_of_work(wiring.factory, tenant.workspace_id) as session:
            enqueue(session, "test.record", workspace_id=tenant.workspace_id, payload={"n": 1})
            raise RuntimeError("request failed")

    with pytest.raises(RuntimeError, match="request failed"):
        failing_request()
    with unit_of_work(wiring.factory, tenant.workspace_id) as session:
        enqueue(session, "test.record", workspace_id=tenant.workspace_id, payload={"n": 2})
    assert runs == [{"n": 2}]


def test_failing_job_is_retried_up_to_max_attempts(wiring: Wiring, tenant: Tenant) -> None:
    attempts: list[int] = []

    @wiring.registry.register("test.always_fails")
    def always_fails(session: Session, payload: dict[str, Any]) -> None:
        attempts.append(len(attempts) + 1)
        session.add(Contact(first_name="RolledBack"))
        raise RuntimeError("remote service down")

    with unit_of_work(wiring.factory, tenant.workspace_id) as session:
        enqueue(session, "test.always_fails", workspace_id=tenant.workspace_id)
    assert attempts == [1, 2, 3] == list(range(1, wiring.queue.max_attempts + 1))
    assert wiring.queue.failed == 1
    assert wiring.queue.completed == 0
    with tenant.session() as session:  # each failed attempt rolled back its own unit of work
        rows = session.scalars(select(Contact).where(Contact.first_name == "RolledBack"))
        assert list(rows) == []


def test_a_job_that_recovers_completes(wiring: Wiring, tenant: Tenant) -> None:
    attempts: list[int] = []

    @wiring.registry.register("test.flaky")
    def flaky(session: Session, payload: dict[str, Any]) -> None:
        attempts.append(1)
        if len(attempts) < 2:
            raise RuntimeError("transient")

    with unit_of_work(wiring.factory, tenant.workspace_id) as session:
        enqueue(session, "test.flaky", workspace_id=tenant.workspace_id)
    assert len(attempts) == 2
    assert (wiring.queue.completed, wiring.queue.failed) == (1, 0)


def test_unknown_job_fails_without_retry(wiring: Wiring, tenant: Tenant) -> None:
    wiring.queue.submit(JobRequest("test.never_registered", tenant.workspace_id))
    assert (wiring.queue.completed, wiring.queue.failed) == (0, 1)


def test_a_job_name_is_registered_once() -> None:
    registry = JobRegistry()
    registry.register("test.once")(lambda session, payload: None)
    with pytest.raises(ValueError, match="twice"):
        registry.register("test.once")(lambda session, payload: None)
    assert registry.names() == ["test.once"]
    with pytest.raises(LookupError):
        registry.get("test.other")


def test_in_process_queue_runs_jobs_on_a_worker_thread_and_drains(
    engine: Engine, tenant: Tenant
) -> None:
    factory = make_session_factory(engine)
    registry = JobRegistry()
    queue = InProcessJobQueue(registry, factory)
    attach_job_outbox(factory, queue)
    threads: set[str] = set()
    done: list[int] = []
    flaky_attempts: list[int] = []

    @registry.register("test.work")
    def work(session: Session, payload: dict[str, Any]) -> None:
        threads.add(threading.current_thread().name)
        done.append(payload["n"])

    @registry.register("test.flaky_worker")
    def flaky_worker(session: Session, payload: dict[str, Any]) -> None:
        flaky_attempts.append(1)
        if len(flaky_attempts) == 1:
            raise RuntimeError("first attempt fails")

    try:
        with unit_of_work(factory, tenant.workspace_id) as session:
            for n in range(20):
                enqueue(session, "test.work", workspace_id=tenant.workspace_id, payload={"n": n})
            enqueue(session, "test.flaky_worker", workspace_id=tenant.workspace_id)
        queue.drain(timeout=30)
        assert sorted(done) == list(range(20))
        assert done == list(range(20))  # one worker, FIFO
        assert threads == {"cxhub-jobs"}
        assert len(flaky_attempts) == 2  # the retry went back on the queue and was drained too
        assert (queue.completed, queue.failed) == (21, 0)
    finally:
        queue.shutdown()
    assert not queue._thread.is_alive()
