"""Events the timeline publishes."""

from __future__ import annotations

from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class InteractionRecorded(DomainEvent):
    name: ClassVar[str] = "interaction.recorded"
    interaction_id: int
    contact_id: int | None
    account_id: int | None
    kind: str
    channel: str
