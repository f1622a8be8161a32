"""Recording an answer: the response row, the customer's timeline, the domain events (and the
NPS event the success domain's playbooks read), the comment's text analysis, and the
follow-up loop for unhappy answers.

The follow-up loop itself lives in `followups.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.core.jobs import enqueue
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.customers.accounts.service import get_account
from cxhub.customers.contacts.service import get_contact
from cxhub.customers.timeline.models import Channel
from cxhub.customers.timeline.schemas import InteractionCreate
from cxhub.customers.timeline.service import record_interaction
from cxhub.experience.surveys import standard
from cxhub.experience.surveys.definitions import get_settings
from cxhub.experience.surveys.events import SurveyResponseRecorded
from cxhub.experience.surveys.followups import open_followup
from cxhub.experience.surveys.models import Survey, SurveyInvitation, SurveyResponse
from cxhub.success.playbooks.events import NpsResponseRecorded
from cxhub.success.subscriptions.service import account_subscriptions

ANALYSE_COMMENT = "surveys.analyse_comment"
TIMELINE_CHANNELS = {c.value for c in Channel}
CHANNEL_OF = {"portal": "web", "link": "web", "in_product": "in_app"}
SCALE_SENTIMENT = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


@dataclass(frozen=True)
class Respondent:
    contact_id: int | None
    account_id: int | None


def _plan(session: Session, account_id: int, today: date) -> str | None:
    page = account_subscriptions(session, account_id=account_id, page=PageRequest(limit=50))
    live = [
        s
        for s in page.items
        if s.started_on <= today and (s.ended_on is None or s.ended_on > today)
    ]
    return max(live, key=lambda s: s.mrr_cents).plan if live else None


def _sentiment_of_score(kind: str, score: int) -> float | None:
    if kind not in SCALE_SENTIMENT:
        return None
    low, high = SCALE_SENTIMENT[kind]
    return round(2 * (score - low) / (high - low) - 1, 3)


def record_response(
    session: Session,
    *,
    survey: Survey,
    answers: dict[str, object],
    channel: str,
    respondent: Respondent,
    language: str | None = None,
    invitation: SurveyInvitation | None = None,
    touchpoint: str | None = None,
    journey_stage: str | None = None,
    responded_at: datetime | None = None,
) -> SurveyResponse:
    """Store one answer (validated against the survey's questions) and start what follows."""
    now = utcnow()
    responded_at = responded_at or now
    if responded_at > now + timedelta(minutes=5):
        raise ValidationFailed("responded_at is in the future", field="responded_at")
    if survey.status != "active" and invitation is None:
        raise ValidationFailed("this survey is not active", field="survey_id")
    if invitation is not None:
        if invitation.status != "pending":
            raise ValidationFailed("this survey was already answered", field="token")
        window = timedelta(days=get_settings(session).answer_window_days)
        if now - invitation.sent_at > window:
            raise ValidationFailed("this survey has expired", field="token")
    try:
        clean = standard.check_answers(survey.questions, dict(answers))
    except standard.QuestionError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from None
    head = standard.headline(survey.questions)
    score = clean.get(head["key"]) if head is not None else None
    comments = [
        str(clean[q["key"]]) for q in survey.questions if q["type"] == "text" and q["key"] in clean
    ]
    comment = "\n\n".join(comments) or None
    language = (
        language
        if language in survey.languages
        else (invitation.language if invitation is not None else survey.default_language)
    )
    account_id = respondent.account_id
    segment = plan = None
    if account_id is not None:
        account = get_account(session, account_id=account_id)
        segment = account.tier
        plan = _plan(session, account.id, responded_at.date())
    response = SurveyResponse(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        invitation_id=invitation.id if invitation is not None else None,
        contact_id=respondent.contact_id,
        account_id=account_id,
        kind=survey.kind,
        score=int(score) if isinstance(score, int) else None,
        answers=clean,
        comment=comment,
        language=language or "en",
        channel=channel,
        touchpoint=touchpoint or (invitation.touchpoint if invitation is not None else None),
        journey_stage=journey_stage
        or (invitation.journey_stage if invitation is not None else None),
        segment=segment,
        plan=plan,
        responded_at=responded_at,
    )
    session.add(response)
    if invitation is not None:
        invitation.status = "answered"
        invitation.answered_at = now
    session.flush()
    _on_timeline(session, survey, response)
    _publish(session, response)
    if comment:
        enqueue(
            session,
            ANALYSE_COMMENT,
            workspace_id=survey.workspace_id,
            payload={"response_id": response.id},
        )
    reason = standard.unhappy_reason(response.kind, response.score)
    if reason is not None:
        open_followup(session, response=response, reason=reason, survey_name=survey.name)
    return response


def _on_timeline(session: Session, survey: Survey, response: SurveyResponse) -> None:
    if response.contact_id is None and response.account_id is None:
        return
    channel = CHANNEL_OF.get(response.channel, response.channel)
    score = f" {response.score}" if response.score is not None else ""
    summary = f"{survey.name}: {response.kind.upper()}{score}"
    if response.comment:
        summary += f" — {response.comment[:200]}"
    record_interaction(
        session,
        workspace_id=response.workspace_id,
        data=InteractionCreate(
            kind="survey.responded",
            channel=Channel(channel) if channel in TIMELINE_CHANNELS else Channel.OTHER,
            occurred_at=response.responded_at,
            contact_id=response.contact_id,
            account_id=response.account_id,
            journey_stage=response.journey_stage,
            summary=summary,
            payload={
                "survey_id": survey.id,
                "kind": response.kind,
                "score": response.score,
                "touchpoint": response.touchpoint,
            },
            sentiment=_sentiment_of_score(response.kind, response.score)
            if response.score is not None
            else None,
            source_type="survey_response",
            source_id=str(response.id),
        ),
    )


def _publish(session: Session, response: SurveyResponse) -> None:
    publish(
        session,
        SurveyResponseRecorded(
            workspace_id=response.workspace_id,
            response_id=response.id,
            survey_id=response.survey_id,
            contact_id=response.contact_id,
            account_id=response.account_id,
            kind=response.kind,
            score=response.score,
            channel=response.channel,
            touchpoint=response.touchpoint,
            journey_stage=response.journey_stage,
            has_comment=bool(response.comment),
            responded_at=response.responded_at,
        ),
    )
    if response.kind == "nps" and response.score is not None and response.account_id is not None:
        # The success domain's `nps_detractor` playbooks listen to this (docs/playbooks.md).
        publish(
            session,
            NpsResponseRecorded(
                workspace_id=response.workspace_id,
                account_id=response.account_id,
                contact_id=response.contact_id,
                score=response.score,
                responded_at=response.responded_at,
            ),
        )


def respondent_of_contact(session: Session, contact_id: int | None) -> Respondent:
    if contact_id is None:
        return Respondent(None, None)
    contact = get_contact(session, contact_id=contact_id)
    return Respondent(contact.id, contact.account_id)


def get_response(session: Session, *, response_id: int) -> SurveyResponse:
    row = session.scalar(select(SurveyResponse).where(SurveyResponse.id == response_id))
    if row is None:
        raise NotFound(f"survey response {response_id} not found")
    return row


def analyse_comment(session: Session, *, response_id: int) -> SurveyResponse | None:
    """Run the comment through text analytics (the workspace's mode), keep the sentiment on the
    response, and open a follow-up for a negative comment."""
    from cxhub.experience.text.service import analyse, store_analysis, workspace_mode

    row = session.scalar(select(SurveyResponse).where(SurveyResponse.id == response_id))
    if row is None or not (row.comment or "").strip():
        return None
    [result] = analyse([row.comment or ""], mode=workspace_mode(session))
    store_analysis(
        session,
        workspace_id=row.workspace_id,
        source_type="survey_comment",
        source_id=row.id,
        result=result,
        ticket_id=None,
        contact_id=row.contact_id,
        account_id=row.account_id,
        written_at=row.responded_at,
    )
    row.sentiment = result.sentiment
    row.sentiment_score = result.sentiment_score
    session.flush()
    if result.sentiment == "negative":
        survey = session.scalar(select(Survey).where(Survey.id == row.survey_id))
        open_followup(
            session,
            response=row,
            reason="negative_comment",
            survey_name=survey.name if survey is not None else "survey",
        )
    return row


RESPONSE_SORTS = {"id": SurveyResponse.id, "responded_at": SurveyResponse.responded_at}


def list_responses(
    session: Session,
    *,
    page: PageRequest,
    survey_id: int | None = None,
    contact_id: int | None = None,
    followup_status: str | None = None,
) -> Page[SurveyResponse]:
    """Responses, newest first by default."""
    statement = select(SurveyResponse)
    if survey_id is not None:
        statement = statement.where(SurveyResponse.survey_id == survey_id)
    if contact_id is not None:
        statement = statement.where(SurveyResponse.contact_id == contact_id)
    if followup_status is not None:
        statement = statement.where(SurveyResponse.followup_status == followup_status)
    return paginate(
        session,
        statement,
        request=page,
        sortable=RESPONSE_SORTS,
        id_column=SurveyResponse.id,
        default_sort="-id",
    )


def export_for_contact(session: Session, *, contact_id: int) -> list[SurveyResponse]:
    """The contact's survey answers, oldest first (data-subject export)."""
    return list(
        session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.contact_id == contact_id)
            .order_by(SurveyResponse.responded_at, SurveyResponse.id)
        )
    )
