"""The data-subject export document: one JSON object with everything held on a contact."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from cxhub.customers.accounts.schemas import AccountOut
from cxhub.customers.contacts.schemas import ContactOut
from cxhub.customers.timeline.schemas import InteractionOut
from cxhub.service.csat.schemas import CsatOut
from cxhub.service.tickets.subject_access import TicketWithMessages

EXPORT_FORMAT = "cxhub.contact-export/1"


class SubscriptionRef(BaseModel):
    """A subscription of the contact's account: a reference, not the account's revenue detail."""

    id: int
    account_id: int
    plan: str
    status: str
    started_on: date
    ended_on: date | None


class ContactExport(BaseModel):
    format: str = Field(default=EXPORT_FORMAT, description="Name and version of this layout.")
    exported_at: datetime
    workspace_id: int
    contact: ContactOut = Field(description="The contact with all identifiers.")
    account: AccountOut | None = Field(description="The account the contact belongs to, if any.")
    interactions: list[InteractionOut] = Field(description="The whole timeline, oldest first.")
    tickets: list[TicketWithMessages] = Field(
        description="Tickets the contact requested, each with every message (internal notes "
        "included) and attachment metadata."
    )
    csat_surveys: list[CsatOut]
    subscriptions: list[SubscriptionRef] = Field(
        description="References to the account's subscriptions."
    )
