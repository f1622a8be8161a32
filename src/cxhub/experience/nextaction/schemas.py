"""Request and response shapes of the next-best-action routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cxhub.experience.nextaction.models import NextActionDecision
from cxhub.experience.nextaction.rules import NextAction
from cxhub.experience.nextaction.service import DecisionStatus, Outcome


class NextActionOut(BaseModel):
    key: str = Field(description="kind:subject, e.g. reply_ticket:42; what a decision names.")
    kind: str
    customer_key: str = Field(description="contact:ID or account:ID: whom the action is about.")
    contact_id: int | None
    account_id: int | None
    score: float = Field(description="0–100 by the documented rules (docs/experience.md).")
    reason: str = Field(description="English, with the facts filled in.")
    facts: dict[str, Any] = Field(description="The signals behind the action.")
    link: str | None

    @classmethod
    def of(cls, action: NextAction) -> NextActionOut:
        return cls(
            key=action.key,
            kind=action.kind.value,
            customer_key=action.customer_key,
            contact_id=action.contact_id,
            account_id=action.account_id,
            score=action.score,
            reason=action.reason.format(**action.facts),
            facts=dict(action.facts),
            link=action.link,
        )


class NextActionsOut(BaseModel):
    items: list[NextActionOut]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: int | None = Field(default=None, ge=1)
    account_id: int | None = Field(default=None, ge=1)
    action_key: str = Field(min_length=3, max_length=120)
    status: DecisionStatus
    snooze_days: int | None = Field(default=None, description="1–90, with status snoozed.")


class OutcomeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_key: str
    contact_id: int | None
    account_id: int | None
    action_key: str
    kind: str
    status: str
    snoozed_until: datetime | None
    outcome: str | None
    outcome_at: datetime | None
    decided_by_id: int | None
    decided_at: datetime

    @classmethod
    def of(cls, row: NextActionDecision) -> DecisionOut:
        return cls.model_validate(row)


class DecisionsOut(BaseModel):
    items: list[DecisionOut]
