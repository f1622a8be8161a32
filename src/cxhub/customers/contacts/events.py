"""Events the contacts sub-domain publishes."""

from __future__ import annotations

from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class ContactCreated(DomainEvent):
    name: ClassVar[str] = "contact.created"
    contact_id: int


@domain_event
class ContactsMerged(DomainEvent):
    """A duplicate (loser) was folded into the surviving contact (winner)."""

    name: ClassVar[str] = "contact.merged"
    winner_id: int
    loser_id: int


@domain_event
class ContactDeleted(DomainEvent):
    name: ClassVar[str] = "contact.deleted"
    contact_id: int
