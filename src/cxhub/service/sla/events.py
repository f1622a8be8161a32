"""Events the SLA sub-domain publishes (success and experience react to breaches)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class SlaBreached(DomainEvent):
    name: ClassVar[str] = "sla.breached"
    ticket_id: int
    account_id: int | None
    metric: str
    due_at: datetime
