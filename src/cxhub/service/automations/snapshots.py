"""Tickets as the engine sees them: `TicketSnapshot`s built from a ticket row plus its
requester and account (read through those domains' services)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cxhub.customers.accounts.models import Account
from cxhub.customers.accounts.service import get_account
from cxhub.customers.contacts.models import Contact, IdentifierKind
from cxhub.customers.contacts.names import full_name
from cxhub.customers.contacts.service import get_contact
from cxhub.service.automations.rules import TicketSnapshot
from cxhub.service.tickets.hooks import TicketState
from cxhub.service.tickets.models import Ticket

_SCALARS = (str, int, float, bool)


def _scalar_fields(custom_fields: dict[str, Any]) -> dict[str, Any]:
    """Rules compare scalars; lists and objects in custom fields are left out of the snapshot."""
    return {k: v for k, v in custom_fields.items() if v is None or isinstance(v, _SCALARS)}


def _email(contact: Contact) -> str | None:
    return next((i.value for i in contact.identifiers if i.kind == IdentifierKind.EMAIL), None)


def snapshot_of(
    session: Session,
    ticket: Ticket,
    *,
    contact: Contact | None = None,
    account: Account | None = None,
    with_requester: bool = True,
    with_email: bool = True,
) -> TicketSnapshot:
    """The ticket now; pass `contact`/`account` when they were loaded in bulk (automations).

    For a caller that knows nothing will look at them: `with_requester=False` leaves the
    requester and account fields empty (`requester_name` "") and reads neither row, and
    `with_email=False` leaves `requester_email` empty and the requester's identifiers unread."""
    if not with_requester:
        return _snapshot(ticket, requester_email=None, requester_name="", requester_locale=None)
    requester = contact or get_contact(session, contact_id=ticket.requester_id)
    if account is None and ticket.account_id is not None:
        account = get_account(session, account_id=ticket.account_id)
    return _snapshot(
        ticket,
        requester_email=_email(requester) if with_email else None,
        requester_name=full_name(requester.first_name, requester.last_name),
        requester_locale=requester.locale,
        account_name=account.name if account is not None else None,
        account_tier=account.tier if account is not None else None,
    )


def _snapshot(ticket: Ticket, **people: str | None) -> TicketSnapshot:
    return TicketSnapshot.model_validate(
        {
            "number": ticket.number,
            "status": ticket.status.value,
            "priority": ticket.priority.value,
            "ticket_type": ticket.ticket_type,
            "channel": ticket.channel.value,
            "subject": ticket.subject,
            "assignee_id": ticket.assignee_id,
            "team_id": ticket.team_id,
            "tags": frozenset(ticket.tags),
            "custom_fields": _scalar_fields(ticket.custom_fields),
            **people,
            "created_at": ticket.created_at,
            "updated_at": ticket.updated_at,
            "status_changed_at": ticket.status_changed_at,
            "solved_at": ticket.solved_at,
            "last_customer_message_at": ticket.last_customer_message_at,
            "last_agent_reply_at": ticket.last_agent_reply_at,
            "sla_breached": ticket.sla_breached,
        }
    )


def snapshot_before(after: TicketSnapshot, state: TicketState) -> TicketSnapshot:
    """The ticket before an update: the captured fields over the current requester data."""
    return after.model_copy(
        update={
            "status": state.status.value,
            "priority": state.priority.value,
            "ticket_type": state.ticket_type,
            "assignee_id": state.assignee_id,
            "team_id": state.team_id,
            "tags": frozenset(state.tags),
            "subject": state.subject,
            "custom_fields": _scalar_fields(dict(state.custom_fields)),
            "sla_breached": state.sla_breached,
        }
    )
