"""Events the health sub-domain publishes (playbooks react to them)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class HealthBandChanged(DomainEvent):
    name: ClassVar[str] = "health.band_changed"
    account_id: int
    scorecard_id: int
    day: date
    previous_band: str | None
    band: str | None
    previous_score: float | None
    score: float | None
