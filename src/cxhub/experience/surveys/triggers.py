"""Surveys sent by themselves: after a ticket is solved, when a timeline touchpoint of a given
kind is recorded (e.g. `onboarding.completed`), N days before a subscription renews, and when a
success playbook enrols a contact. Each runs in a job after the commit that caused it, and every
send goes through `distribution.invite_contact` (sampling and the workspace throttle)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.pagination import PageRequest
from cxhub.customers.contacts import search as contact_search
from cxhub.experience.surveys.definitions import active_surveys_with_trigger, list_surveys
from cxhub.experience.surveys.distribution import Invitation, invite_contact
from cxhub.experience.surveys.models import Survey, SurveyInvitation
from cxhub.service.tickets.service import get_ticket
from cxhub.success.playbooks import service as playbooks
from cxhub.success.subscriptions.service import renewing_between

MAX_ACCOUNT_CONTACTS = 50


def _invite(
    session: Session, survey: Survey, contact_id: int, *, public_url: str, **kwargs: object
) -> Invitation | None:
    """Invite, treating a missing mailbox or a vanished contact as 'not sent' (a job must not
    fail forever on configuration the admin has not finished)."""
    channel = str((survey.trigger or {}).get("channel", "email"))
    try:
        return invite_contact(
            session,
            survey=survey,
            contact_id=contact_id,
            channel=channel,
            public_url=public_url,
            **kwargs,  # type: ignore[arg-type]
        )
    except (ValidationFailed, NotFound):
        return None


def on_ticket_solved(session: Session, *, ticket_id: int, public_url: str) -> int:
    """Ask the requester of a solved ticket (touchpoint `ticket_solved`); answers how many
    surveys went out."""
    surveys = active_surveys_with_trigger(session, "ticket_solved")
    if not surveys:
        return 0
    ticket = get_ticket(session, ticket_id=ticket_id)
    if ticket.requester_id is None or ticket.is_spam:
        return 0
    sent = 0
    for survey in surveys:
        result = _invite(
            session,
            survey,
            ticket.requester_id,
            public_url=public_url,
            touchpoint="ticket_solved",
            source=("ticket", str(ticket.id)),
            salt=f"ticket:{ticket.id}",
        )
        sent += bool(result and result.status == "invited")
    return sent


def interaction_trigger_kinds(session: Session) -> set[str]:
    return {
        str(s.trigger.get("interaction_kind"))
        for s in active_surveys_with_trigger(session, "interaction")
    }


def on_interaction(
    session: Session, *, interaction_id: int, contact_id: int, kind: str, public_url: str
) -> int:
    """Ask the contact of a touchpoint whose kind a survey is triggered by (touchpoint = kind)."""
    sent = 0
    for survey in active_surveys_with_trigger(session, "interaction"):
        if survey.trigger.get("interaction_kind") != kind:
            continue
        result = _invite(
            session,
            survey,
            contact_id,
            public_url=public_url,
            touchpoint=kind,
            source=("interaction", str(interaction_id)),
            salt=f"interaction:{interaction_id}",
        )
        sent += bool(result and result.status == "invited")
    return sent


def _account_contacts(session: Session, account_id: int) -> list[int]:
    page = contact_search.list_contacts(
        session, page=PageRequest(limit=MAX_ACCOUNT_CONTACTS), account_id=account_id
    )
    return [c.id for c in page.items]


def renewals_due(session: Session, *, now: datetime | None = None, public_url: str) -> int:
    """Ask the contacts of accounts whose subscription renews within each renewal survey's
    `days_before` (touchpoint `renewal`). Idempotent: a (subscription, renewal date) already
    sent to a contact is not sent again, so a missed or repeated daily run is harmless."""
    now = now or utcnow()
    today = now.date()
    sent = 0
    for survey in active_surveys_with_trigger(session, "renewal"):
        days = int(survey.trigger.get("days_before") or 90)
        for subscription in renewing_between(
            session, start=today, end=today + timedelta(days=days)
        ):
            source_id = f"{subscription.id}:{subscription.renewal_on}"
            done = set(
                session.scalars(
                    select(SurveyInvitation.contact_id).where(
                        SurveyInvitation.survey_id == survey.id,
                        SurveyInvitation.source_type == "renewal",
                        SurveyInvitation.source_id == source_id,
                    )
                )
            )
            for contact_id in _account_contacts(session, subscription.account_id):
                if contact_id in done:
                    continue
                result = _invite(
                    session,
                    survey,
                    contact_id,
                    public_url=public_url,
                    touchpoint="renewal",
                    journey_stage="renewal",
                    source=("renewal", source_id),
                    salt=f"renewal:{source_id}",
                    now=now,
                )
                sent += bool(result and result.status == "invited")
    return sent


def survey_key(name: str) -> str:
    """The slug a playbook uses for a survey name: "Detractor follow-up" → detractor-follow-up."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def survey_for_key(session: Session, key: str) -> Survey | None:
    """A playbook names a survey (`enrol_in_survey`'s `survey`, a slug) by id, by the slug of
    its name, or by kind (the newest active survey of that kind)."""
    active = list_surveys(session, status="active")
    for survey in active:
        if key in (str(survey.id), survey_key(survey.name)):
            return survey
    return next((s for s in active if s.kind == key), None)


def process_enrolments(session: Session, *, public_url: str) -> dict[str, int]:
    """Send the surveys success playbooks asked for and mark each enrolment with the outcome
    (`sent`, `throttled`, `not_sampled` or `unreachable`). An enrolment naming no active survey
    stays pending: the survey may be created later, or another tool may read the list."""
    outcome: dict[str, int] = {}
    for enrolment in playbooks.pending_enrolments(session):
        survey = survey_for_key(session, enrolment.survey)
        if survey is None:
            outcome["pending"] = outcome.get("pending", 0) + 1
            continue
        status = "unreachable"
        if enrolment.contact_id is not None:
            result = _invite(
                session,
                survey,
                enrolment.contact_id,
                public_url=public_url,
                touchpoint="playbook",
                source=("survey_enrolment", str(enrolment.id)),
                salt=f"enrolment:{enrolment.id}",
            )
            status = "unreachable" if result is None else result.status
            status = "sent" if status == "invited" else status
        playbooks.mark_enrolment_processed(session, enrolment_id=enrolment.id, status=status)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome
