"""Survey definitions and the workspace's survey settings: create, read, change, delete.
Services never commit (the request or job edge does)."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.experience.surveys import standard
from cxhub.experience.surveys.models import Survey, SurveySettings
from cxhub.experience.surveys.schemas import SettingsWrite, SurveyWrite
from cxhub.people import service as people

PUBLIC_KEY_PREFIX = "cxs_"


def _validated(data: SurveyWrite) -> dict[str, Any]:
    try:
        questions = standard.normalise_questions(data.kind, data.questions)
    except standard.QuestionError as exc:
        raise ValidationFailed(str(exc), field=exc.field) from None
    if data.default_language not in data.languages:
        raise ValidationFailed(
            "default_language must be one of languages", field="default_language"
        )
    if data.trigger.type == "interaction" and not data.trigger.interaction_kind:
        raise ValidationFailed("an interaction trigger names its kind", field="trigger")
    if data.trigger.type == "renewal" and not data.trigger.days_before:
        raise ValidationFailed("a renewal trigger needs days_before", field="trigger")
    for lang, text in data.intro.items():
        if lang not in standard.LANGUAGES or len(text) > standard.MAX_TEXT:
            raise ValidationFailed(f"intro for {lang!r} is not valid", field="intro")
    return {
        "name": data.name.strip(),
        "kind": data.kind,
        "status": data.status,
        "questions": questions,
        "intro": dict(data.intro),
        "languages": list(dict.fromkeys(data.languages)),
        "default_language": data.default_language,
        "trigger": data.trigger.model_dump(exclude_none=True),
        "channels": list(dict.fromkeys(data.channels)),
        "sample_percent": data.sample_percent,
    }


def create_survey(
    session: Session, *, workspace_id: int, data: SurveyWrite, created_by_id: int | None
) -> Survey:
    survey = Survey(
        workspace_id=workspace_id,
        public_key=PUBLIC_KEY_PREFIX + secrets.token_urlsafe(18),
        created_by_id=created_by_id,
        **_validated(data),
    )
    session.add(survey)
    session.flush()
    return survey


def update_survey(session: Session, *, survey_id: int, data: SurveyWrite) -> Survey:
    survey = get_survey(session, survey_id=survey_id)
    if data.kind != survey.kind and _has_responses(session, survey.id):
        raise ValidationFailed("a survey with responses cannot change kind", field="kind")
    for name, value in _validated(data).items():
        setattr(survey, name, value)
    session.flush()
    return survey


def _has_responses(session: Session, survey_id: int) -> bool:
    from cxhub.experience.surveys.models import SurveyResponse

    found = session.scalar(
        select(SurveyResponse.id).where(SurveyResponse.survey_id == survey_id).limit(1)
    )
    return found is not None


def get_survey(session: Session, *, survey_id: int) -> Survey:
    survey = session.scalar(select(Survey).where(Survey.id == survey_id))
    if survey is None:
        raise NotFound(f"survey {survey_id} not found")
    return survey


def list_surveys(session: Session, *, status: str | None = None) -> list[Survey]:
    statement = select(Survey).order_by(Survey.id.desc())
    if status is not None:
        statement = statement.where(Survey.status == status)
    return list(session.scalars(statement.limit(500)))


def active_surveys_with_trigger(session: Session, trigger_type: str) -> list[Survey]:
    return [
        s
        for s in list_surveys(session, status="active")
        if (s.trigger or {}).get("type") == trigger_type
    ]


def delete_survey(session: Session, *, survey_id: int) -> None:
    session.delete(get_survey(session, survey_id=survey_id))
    session.flush()


def survey_by_public_key(session: Session, public_key: str) -> Survey | None:
    """The active survey behind an in-product key; scopes `session` to its workspace."""
    if not public_key.startswith(PUBLIC_KEY_PREFIX) or len(public_key) > 64:
        return None
    survey = session.scalar(
        select(Survey)
        .where(Survey.public_key == public_key)
        .execution_options(skip_workspace_filter=True)
    )
    if survey is None or survey.status != "active":
        return None
    session.info["workspace_id"] = survey.workspace_id
    return survey


def get_settings(session: Session) -> SurveySettings:
    """The workspace's survey settings (defaults when never saved; not added to the session)."""
    row = session.scalar(select(SurveySettings))
    return row if row is not None else SurveySettings(throttle_days=30, answer_window_days=30)


def save_settings(session: Session, *, workspace_id: int, data: SettingsWrite) -> SurveySettings:
    if data.followup_owner_id is not None:
        try:
            people.get_user(session, user_id=data.followup_owner_id)
        except NotFound:
            raise ValidationFailed(
                "followup_owner_id is not a user of this workspace", field="followup_owner_id"
            ) from None
    row = session.scalar(select(SurveySettings))
    if row is None:
        row = SurveySettings(workspace_id=workspace_id)
        session.add(row)
    row.throttle_days = data.throttle_days
    row.answer_window_days = data.answer_window_days
    row.followup_owner_id = data.followup_owner_id
    session.flush()
    return row
