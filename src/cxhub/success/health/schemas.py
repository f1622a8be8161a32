"""Request and response shapes of the health routes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cxhub.analytics.health import HealthChange, HealthResult, Scorecard


class ScorecardWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    definition: Scorecard
    active: bool = True
    is_default: bool = False


class ScorecardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    definition: dict[str, Any]
    active: bool
    is_default: bool
    created_at: datetime
    updated_at: datetime


class HealthDayOut(BaseModel):
    day: date
    score: float | None
    band: str | None
    coverage: float


class AccountHealthOut(BaseModel):
    account_id: int
    scorecard_id: int | None
    latest: HealthResult | None
    latest_day: date | None
    history: list[HealthDayOut]
    change: HealthChange | None = Field(
        description="Why the score changed since the score 7 days before the latest one."
    )


class RescoreOut(BaseModel):
    day: date
    scored: int
    insufficient_data: int
    band_changes: int


class BandOutcomeOut(BaseModel):
    band: str
    accounts: int
    churned: int
    churn_rate: float | None


class BacktestOut(BaseModel):
    scorecard_id: int | None
    as_of: date
    horizon_days: int
    accounts: int
    churned: int
    unscored: int
    base_rate: float | None
    auc: float | None
    bands: list[BandOutcomeOut]
    worst_band: str | None
    worst_band_lift: float | None
