"""Imports every table so `Base.metadata` is complete (Alembic, merge, schema tests)."""

from __future__ import annotations

from cxhub.core.audit import AuditEntry
from cxhub.core.db import Base
from cxhub.core.tenancy import Workspace
from cxhub.customers.accounts.models import Account, AccountDomain
from cxhub.customers.contacts.models import Contact, ContactIdentifier
from cxhub.customers.timeline.models import Interaction
from cxhub.people.models import ApiToken, Team, TeamMembership, User, WebSession
from cxhub.service.mail.models import InboundEmail, Mailbox, OutboundEmail
from cxhub.service.sla.models import (
    BusinessCalendarRecord,
    SlaEvent,
    SlaPolicy,
    TicketSlaTarget,
)
from cxhub.service.tickets.models import (
    Ticket,
    TicketAttachment,
    TicketCounter,
    TicketFollower,
    TicketMessage,
    TicketTag,
)

__all__ = [
    "Account",
    "AccountDomain",
    "ApiToken",
    "AuditEntry",
    "Base",
    "BusinessCalendarRecord",
    "Contact",
    "ContactIdentifier",
    "InboundEmail",
    "Interaction",
    "Mailbox",
    "OutboundEmail",
    "SlaEvent",
    "SlaPolicy",
    "Team",
    "TeamMembership",
    "Ticket",
    "TicketAttachment",
    "TicketCounter",
    "TicketFollower",
    "TicketMessage",
    "TicketSlaTarget",
    "TicketTag",
    "User",
    "WebSession",
    "Workspace",
]
