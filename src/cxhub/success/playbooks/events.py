"""Events the playbooks sub-domain publishes, and the NPS hook it listens to."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class PlaybookFired(DomainEvent):
    """A playbook's condition episode opened for an account and its actions ran."""

    name: ClassVar[str] = "playbook.fired"
    playbook_id: int
    run_id: int
    account_id: int
    trigger_type: str
    status: str


@domain_event
class NpsResponseRecorded(DomainEvent):
    """An NPS answer (0–10) of a contact of an account. cxhub has no survey engine yet: the
    experience domain will publish this when it records a response; until then it comes from
    `POST /api/v1/playbooks/signals/nps` (docs/playbooks.md)."""

    name: ClassVar[str] = "nps.response_recorded"
    account_id: int
    contact_id: int | None
    score: int
    responded_at: datetime


@domain_event
class SurveyEnrolmentRequested(DomainEvent):
    """A playbook asked for a contact to be surveyed (`survey_enrolments` row, status pending);
    the survey engine sends it and marks it processed."""

    name: ClassVar[str] = "survey.enrolment_requested"
    enrolment_id: int
    survey: str
    account_id: int
    contact_id: int | None
    playbook_run_id: int | None
