"""Request and response shapes of the topics API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cxhub.experience.topics.models import Topic, TopicAssignment
from cxhub.experience.topics.report import Example, TopicFigures, TopicTrend

MAX_TEXTS = 100
MAX_TEXT_CHARS = 5000


class TopicOut(BaseModel):
    id: int
    name: str | None
    label: str
    display_name: str
    keywords: list[str]
    intent: str | None
    language: str
    status: str
    merged_into_id: int | None
    size: int
    texts: int | None = Field(None, description="Texts in the requested window (list only).")

    @classmethod
    def of(cls, topic: Topic, texts: int | None = None) -> TopicOut:
        return cls(
            id=topic.id,
            name=topic.name,
            label=topic.label,
            display_name=topic.display_name,
            keywords=list(topic.keywords),
            intent=topic.intent,
            language=topic.language,
            status=topic.status,
            merged_into_id=topic.merged_into_id,
            size=topic.size,
            texts=texts,
        )


class TopicUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    clear_name: bool = False
    status: Literal["active", "ignored"] | None = None


class TopicMergeIn(BaseModel):
    into_topic_id: int = Field(ge=1)


class TextRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source_type: Literal["ticket_message", "csat_comment"]
    source_id: int = Field(ge=1)


class TopicSplitIn(BaseModel):
    """Either `k` (re-cluster the topic's texts into k sub-topics) or `texts` (move these texts
    to one new topic, named `name` when given)."""

    model_config = ConfigDict(extra="forbid")
    k: int | None = Field(None, ge=2, le=10, description="Re-cluster into k sub-topics.")
    texts: list[TextRef] | None = Field(
        None, min_length=1, max_length=1000, description="Move these texts to a new topic."
    )
    name: str | None = Field(
        None, min_length=1, max_length=200, description="The new topic's name (move only)."
    )

    @model_validator(mode="after")
    def _one_mode(self) -> TopicSplitIn:
        if (self.k is None) == (self.texts is None):
            raise ValueError("give either k (re-cluster) or texts (move), not both")
        if self.k is not None and self.name is not None:
            raise ValueError("name goes with texts: re-clustered sub-topics start unnamed")
        return self


class TopicSplitOut(BaseModel):
    topic: TopicOut = Field(description="The split topic, holding the texts that stayed.")
    created: list[TopicOut]
    texts_moved: int


class DiscoverIn(BaseModel):
    days: int = Field(90, ge=1, le=730, description="Window: the last `days` days.")
    k: int | None = Field(None, ge=2, le=200, description="Number of topics (default: automatic).")
    seed: int = Field(7, ge=0, le=2**31 - 1)


class ClassifyIn(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=MAX_TEXTS)


class ClassificationOut(BaseModel):
    topic_id: int | None
    topic: str | None
    score: float


class ExampleOut(BaseModel):
    ticket_id: int
    source_type: str
    source_id: int = Field(description="With `source_type`, names the text (e.g. to split it off).")
    written_at: datetime
    excerpt: str

    @classmethod
    def of(cls, example: Example) -> ExampleOut:
        return cls(
            ticket_id=example.ticket_id,
            source_type=example.source_type,
            source_id=example.source_id,
            written_at=example.written_at,
            excerpt=example.excerpt,
        )


class RecurringIssueOut(BaseModel):
    rank: int
    topic_id: int
    name: str
    label: str
    intent: str | None
    texts: int
    contacts: int
    repeat_contacts: int
    repeat_rate: float | None
    negative_texts: int
    analysed_texts: int
    negative_share: float | None
    accounts: int
    account_ids: list[int]
    arr_cents: dict[str, int]
    examples: list[ExampleOut]

    @classmethod
    def of(cls, rank: int, figure: TopicFigures) -> RecurringIssueOut:
        return cls(
            rank=rank,
            topic_id=figure.topic_id,
            name=figure.name,
            label=figure.label,
            intent=figure.intent,
            texts=figure.texts,
            contacts=figure.contacts,
            repeat_contacts=figure.repeat_contacts,
            repeat_rate=figure.repeat_rate,
            negative_texts=figure.negative,
            analysed_texts=figure.analysed,
            negative_share=figure.negative_share,
            accounts=len(figure.account_ids),
            account_ids=figure.account_ids[:100],
            arr_cents=figure.arr_cents,
            examples=[ExampleOut.of(e) for e in figure.examples],
        )


class TrendOut(BaseModel):
    topic_id: int
    name: str
    last_day: date
    daily: list[int]
    observed: int
    expected: float
    lift: float
    p_value: float
    z: float | None
    trending: bool

    @classmethod
    def of(cls, trend: TopicTrend) -> TrendOut:
        s = trend.spike
        return cls(
            topic_id=trend.topic_id,
            name=trend.name,
            last_day=trend.last_day,
            daily=trend.daily,
            observed=s.observed,
            expected=s.expected,
            lift=s.lift,
            p_value=s.p_value,
            z=s.z,
            trending=s.trending,
        )


class WebhookExportIn(BaseModel):
    url: str = Field(min_length=8, max_length=2000)
    secret: str | None = Field(None, min_length=16, max_length=200)
    days: int = Field(30, ge=1, le=730)
    limit: int = Field(20, ge=1, le=200)


class WebhookExportOut(BaseModel):
    delivered: bool
    status: int | None
    detail: str
    issues: int


class AssignmentOut(BaseModel):
    """A topic assignment in a subject-access export."""

    topic_id: int
    source_type: str
    source_id: int
    ticket_id: int | None
    score: float
    written_at: datetime

    @classmethod
    def of(cls, row: TopicAssignment) -> AssignmentOut:
        return cls(
            topic_id=row.topic_id,
            source_type=row.source_type,
            source_id=row.source_id,
            ticket_id=row.ticket_id,
            score=row.score,
            written_at=row.written_at,
        )
