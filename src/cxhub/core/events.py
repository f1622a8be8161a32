"""A typed, in-process domain-event bus (ADR 0003).

Services call `publish(session, event)`; nothing is delivered until that session commits, so a
rolled-back request leaves no ghost reaction. Handlers run after the commit, in the committing
thread and outside any transaction; one that needs the database enqueues a job (core.jobs), which
runs in its own unit of work. A failing handler is logged without undoing the commit that raised
the event or stopping the other handlers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

log = logging.getLogger(__name__)

OUTBOX_KEY = "cxhub_pending_events"


class DomainEvent(BaseModel):
    """Base of every domain event. `name` is the stable, documented identifier (docs/events.md)."""

    model_config = ConfigDict(frozen=True)
    name: ClassVar[str] = "domain_event"
    workspace_id: int


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]

_EVENT_TYPES: dict[str, type[DomainEvent]] = {}


def domain_event(cls: type[E]) -> type[E]:
    """Class decorator registering an event type so docs and tests can enumerate them."""
    if cls.name in _EVENT_TYPES and _EVENT_TYPES[cls.name] is not cls:
        raise ValueError(f"duplicate domain event name {cls.name!r}")
    _EVENT_TYPES[cls.name] = cls
    return cls


def registered_event_types() -> dict[str, type[DomainEvent]]:
    return dict(_EVENT_TYPES)


def publish(session: Session, event: DomainEvent) -> None:
    """Queue an event for delivery after `session` commits."""
    session.info.setdefault(OUTBOX_KEY, []).append(event)


class EventBus:
    """Routes committed events to subscribers by event type (subclasses included)."""

    def __init__(self) -> None:
        self._handlers: dict[type[DomainEvent], list[Handler]] = defaultdict(list)
        self.delivered: int = 0

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> None:
        self._handlers[event_type].append(handler)

    def deliver(self, event: DomainEvent) -> None:
        for event_type in type(event).__mro__:
            for handler in self._handlers.get(event_type, []):
                try:
                    handler(event)
                except Exception:
                    log.exception("handler %r failed for event %s", handler, event.name)
        self.delivered += 1

    def attach(self, factory: sessionmaker[Session]) -> None:
        """Deliver events queued on sessions of `factory` after they commit; drop them on rollback."""

        def after_commit(session: Session) -> None:
            if session.in_nested_transaction():
                return  # SQLAlchemy fires after_commit for a RELEASE SAVEPOINT too: not yet
            pending: list[DomainEvent] = session.info.pop(OUTBOX_KEY, [])
            for queued in pending:
                self.deliver(queued)

        sa_event.listen(factory, "after_commit", after_commit)
        sa_event.listen(factory, "after_transaction_end", discard_when_uncommitted(OUTBOX_KEY))


def discard_when_uncommitted(key: str) -> Callable[[Session, SessionTransaction], None]:
    """Discard what is still queued under `key` when the *outermost* transaction ends.

    After a commit the queue has already been released, so what remains belongs to a rollback (or
    a session closed without committing). A savepoint that rolls back (`begin_nested` around an
    expected IntegrityError) ends a nested transaction and must not drop what the enclosing
    transaction queued: SQLAlchemy fires `after_rollback` for savepoints too, so that event cannot
    be used here.
    """

    def after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None:
            session.info.pop(key, None)

    return after_transaction_end
