"""Who may use the portal and which tickets they see there.

A contact's portal role (`PortalAccess`, absent = `member`) decides the scope: a member sees
the tickets they requested; an account admin also sees every ticket of their account. Every
ticket the portal shows is fetched through `visible_ticket`, so a ticket outside the scope is
"not found" (404), exactly like a ticket of another workspace, never "forbidden".
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from cxhub.core.errors import NotFound
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.customers.contacts.models import Contact
from cxhub.customers.contacts.service import get_contact
from cxhub.service.portal.models import PortalAccess, PortalRole
from cxhub.service.tickets.models import Ticket


def portal_role(session: Session, *, contact_id: int) -> PortalRole:
    role = session.scalar(select(PortalAccess.role).where(PortalAccess.contact_id == contact_id))
    return role or PortalRole.MEMBER


def set_portal_role(session: Session, *, contact_id: int, role: PortalRole) -> PortalAccess:
    """Set a contact's role (agents, through the API); the contact must exist in the workspace."""
    contact = get_contact(session, contact_id=contact_id, follow_merges=False)
    access = session.scalar(select(PortalAccess).where(PortalAccess.contact_id == contact.id))
    if access is None:
        access = PortalAccess(workspace_id=contact.workspace_id, contact_id=contact.id, role=role)
        session.add(access)
    else:
        access.role = role
    session.flush()
    return access


def portal_access_of(session: Session, *, contact_id: int) -> tuple[Contact, PortalRole]:
    contact = get_contact(session, contact_id=contact_id, follow_merges=False)
    return contact, portal_role(session, contact_id=contact.id)


def sees_account_tickets(contact: Contact, role: PortalRole) -> bool:
    return role == PortalRole.ACCOUNT_ADMIN and contact.account_id is not None


def visible_tickets_query(
    contact: Contact, role: PortalRole, *, whole_account: bool
) -> Select[Ticket]:
    """The live (not merged, not spam) tickets this contact may list."""
    statement = select(Ticket).where(Ticket.merged_into_id.is_(None), Ticket.is_spam.is_(False))
    if whole_account and sees_account_tickets(contact, role):
        return statement.where(
            or_(Ticket.requester_id == contact.id, Ticket.account_id == contact.account_id)
        )
    return statement.where(Ticket.requester_id == contact.id)


def list_visible_tickets(
    session: Session, *, contact: Contact, role: PortalRole, whole_account: bool, limit: int = 200
) -> list[Ticket]:
    statement = visible_tickets_query(contact, role, whole_account=whole_account)
    return list(
        session.scalars(statement.order_by(Ticket.updated_at.desc(), Ticket.id.desc()).limit(limit))
    )


PORTAL_PAGE_SIZE = 25


def page_visible_tickets(
    session: Session,
    *,
    contact: Contact,
    role: PortalRole,
    whole_account: bool,
    cursor: str | None = None,
    limit: int = PORTAL_PAGE_SIZE,
) -> Page[Ticket]:
    """One page of the tickets this contact may list, most recently updated first (keyset on
    `updated_at`, id: ADR 0008); `InvalidCursor` (400) for a cursor that is not ours."""
    return paginate(
        session,
        visible_tickets_query(contact, role, whole_account=whole_account),
        request=PageRequest(limit=limit, cursor=cursor, sort="-updated_at"),
        sortable={"updated_at": Ticket.updated_at},
        id_column=Ticket.id,
        default_sort="-updated_at",
    )


def visible_ticket(session: Session, *, contact: Contact, role: PortalRole, number: int) -> Ticket:
    """The ticket `number` if this contact may see it; `NotFound` otherwise (never 403)."""
    statement = visible_tickets_query(contact, role, whole_account=True).where(
        Ticket.number == number
    )
    ticket = session.scalar(statement)
    if ticket is None:
        raise NotFound(f"ticket {number} not found")
    return ticket
