"""Events the CSAT sub-domain publishes."""

from __future__ import annotations

from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class CsatRated(DomainEvent):
    """A customer rated a solved ticket (1–5); experience and success read satisfaction here."""

    name: ClassVar[str] = "csat.rated"
    ticket_id: int
    contact_id: int | None
    account_id: int | None
    score: int
    has_comment: bool
