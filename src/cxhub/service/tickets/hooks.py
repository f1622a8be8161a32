"""What runs inside the same transaction after any ticket change: triggers, SLA clocks, and
queuing a public reply as e-mail. One entry point, so every door (API, e-mail, web form, automations, bulk
actions) gets the same reactions and none can forget one.

Cross-domain reactions (success, experience) do not belong here: they subscribe to the domain
events published by the ticket services, after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from cxhub.service.tickets.models import (
    DeliveryStatus,
    Ticket,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)


@dataclass(frozen=True)
class TicketState:
    """The fields rules compare before and after a change."""

    status: TicketStatus
    priority: TicketPriority
    ticket_type: str | None
    assignee_id: int | None
    team_id: int | None
    tags: frozenset[str]
    subject: str
    custom_fields: dict[str, object]
    sla_breached: bool = False


def capture(ticket: Ticket) -> TicketState:
    return TicketState(
        status=ticket.status,
        priority=ticket.priority,
        ticket_type=ticket.ticket_type,
        assignee_id=ticket.assignee_id,
        team_id=ticket.team_id,
        tags=frozenset(ticket.tags),
        subject=ticket.subject,
        custom_fields=dict(ticket.custom_fields),
        sla_breached=ticket.sla_breached,
    )


@dataclass(frozen=True)
class TicketChange:
    """`event`: ticket_created, ticket_updated, customer_replied, agent_replied, system_replied,
    note_added, ticket_withdrawn (merged away or marked spam)."""

    event: str
    before: TicketState | None
    at: datetime
    message: TicketMessage | None = None


def after_ticket_change(session: Session, *, ticket: Ticket, change: TicketChange) -> None:
    """Triggers first (their changes go through the ticket services with triggers switched off,
    so they cannot start another run), then the SLA refresh, which sees the final ticket."""
    from cxhub.service.automations.triggers import run_ticket_triggers
    from cxhub.service.sla.service import refresh_ticket_sla

    session.flush()
    if change.event == "ticket_withdrawn":
        # Merged into another ticket or marked spam: nothing is owed on it any more.
        from cxhub.service.sla.service import cancel_ticket_sla

        cancel_ticket_sla(session, ticket=ticket, at=change.at)
        return
    run_ticket_triggers(session, ticket=ticket, change=change)
    refresh_ticket_sla(session, ticket=ticket, change=change)
    message = change.message
    if (
        change.event in ("agent_replied", "system_replied")
        and message is not None
        and message.delivery_status == DeliveryStatus.QUEUED
    ):
        # the reply goes out by e-mail: composed and queued in this same transaction
        from cxhub.service.mail.outbound import queue_reply

        queue_reply(session, ticket=ticket, message=message)
