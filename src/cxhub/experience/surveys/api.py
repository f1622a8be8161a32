"""Survey routes: definitions, settings, sending, responses, the follow-up loop and metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, status

from cxhub.analytics.survey_kpis import GROUP_BY, survey_kpis
from cxhub.api.deps import (
    DbSession,
    PageParams,
    Principal,
    TransactionalRoute,
    get_runtime,
    require,
)
from cxhub.api.schemas import PageOut
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.permissions import Permission
from cxhub.experience.surveys import definitions, distribution, followups, responses
from cxhub.experience.surveys.schemas import (
    InvitationLink,
    RecordIn,
    ResponseOut,
    SendIn,
    SendOut,
    SettingsOut,
    SettingsWrite,
    SurveyOut,
    SurveyWrite,
)
from cxhub.experience.surveys.tasks import TRIGGER_KINDS

router = APIRouter(route_class=TransactionalRoute, tags=["surveys"])

MAX_PERIOD = timedelta(days=3 * 366)


def _period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    until = (until or datetime.now(UTC)).astimezone(UTC)
    since = (since or until - timedelta(days=90)).astimezone(UTC)
    if since >= until:
        raise ValidationFailed("since must be before until", field="since")
    if until - since > MAX_PERIOD:
        raise ValidationFailed("the period is at most three years", field="since")
    return since, until


@router.get("/surveys", response_model=list[SurveyOut])
def list_surveys(
    session: DbSession,
    _: Principal = require(Permission.INTERACTIONS_READ),
    status: Literal["draft", "active", "archived"] | None = None,
) -> list[SurveyOut]:
    """Surveys, newest first (at most 500)."""
    return [SurveyOut.of(s) for s in definitions.list_surveys(session, status=status)]


@router.post("/surveys", response_model=SurveyOut, status_code=status.HTTP_201_CREATED)
def create_survey(
    data: SurveyWrite,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> SurveyOut:
    """Create a survey; NPS, CSAT and CES surveys get the standard question (with its shipped
    en/it/zh/id wording) and a comment question when `questions` is empty."""
    survey = definitions.create_survey(
        session, workspace_id=principal.workspace_id, data=data, created_by_id=principal.user_id
    )
    TRIGGER_KINDS.forget(principal.workspace_id)
    return SurveyOut.of(survey)


@router.get("/surveys/{survey_id}", response_model=SurveyOut)
def get_survey(
    survey_id: int, session: DbSession, _: Principal = require(Permission.INTERACTIONS_READ)
) -> SurveyOut:
    return SurveyOut.of(definitions.get_survey(session, survey_id=survey_id))


@router.put("/surveys/{survey_id}", response_model=SurveyOut)
def update_survey(
    survey_id: int,
    data: SurveyWrite,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> SurveyOut:
    survey = definitions.update_survey(session, survey_id=survey_id, data=data)
    TRIGGER_KINDS.forget(principal.workspace_id)
    return SurveyOut.of(survey)


@router.delete("/surveys/{survey_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_survey(
    survey_id: int, session: DbSession, principal: Principal = require(Permission.SERVICE_CONFIGURE)
) -> None:
    """Delete a survey with its invitations and responses (archive it to keep the results)."""
    definitions.delete_survey(session, survey_id=survey_id)
    TRIGGER_KINDS.forget(principal.workspace_id)


@router.post("/surveys/{survey_id}/send", response_model=SendOut)
def send_survey(
    survey_id: int,
    data: SendIn,
    request: Request,
    session: DbSession,
    _: Principal = require(Permission.INTERACTIONS_WRITE),
) -> SendOut:
    """Ask contacts (listed and/or a segment) now; sampling and the workspace throttle apply."""
    survey = definitions.get_survey(session, survey_id=survey_id)
    report = distribution.send_survey(
        session,
        survey=survey,
        contact_ids=data.contact_ids,
        segment=data.segment,
        channel=data.channel,
        public_url=get_runtime(request).settings.public_url,
        touchpoint=data.touchpoint,
        journey_stage=data.journey_stage,
    )
    return SendOut(
        invited=report.invited,
        throttled=report.throttled,
        not_sampled=report.not_sampled,
        unreachable=report.unreachable,
        links=[InvitationLink(contact_id=c, url=u) for c, u in report.links or []],
    )


@router.get("/surveys/{survey_id}/responses", response_model=PageOut[ResponseOut])
def list_survey_responses(
    survey_id: int,
    session: DbSession,
    page: PageParams,
    _: Principal = require(Permission.INTERACTIONS_READ),
    followup_status: Literal["none", "open", "closed"] | None = None,
) -> PageOut[ResponseOut]:
    """A survey's responses, newest first (`sort=responded_at` or `-responded_at` too)."""
    definitions.get_survey(session, survey_id=survey_id)
    result = responses.list_responses(
        session, page=page, survey_id=survey_id, followup_status=followup_status
    )
    return PageOut(items=[ResponseOut.of(r) for r in result.items], next_cursor=result.next_cursor)


