"""Events the portal publishes."""

from __future__ import annotations

from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class PortalSignedIn(DomainEvent):
    """A customer opened an e-mailed sign-in link and now has a portal session."""

    name: ClassVar[str] = "portal.signed_in"
    contact_id: int


@domain_event
class PortalTicketSubmitted(DomainEvent):
    """A signed-in customer opened a ticket from the portal's form.

    `search_id` is the article search the form showed while the customer typed (None when no
    suggestions were shown): the knowledge base reads it to tell a deflection (search, no
    ticket) from a search that still ended in a ticket.
    """

    name: ClassVar[str] = "portal.ticket_submitted"
    ticket_id: int
    contact_id: int
    search_id: str | None
