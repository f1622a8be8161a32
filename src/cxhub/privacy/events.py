"""Events the privacy domain publishes."""

from __future__ import annotations

from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class ContactErased(DomainEvent):
    """A contact was erased (GDPR art. 17). A domain that keeps its own copy of personal data
    outside the tables the erasure covers subscribes to this and removes it; rows that pointed
    at the contact now point at `placeholder_id`."""

    name: ClassVar[str] = "contact.erased"
    contact_id: int
    erasure_id: int
    placeholder_id: int
