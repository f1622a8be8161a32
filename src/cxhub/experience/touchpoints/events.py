"""Events the touchpoints sub-domain publishes (journeys advance customers on them)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class TouchpointRecorded(DomainEvent):
    name: ClassVar[str] = "touchpoint.recorded"
    touchpoint_id: int
    contact_id: int | None
    account_id: int | None
    channel: str
    kind: str
    score: int | None
    occurred_at: datetime


@domain_event
class TouchpointDeleted(DomainEvent):
    """A touchpoint was deleted (journeys recompute the contact's path prefix on it)."""

    name: ClassVar[str] = "touchpoint.deleted"
    touchpoint_id: int
    contact_id: int | None
