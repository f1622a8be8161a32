"""Request and response shapes of journeys: definitions with ordered stages and rules, a
customer's current stage and history, and the analytics answer."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxhub.experience.journeys.models import Journey, JourneyStageEntry
from cxhub.experience.journeys.rules import StageRule

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(examples=["consideration"])
    name: str = Field(min_length=1, max_length=100)
    rules: list[StageRule] = Field(default_factory=list, max_length=50)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY.match(value):
            raise ValueError("stage keys are lower-case letters, digits and _, 1-64 characters")
        return value


class JourneyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    stages: list[StageIn] | None = Field(
        default=None, min_length=2, max_length=20, description="Omitted: the seven default stages."
    )
    active: bool = True

    @field_validator("stages")
    @classmethod
    def _unique(cls, value: list[StageIn] | None) -> list[StageIn] | None:
        if value is not None and len({s.key for s in value}) != len(value):
            raise ValueError("stage keys must be unique")
        return value


class JourneyOut(BaseModel):
    id: int
    name: str
    description: str
    active: bool
    stages: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, journey: Journey) -> JourneyOut:
        return cls(
            id=journey.id,
            name=journey.name,
            description=journey.description,
            active=journey.active,
            stages=journey.stages,
            created_at=journey.created_at,
            updated_at=journey.updated_at,
        )


class StageEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    journey_id: int
    contact_id: int
    account_id: int | None
    stage_key: str
    position: int
    entered_at: datetime
    cause: str

    @classmethod
    def of(cls, entry: JourneyStageEntry) -> StageEntryOut:
        return cls.model_validate(entry)


class CustomerStageOut(BaseModel):
    journey_id: int
    journey_name: str
    current: StageEntryOut | None
    history: list[StageEntryOut]
