"""Events the surveys sub-domain publishes (docs/events.md)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class SurveyResponseRecorded(DomainEvent):
    """A contact (or an anonymous visitor) answered a survey. Journeys read the touchpoint,
    dashboards the score; `kind` is nps, csat, ces or custom and `score` the headline answer
    on that kind's scale (None when a custom survey has no rating)."""

    name: ClassVar[str] = "experience.survey_response_recorded"
    response_id: int
    survey_id: int
    contact_id: int | None
    account_id: int | None
    kind: str
    score: int | None
    channel: str
    touchpoint: str | None
    journey_stage: str | None
    has_comment: bool
    responded_at: datetime


@domain_event
class SurveyFollowUpOpened(DomainEvent):
    """An unhappy response opened its follow-up (a CSM task, or a ticket without an account)."""

    name: ClassVar[str] = "experience.survey_followup_opened"
    response_id: int
    reason: str
    owner_id: int | None
    task_id: int | None
    ticket_id: int | None
