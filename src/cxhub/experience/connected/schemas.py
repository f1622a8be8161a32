"""Shapes of the connected-experience records shown outside the metrics (the data export)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class NpsAnswerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int
    contact_id: int | None
    score: int
    responded_at: datetime
