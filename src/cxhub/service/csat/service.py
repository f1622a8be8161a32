"""CSAT use cases: ask after a solve (throttled per contact), record the rating.

The request is created by a job that runs after the solve commits (`csat.request`), so a
rolled-back solve never surveys anyone. A contact is asked at most once per throttle window
(default 7 days) across all their tickets; a ticket is asked at most once. The rating lands on
the survey row, on the ticket's requester timeline, and as a `csat.rated` event.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.customers.timeline.models import Channel
from cxhub.customers.timeline.schemas import InteractionCreate
from cxhub.customers.timeline.service import record_interaction
from cxhub.service.csat.events import CsatRated
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.tickets.models import TicketStatus
from cxhub.service.tickets.service import get_ticket

DEFAULT_THROTTLE = timedelta(days=7)
#: How long after the request a customer may still rate (or change the rating).
ANSWER_WINDOW = timedelta(days=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class CsatRequest:
    survey: CsatSurvey
    token: str


def request_csat(
    session: Session,
    *,
    ticket_id: int,
    now: datetime | None = None,
    throttle: timedelta = DEFAULT_THROTTLE,
    channel: str = "email",
) -> CsatRequest | None:
    """Create the survey for a solved ticket; None when not due (already asked, throttled,
    reopened meanwhile, or spam)."""
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id=ticket_id)
    if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED) or ticket.is_spam:
        return None
    if session.scalar(select(CsatSurvey.id).where(CsatSurvey.ticket_id == ticket.id)):
        return None
    recent = session.scalar(
        select(CsatSurvey.id).where(
            CsatSurvey.contact_id == ticket.requester_id,
            CsatSurvey.requested_at > now - throttle,
        )
    )
    if recent is not None:
        return None
    token = secrets.token_urlsafe(24)
    survey = CsatSurvey(
        workspace_id=ticket.workspace_id,
        ticket_id=ticket.id,
        contact_id=ticket.requester_id,
        assignee_id=ticket.assignee_id,
        token_sha256=_hash(token),
        requested_at=now,
        channel=channel,
    )
    try:
        with session.begin_nested():
            session.add(survey)
    except IntegrityError:
        return None  # a concurrent job surveyed this ticket first
    return CsatRequest(survey, token)


def open_survey(session: Session, token: str) -> CsatSurvey:
    """Resolve a link token and scope `session` to its workspace: the token is the customer's
    credential, so an anonymous request may act on this one survey and nothing else."""
    if not token or len(token) > 200:
        raise NotFound("this satisfaction survey link is not valid")
    survey = session.scalar(
        select(CsatSurvey)
        .where(CsatSurvey.token_sha256 == _hash(token))
        .execution_options(skip_workspace_filter=True)
    )
    if survey is None:
        raise NotFound("this satisfaction survey link is not valid")
    session.info["workspace_id"] = survey.workspace_id
    return survey


def record_rating(
    session: Session,
    *,
    survey: CsatSurvey,
    score: int,
    comment: str | None = None,
    now: datetime | None = None,
) -> CsatSurvey:
    now = now or utcnow()
    if not 1 <= score <= 5:
        raise ValidationFailed("score must be between 1 and 5", field="score")
    if now - survey.requested_at > ANSWER_WINDOW:
        raise ValidationFailed("this survey has expired", field="token")
    first_answer = survey.score is None
    survey.score = score
    if comment is not None:
        survey.comment = comment.strip() or None
    survey.rated_at = now
    ticket = get_ticket(session, ticket_id=survey.ticket_id)
    if first_answer or comment:
        record_interaction(
            session,
            workspace_id=survey.workspace_id,
            data=InteractionCreate(
                kind="csat.rated",
                channel=Channel.EMAIL if survey.channel == "email" else Channel.WEB,
                occurred_at=now,
                contact_id=survey.contact_id,
                account_id=ticket.account_id,
                summary=f"CSAT {score}/5" + (f": {survey.comment[:200]}" if survey.comment else ""),
                payload={"ticket_number": ticket.number, "score": score},
                sentiment=(score - 3) / 2,
                source_type="ticket",
                source_id=str(ticket.id),
            ),
        )
    publish(
        session,
        CsatRated(
            workspace_id=survey.workspace_id,
            ticket_id=survey.ticket_id,
            contact_id=survey.contact_id,
            account_id=ticket.account_id,
            score=score,
            has_comment=bool(survey.comment),
        ),
    )
    session.flush()
    return survey


def ticket_csat(session: Session, *, ticket_id: int) -> CsatSurvey | None:
    ticket = get_ticket(session, ticket_id=ticket_id)
    return session.scalar(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket.id))


def rate_ticket(
    session: Session, *, ticket_id: int, score: int, comment: str | None, channel: str
) -> CsatSurvey:
    """Record a rating captured elsewhere (chat widget, phone, portal) for a solved ticket."""
    ticket = get_ticket(session, ticket_id=ticket_id)
    survey = ticket_csat(session, ticket_id=ticket.id)
    if survey is None:
        if ticket.status not in (TicketStatus.SOLVED, TicketStatus.CLOSED):
            raise ValidationFailed("only solved tickets can be rated", field="ticket_id")
        survey = CsatSurvey(
            workspace_id=ticket.workspace_id,
            ticket_id=ticket.id,
            contact_id=ticket.requester_id,
            assignee_id=ticket.assignee_id,
            token_sha256=_hash(secrets.token_urlsafe(24)),
            requested_at=utcnow(),
            channel=channel,
        )
        session.add(survey)
        session.flush()
    return record_rating(session, survey=survey, score=score, comment=comment)


def export_for_contact(session: Session, *, contact_id: int) -> list[CsatSurvey]:
    """The satisfaction surveys sent to a contact, answered or not (data-subject export)."""
    return list(
        session.scalars(
            select(CsatSurvey)
            .where(CsatSurvey.contact_id == contact_id)
            .order_by(CsatSurvey.requested_at, CsatSurvey.id)
        )
    )
