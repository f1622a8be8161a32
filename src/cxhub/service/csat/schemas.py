"""CSAT shapes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from cxhub.service.csat.models import CsatSurvey


class RatingIn(BaseModel):
    score: int = Field(ge=1, le=5, description="1 = very unsatisfied … 5 = very satisfied.")
    comment: str | None = Field(default=None, max_length=5000)


class CsatOut(BaseModel):
    ticket_id: int
    requested_at: datetime
    score: int | None
    comment: str | None
    rated_at: datetime | None
    channel: str
    satisfied: bool | None = Field(description="True for 4–5 (the CSAT definition).")

    @classmethod
    def of(cls, survey: CsatSurvey) -> CsatOut:
        return cls(
            ticket_id=survey.ticket_id,
            requested_at=survey.requested_at,
            score=survey.score,
            comment=survey.comment,
            rated_at=survey.rated_at,
            channel=survey.channel,
            satisfied=None if survey.score is None else survey.score >= 4,
        )
