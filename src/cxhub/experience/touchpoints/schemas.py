"""Request and response shapes of touchpoints: a generic touchpoint, call/meeting logs, brand
mentions, and the per-row report of an import."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from cxhub.experience.touchpoints.models import Touchpoint

MAX_TEXT = 10_000


class TouchpointIn(BaseModel):
    """A touchpoint of any kind (the generic door; calls and mentions have their own shapes)."""

    model_config = ConfigDict(extra="forbid")
    contact_id: int | None = None
    account_id: int | None = None
    channel: str = Field(max_length=32, examples=["email"])
    kind: str = Field(min_length=1, max_length=64, examples=["webinar_attended"])
    occurred_at: AwareDatetime
    sentiment: float | None = Field(default=None, ge=-1, le=1)
    score: int | None = Field(default=None, ge=0, le=10, description="NPS-scale answer, 0-10.")
    text: str = Field(default="", max_length=MAX_TEXT)
    details: dict[str, Any] = Field(default_factory=dict)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)


class CallLogIn(BaseModel):
    """A call or a meeting, as a CSM logs it or a telephony/calendar export lists it."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["call", "meeting"] = "call"
    occurred_at: AwareDatetime
    direction: Literal["inbound", "outbound"] | None = None
    duration_seconds: int | None = Field(default=None, ge=0, le=7 * 86_400)
    notes: str = Field(default="", max_length=MAX_TEXT)
    participants: list[str] = Field(default_factory=list, max_length=100)
    contact_id: int | None = None
    contact_email: str | None = Field(default=None, max_length=320)
    contact_phone: str | None = Field(default=None, max_length=64)
    account_id: int | None = None
    channel: str | None = Field(default=None, max_length=32, description="phone / in_person / …")
    external_id: str | None = Field(default=None, min_length=1, max_length=200)

    @field_validator("participants", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):  # CSV cells: "Ana <ana@x.com>; Bo"
            return [p.strip() for p in value.split(";") if p.strip()]
        return value


class MentionIn(BaseModel):
    """A social or brand mention: who wrote what, where, when."""

    model_config = ConfigDict(extra="forbid")
    author: str = Field(min_length=1, max_length=200, examples=["@ana_b"])
    network: str = Field(min_length=1, max_length=40, examples=["twitter"])
    url: str | None = Field(default=None, max_length=2000)
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    occurred_at: AwareDatetime
    channel: str = Field(default="social", max_length=32)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)


class TouchpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    contact_id: int | None
    account_id: int | None
    channel: str
    kind: str
    occurred_at: datetime
    sentiment: float | None
    score: int | None
    language: str | None
    text: str
    details: dict[str, Any]
    source_type: str | None
    source_id: str | None
    external_id: str | None

    @classmethod
    def of(cls, touchpoint: Touchpoint) -> TouchpointOut:
        return cls.model_validate(touchpoint)


class RowError(BaseModel):
    row: int = Field(
        description="1-based row number in the input (CSV: data rows after the header)"
    )
    field: str | None
    message: str


class ImportReport(BaseModel):
    received: int
    recorded: int
    duplicates: int
    errors: list[RowError]


class ImportIn(BaseModel):
    """An import: `rows` as JSON objects, or `csv` as text with a header row (not both)."""

    model_config = ConfigDict(extra="forbid")
    rows: list[dict[str, Any]] | None = Field(default=None, max_length=10_000)
    csv: str | None = Field(default=None, max_length=20_000_000)