@router.post(
    "/surveys/{survey_id}/responses",
    response_model=ResponseOut,
    status_code=status.HTTP_201_CREATED,
)
def record_survey_response(
    survey_id: int,
    data: RecordIn,
    session: DbSession,
    _: Principal = require(Permission.INTERACTIONS_WRITE),
) -> ResponseOut:
    """Record an answer captured elsewhere (a call, another tool) for a contact or anonymously."""
    survey = definitions.get_survey(session, survey_id=survey_id)
    try:
        respondent = responses.respondent_of_contact(session, data.contact_id)
    except NotFound as exc:  # another workspace's contact is a bad body here, not a 404
        raise ValidationFailed(
            f"contact {data.contact_id} is not a contact of this workspace", field="contact_id"
        ) from exc
    row = responses.record_response(
        session,
        survey=survey,
        answers=data.answers,
        channel=data.channel,
        respondent=respondent,
        language=data.language,
        touchpoint=data.touchpoint,
        journey_stage=data.journey_stage,
        responded_at=data.responded_at.astimezone(UTC) if data.responded_at else None,
    )
    return ResponseOut.of(row)


@router.get("/survey-responses/{response_id}", response_model=ResponseOut)
def get_response(
    response_id: int, session: DbSession, _: Principal = require(Permission.INTERACTIONS_READ)
) -> ResponseOut:
    return ResponseOut.of(responses.get_response(session, response_id=response_id))


@router.post("/survey-responses/{response_id}/close-loop", response_model=ResponseOut)
def close_loop(
    response_id: int, session: DbSession, _: Principal = require(Permission.INTERACTIONS_WRITE)
) -> ResponseOut:
    """Mark the response's follow-up closed (also automatic when its task is completed or
    cancelled, or its ticket solved); 422 when it has no open follow-up."""
    return ResponseOut.of(followups.close_followup(session, response_id=response_id))


@router.get("/survey-settings", response_model=SettingsOut)
def get_settings(
    session: DbSession, _: Principal = require(Permission.INTERACTIONS_READ)
) -> SettingsOut:
    row = definitions.get_settings(session)
    return SettingsOut(
        throttle_days=row.throttle_days,
        answer_window_days=row.answer_window_days,
        followup_owner_id=row.followup_owner_id,
    )


@router.put("/survey-settings", response_model=SettingsOut)
def save_settings(
    data: SettingsWrite,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> SettingsOut:
    """The workspace throttle (a contact is asked at most once per `throttle_days` across all
    surveys), how long links stay answerable, and who owns follow-ups without an account owner."""
    row = definitions.save_settings(session, workspace_id=principal.workspace_id, data=data)
    return SettingsOut(
        throttle_days=row.throttle_days,
        answer_window_days=row.answer_window_days,
        followup_owner_id=row.followup_owner_id,
    )


@router.get("/metrics/surveys")
def survey_metrics(
    session: DbSession,
    principal: Principal = require(Permission.INTERACTIONS_READ),
    since: datetime | None = None,
    until: datetime | None = None,
    group_by: Annotated[str | None, Query(description=f"One of {', '.join(GROUP_BY)}.")] = None,
    survey_id: int | None = None,
    kind: Literal["nps", "csat", "ces", "custom"] | None = None,
    account_id: int | None = None,
) -> dict[str, Any]:
    """NPS, CSAT and CES with counts, distributions, response rate and follow-up counts over
    `[since, until)` (default: the last 90 days), optionally grouped (docs/surveys.md)."""
    if group_by is not None and group_by not in GROUP_BY:
        raise ValidationFailed(f"group_by must be one of {', '.join(GROUP_BY)}", field="group_by")
    if survey_id is not None:
        definitions.get_survey(session, survey_id=survey_id)
    start, end = _period(since, until)
    return survey_kpis(
        session,
        workspace_id=principal.workspace_id,
        since=start,
        until=end,
        group_by=group_by,
        survey_id=survey_id,
        kind=kind,
        account_id=account_id,
    ).as_dict()
