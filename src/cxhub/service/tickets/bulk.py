"""Bulk changes from the inbox: one `TicketUpdate` applied to many tickets, each on its own.

Every ticket runs `service.update_ticket` inside its own SAVEPOINT, so one ticket that refuses
the change (an illegal status move, a closed or merged ticket, one from another workspace) is
rolled back alone and reported, while the others keep their change. Events and jobs a failed
ticket queued before it failed are dropped with its savepoint: a rolled-back change must not
reach subscribers (the outboxes are only discarded by the *outermost* transaction otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cxhub.core import events, jobs
from cxhub.core.errors import DomainError
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.schemas import TicketUpdate
from cxhub.service.tickets.service import update_ticket

MAX_BULK_TICKETS = 100
_OUTBOXES = (events.OUTBOX_KEY, jobs.OUTBOX_KEY)


@dataclass(frozen=True)
class BulkFailure:
    """Why one ticket kept its old values: the problem type slug and the service's detail."""

    ticket_id: int
    type: str
    detail: str


@dataclass
class BulkResult:
    updated: list[int] = field(default_factory=list)
    failed: list[BulkFailure] = field(default_factory=list)


@contextmanager
def _isolated_attempt(session: Session) -> Iterator[None]:
    """A savepoint whose failure also forgets the events and jobs queued inside it."""
    marks = {key: len(session.info.get(key, [])) for key in _OUTBOXES}
    try:
        with session.begin_nested():
            yield
    except BaseException:
        for key, mark in marks.items():
            queued = session.info.get(key)
            if queued is not None:
                del queued[mark:]
        raise


def bulk_update_tickets(
    session: Session, *, ticket_ids: list[int], data: TicketUpdate, actor: Actor
) -> BulkResult:
    """Apply `data` to each ticket (duplicates once, in the order given); never aborts early."""
    session.flush()  # pending work lands outside the first savepoint
    result = BulkResult()
    for ticket_id in dict.fromkeys(ticket_ids):
        try:
            with _isolated_attempt(session):
                update_ticket(session, ticket_id=ticket_id, data=data, actor=actor)
        except DomainError as error:
            result.failed.append(BulkFailure(ticket_id, error.type_slug, error.detail))
        else:
            result.updated.append(ticket_id)
    return result
