"""Playbook request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxhub.success.playbooks.definition import AccountCondition, Action, Trigger
from cxhub.success.playbooks.models import Playbook, PlaybookRun, SurveyEnrolment


class PlaybookWrite(BaseModel):
    """A whole playbook (POST creates, PUT replaces)."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=5000)] = ""
    enabled: bool = True
    trigger: Trigger
    conditions: Annotated[list[AccountCondition], Field(max_length=20)] = Field(
        default_factory=list
    )
    actions: Annotated[list[Action], Field(min_length=1, max_length=10)]

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("name must not be blank")
        return value


class PlaybookOut(BaseModel):
    id: int
    name: str
    description: str
    enabled: bool
    trigger: dict[str, Any]
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    webhook_secret: str | None = Field(
        description="Signs this playbook's webhook posts; shown to callers who may change "
        "playbooks (`success:write`), null for others."
    )
    open_episodes: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, playbook: Playbook, *, open_episodes: int, show_secret: bool) -> PlaybookOut:
        definition = playbook.definition
        return cls(
            id=playbook.id,
            name=playbook.name,
            description=playbook.description,
            enabled=playbook.enabled,
            trigger=definition["trigger"],
            conditions=definition.get("conditions", []),
            actions=definition["actions"],
            webhook_secret=playbook.webhook_secret if show_secret else None,
            open_episodes=open_episodes,
            created_at=playbook.created_at,
            updated_at=playbook.updated_at,
        )


class PlaybookSwitch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class ActionOutcome(BaseModel):
    index: int
    type: str
    status: str = Field(description="done, queued, sent, skipped or failed")
    detail: str
    ref: dict[str, Any]


class PlaybookRunOut(BaseModel):
    id: int
    playbook_id: int | None
    playbook_name: str
    account_id: int
    trigger_type: str
    summary: str
    facts: dict[str, Any]
    actions: list[ActionOutcome]
    status: str
    created_at: datetime

    @classmethod
    def of(cls, run: PlaybookRun) -> PlaybookRunOut:
        return cls(
            id=run.id,
            playbook_id=run.playbook_id,
            playbook_name=run.playbook_name,
            account_id=run.account_id,
            trigger_type=run.trigger_type,
            summary=run.summary,
            facts=run.facts,
            actions=[ActionOutcome.model_validate(a) for a in run.actions],
            status=run.status,
            created_at=run.created_at,
        )


class NpsSignal(BaseModel):
    """An NPS answer to feed `nps_detractor` playbooks until surveys publish them."""

    model_config = ConfigDict(extra="forbid")
    account_id: int
    contact_id: int | None = None
    score: int = Field(ge=0, le=10)
    responded_at: datetime | None = None


class SurveyEnrolmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    survey: str
    account_id: int
    contact_id: int | None
    playbook_run_id: int | None
    status: str
    created_at: datetime

    @classmethod
    def of(cls, row: SurveyEnrolment) -> SurveyEnrolmentOut:
        return cls.model_validate(row)
