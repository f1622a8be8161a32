"""Events the tickets sub-domain publishes (success and experience react to them)."""

from __future__ import annotations

from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class TicketCreated(DomainEvent):
    name: ClassVar[str] = "ticket.created"
    ticket_id: int
    number: int
    requester_id: int
    account_id: int | None
    channel: str
    priority: str


@domain_event
class TicketStatusChanged(DomainEvent):
    name: ClassVar[str] = "ticket.status_changed"
    ticket_id: int
    previous_status: str
    status: str


@domain_event
class TicketSolved(DomainEvent):
    """The ticket reached `solved` (CSAT requests and journey rules start here)."""

    name: ClassVar[str] = "ticket.solved"
    ticket_id: int
    requester_id: int
    account_id: int | None


@domain_event
class TicketAssigned(DomainEvent):
    name: ClassVar[str] = "ticket.assigned"
    ticket_id: int
    assignee_id: int | None
    team_id: int | None


@domain_event
class TicketMessageAdded(DomainEvent):
    name: ClassVar[str] = "ticket.message_added"
    ticket_id: int
    message_id: int
    author_kind: str
    public: bool
    channel: str


@domain_event
class TicketsMerged(DomainEvent):
    name: ClassVar[str] = "ticket.merged"
    target_id: int
    source_id: int


@domain_event
class TicketMarkedSpam(DomainEvent):
    name: ClassVar[str] = "ticket.marked_spam"
    ticket_id: int
    requester_id: int
