"""Request and response shapes of the survey API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from cxhub.experience.surveys.models import Survey, SurveyInvitation, SurveyResponse

Kind = Literal["nps", "csat", "ces", "custom"]
Language = Literal["en", "it", "zh", "id"]
Distribution = Literal["email", "portal", "in_product", "link", "api"]


def _all_languages() -> list[Language]:
    return ["en", "it", "zh", "id"]


def _all_channels() -> list[Distribution]:
    return ["email", "portal", "in_product", "link", "api"]


Status = Literal["draft", "active", "archived"]
SendChannel = Literal["email", "portal", "link"]


class Trigger(BaseModel):
    """When a survey goes out by itself. `manual`: only on `POST /surveys/{id}/send`;
    `ticket_solved`; `interaction` (a timeline kind such as `onboarding.completed`);
    `renewal` (`days_before` the subscription's renewal date, checked daily)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["manual", "ticket_solved", "interaction", "renewal"] = "manual"
    interaction_kind: str | None = Field(default=None, max_length=64)
    days_before: int | None = Field(default=None, ge=1, le=365)
    channel: Literal["email", "portal"] = "email"


class SurveyWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    kind: Kind
    status: Status = "draft"
    questions: list[dict[str, Any]] = Field(default_factory=list, max_length=20)
    intro: dict[str, str] = Field(default_factory=dict)
    languages: list[Language] = Field(default_factory=_all_languages, min_length=1)
    default_language: Literal["en", "it", "zh", "id"] = "en"
    trigger: Trigger = Field(default_factory=Trigger)
    channels: list[Distribution] = Field(default_factory=_all_channels)
    sample_percent: int = Field(default=100, ge=0, le=100)


class SurveyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str
    status: str
    questions: list[dict[str, Any]]
    intro: dict[str, Any]
    languages: list[str]
    default_language: str
    trigger: dict[str, Any]
    channels: list[str]
    sample_percent: int
    public_key: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, survey: Survey) -> SurveyOut:
        return cls.model_validate(survey)


class SettingsWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    throttle_days: int = Field(default=30, ge=0, le=365)
    answer_window_days: int = Field(default=30, ge=1, le=365)
    followup_owner_id: int | None = None


class SettingsOut(BaseModel):
    throttle_days: int
    answer_window_days: int
    followup_owner_id: int | None


class SendIn(BaseModel):
    """Send to the listed contacts and/or to a segment (a filter over contacts and accounts)."""

    model_config = ConfigDict(extra="forbid")
    contact_ids: list[int] = Field(default_factory=list, max_length=1000)
    segment: Segment | None = None
    channel: SendChannel = "email"
    touchpoint: str | None = Field(default=None, max_length=64)
    journey_stage: str | None = Field(default=None, max_length=64)


class Segment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_tier: str | None = Field(default=None, max_length=50)
    account_industry: str | None = Field(default=None, max_length=100)
    account_country: str | None = Field(default=None, min_length=2, max_length=2)
    contact_locale: str | None = Field(default=None, max_length=16)
    contact_country: str | None = Field(default=None, min_length=2, max_length=2)


SendIn.model_rebuild()


class SendOut(BaseModel):
    """What a send did: contacts asked, and why the others were not."""

    invited: int
    throttled: int
    not_sampled: int
    unreachable: int
    links: list[InvitationLink] = Field(
        default_factory=list, description="Channel `link` only: the signed links to hand out."
    )


class InvitationLink(BaseModel):
    contact_id: int
    url: str


SendOut.model_rebuild()


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    survey_id: int
    contact_id: int | None
    account_id: int | None
    channel: str
    touchpoint: str | None
    language: str
    status: str
    sent_at: datetime
    answered_at: datetime | None

    @classmethod
    def of(cls, row: SurveyInvitation) -> InvitationOut:
        return cls.model_validate(row)


class ResponseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    survey_id: int
    invitation_id: int | None
    contact_id: int | None
    account_id: int | None
    kind: str
    score: int | None
    answers: dict[str, Any]
    comment: str | None
    language: str
    channel: str
    touchpoint: str | None
    journey_stage: str | None
    segment: str | None
    plan: str | None
    responded_at: datetime
    sentiment: str | None
    sentiment_score: float | None
    followup_status: str
    followup_reason: str | None
    followup_owner_id: int | None
    followup_task_id: int | None
    followup_ticket_id: int | None
    followup_closed_at: datetime | None

    @classmethod
    def of(cls, row: SurveyResponse) -> ResponseOut:
        return cls.model_validate(row)


class AnswerIn(BaseModel):
    """An answer through the API or the in-product widget."""

    model_config = ConfigDict(extra="forbid")
    answers: dict[str, Any] = Field(max_length=20)
    language: Literal["en", "it", "zh", "id"] | None = None


class InProductAnswerIn(AnswerIn):
    """The in-product widget identifies the visitor by the product's user id (a contact's
    external id) or e-mail; neither is required (anonymous answers count in metrics only)."""

    user_id: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    touchpoint: str | None = Field(default=None, max_length=64)
    journey_stage: str | None = Field(default=None, max_length=64)


class RecordIn(AnswerIn):
    """An answer captured elsewhere (phone, an external tool), for a contact."""

    contact_id: int | None = None
    channel: Literal["api", "phone", "in_person", "email", "web"] = "api"
    touchpoint: str | None = Field(default=None, max_length=64)
    journey_stage: str | None = Field(default=None, max_length=64)
    responded_at: datetime | None = None
