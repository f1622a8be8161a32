"""What runs inside the same transaction after any ticket change: triggers, SLA clocks, and
queuing a public reply as e-mail. One entry point, so every door (API, e-mail, web form, automations, bulk
actions) gets the same reactions and none can forget one.

Cross-domain reactions (success, experience) do not belong here: they subscribe to the domain
events published by the ticket services, after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from cxhub.service.tickets.models import (
    DeliveryStatus,
    Ticket,
    TicketMessage,
    TicketPriority,
    TicketStatus,
)

if TYPE_CHECKING:
    from cxhub.customers.accounts.models import Account
    from cxhub.customers.contacts.models import Contact

_LOADED = "cxhub.tickets.hooks.loaded"
#: Rows remembered per transaction; a job changing thousands of tickets in one transaction
#: starts over now and then instead of keeping every requester alive.
_MAX_LOADED = 64


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


def _loaded(session: Session) -> dict[tuple[str, int], Any]:
    """Rows read for the reactions in the session's current transaction, held strongly (the
    identity map lets go of unmodified rows as soon as nothing references them, so without
    this each reaction would read the requester again)."""
    transaction = session.get_transaction()
    cached = session.info.get(_LOADED)
    if cached is None or cached[0] is not transaction or len(cached[1]) >= _MAX_LOADED:
        cached = (transaction, {})
        if transaction is not None:
            session.info[_LOADED] = cached
    rows: dict[tuple[str, int], Any] = cached[1]
    return rows


def remember_requester(session: Session, contact: Contact) -> None:
    """`contact` (as `get_contact` returns it: merges followed) is the requester of a ticket
    being written in this transaction; `requester_of` will not read it again."""
    _loaded(session)[("contact", contact.id)] = contact


def requester_of(session: Session, ticket: Ticket) -> Contact:
    """The ticket's requester, read once per transaction for the timeline, the triggers' snapshot
    and the SLA facts (`get_contact`: a merged duplicate resolves to the surviving contact)."""
    from cxhub.customers.contacts.service import get_contact

    rows = _loaded(session)
    key = ("contact", ticket.requester_id)
    contact: Contact | None = rows.get(key)
    if contact is None or contact.merged_into_id is not None:
        contact = get_contact(session, contact_id=ticket.requester_id)
        rows[key] = contact
    return contact


def account_of(session: Session, ticket: Ticket) -> Account | None:
    """The ticket's account (None without one), read once per transaction like `requester_of`."""
    from cxhub.customers.accounts.service import get_account

    if ticket.account_id is None:
        return None
    rows = _loaded(session)
    key = ("account", ticket.account_id)
    account: Account | None = rows.get(key)
    if account is None:
        account = get_account(session, account_id=ticket.account_id)
        rows[key] = account
    return account


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
