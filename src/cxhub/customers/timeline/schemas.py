"""Interaction (touchpoint) request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.timeline.models import Channel

# Touchpoints outside these years are typos (0001-01-01) that would break local-time display.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200


class InteractionCreate(BaseModel):
    kind: str = Field(
        min_length=1, max_length=64, examples=["call", "email.received", "page.viewed"]
    )
    channel: Channel
    occurred_at: AwareDatetime
    contact_id: int | None = None
    account_id: int | None = None
    contact: ContactCreate | None = Field(
        default=None,
        description="Identify the contact by email/phone/handle/external id instead of contact_id "
        "(as POST /contacts/identify: unknown people are created, blank profile fields filled).",
    )
    journey_stage: str | None = Field(default=None, max_length=64, examples=["onboarding"])
    summary: str = Field(default="", max_length=10_000)
    payload: dict[str, Any] = Field(default_factory=dict)
    sentiment: float | None = Field(default=None, ge=-1, le=1)
    source_type: str | None = Field(default=None, max_length=64)
    source_id: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(
        default=None,
        max_length=200,
        description="Your id for this touchpoint; re-sending is a no-op.",
    )

    @field_validator("occurred_at")
    @classmethod
    def _plausible_moment(cls, value: datetime) -> datetime:
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise ValueError(f"occurred_at must fall between {EARLIEST_YEAR} and {LATEST_YEAR}")
        return value

    @model_validator(mode="after")
    def _needs_a_customer(self) -> InteractionCreate:
        if self.contact_id is None and self.account_id is None and self.contact is None:
            raise ValueError("give contact_id, account_id or contact identifiers")
        if self.contact_id is not None and self.contact is not None:
            raise ValueError("give contact_id or contact identifiers, not both")
        return self


class InteractionUpdate(BaseModel):
    journey_stage: str | None = Field(default=None, max_length=64)
    summary: str | None = Field(default=None, max_length=10_000)
    sentiment: float | None = Field(default=None, ge=-1, le=1)
    payload: dict[str, Any] | None = None


class InteractionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    channel: Channel
    occurred_at: datetime
    contact_id: int | None
    account_id: int | None
    journey_stage: str | None
    summary: str
    payload: dict[str, Any]
    sentiment: float | None
    source_type: str | None
    source_id: str | None
    external_id: str | None
    created_at: datetime
