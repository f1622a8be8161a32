"""The experience summary of a period: connected experience (score, rates, weekly trend, the
customers with the lowest score), sentiment by channel, the CSAT and NPS trends and the top
negative fixed-taxonomy topics (docs/metrics.md, "Experience summary").

`GET /api/v1/metrics/experience` and the CX dashboard both call `experience_metrics` (or its
parts), so a number on the page is the number of the API. Every part is one grouped statement;
the workspace is named explicitly (ADR 0013).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, true
from sqlalchemy.orm import Session

from cxhub.analytics.connected_experience import (
    DEFAULT_WINDOW_DAYS,
    ConnectedGroup,
    ConnectedGroupBy,
    connected_experience,
    merge,
    week_of,
)
from cxhub.analytics.formulas import percent
from cxhub.analytics.survey_kpis import nps_answers, weekly_metric
from cxhub.experience.text.models import SOURCE_TICKET_MESSAGE, TextAnalysisRecord
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.tickets.models import TicketMessage

TOP_TOPICS = 10
LOWEST_CUSTOMERS = 10


@dataclass(frozen=True)
class ChannelSentiment:
    channel: str
    texts: int
    positive: int
    neutral: int
    negative: int
    mean_score: float | None

    @property
    def net_sentiment(self) -> float | None:
        """(positive − negative) ÷ texts, −1..1 (text/aggregates.py)."""
        return None if not self.texts else round((self.positive - self.negative) / self.texts, 4)


@dataclass(frozen=True)
class WeeklyScore:
    week: str  # the Monday, YYYY-MM-DD
    responses: int
    value: float | None


@dataclass(frozen=True)
class NegativeTopic:
    topic: str
    negative_texts: int
    texts: int

    @property
    def negative_share(self) -> float | None:
        return percent(self.negative_texts, self.texts)


@dataclass(frozen=True)
class ExperienceReport:
    since: datetime
    until: datetime
    window_days: int
    connected: ConnectedGroup
    connected_weekly: list[ConnectedGroup]
    lowest_customers: list[ConnectedGroup]
    sentiment_by_channel: list[ChannelSentiment]
    csat_weekly: list[WeeklyScore]
    nps_weekly: list[WeeklyScore]
    top_negative_topics: list[NegativeTopic]


def _str(value: Any) -> str:
    return str(getattr(value, "value", value))


def sentiment_by_channel(
    session: Session, *, workspace_id: int, since: datetime, until: datetime
) -> list[ChannelSentiment]:
    """Analysed customer messages written in the period, by the message's channel."""
    label = TextAnalysisRecord.sentiment
    statement = (
        select(
            TicketMessage.channel,
            func.count(),
            func.sum(case((label == "positive", 1), else_=0)),
            func.sum(case((label == "neutral", 1), else_=0)),
            func.sum(case((label == "negative", 1), else_=0)),
            func.avg(TextAnalysisRecord.sentiment_score),
        )
        .join(TicketMessage, TicketMessage.id == TextAnalysisRecord.source_id)
        .where(
            TextAnalysisRecord.workspace_id == workspace_id,
            TextAnalysisRecord.source_type == SOURCE_TICKET_MESSAGE,
            TicketMessage.workspace_id == workspace_id,
            TextAnalysisRecord.text_written_at >= since,
            TextAnalysisRecord.text_written_at < until,
        )
        .group_by(TicketMessage.channel)
    )
    rows = [
        ChannelSentiment(
            _str(channel),
            int(texts),
            int(pos or 0),
            int(neu or 0),
            int(neg or 0),
            None if mean is None else round(float(mean), 4),
        )
        for channel, texts, pos, neu, neg, mean in session.execute(statement)
    ]
    return sorted(rows, key=lambda r: (-r.texts, r.channel))


def csat_weekly(
    session: Session, *, workspace_id: int, since: datetime, until: datetime
) -> list[WeeklyScore]:
    """CSAT (ratings 4–5 ÷ ratings) of the ratings given each week."""
    week = week_of(session, CsatSurvey.rated_at)
    statement = (
        select(week, func.count(), func.sum(case((CsatSurvey.score >= 4, 1), else_=0)))
        .where(
            CsatSurvey.workspace_id == workspace_id,
            CsatSurvey.score.is_not(None),
            CsatSurvey.rated_at >= since,
            CsatSurvey.rated_at < until,
        )
        .group_by(week)
        .order_by(week)
    )
    return [
        WeeklyScore(_str(key), int(n), percent(int(happy or 0), int(n)))
        for key, n, happy in session.execute(statement)
    ]


def nps_weekly(
    session: Session, *, workspace_id: int, since: datetime, until: datetime
) -> list[WeeklyScore]:
    """NPS (% promoters 9–10 − % detractors 0–6) of the answers given each week: survey
    answers and answers recorded without a survey, each answer once (`survey_kpis.nps_answers`),
    by the survey metric definition (`survey_kpis.kind_metric`)."""
    answers = nps_answers(session, workspace_id=workspace_id, since=since, until=until)
    return [
        WeeklyScore(week, metric.responses, metric.score)
        for week, metric in weekly_metric("nps", answers)
    ]


def top_negative_topics(
    session: Session,
    *,
    workspace_id: int,
    since: datetime,
    until: datetime,
    limit: int = TOP_TOPICS,
) -> list[NegativeTopic]:
    """Fixed-taxonomy topics of the period's analysed texts, by their negative texts (a text
    with two topics counts for both): the JSON list is unnested by the database."""
    if session.get_bind().dialect.name == "sqlite":
        topic = func.json_each(TextAnalysisRecord.topics).table_valued("value")
    else:
        topic = func.jsonb_array_elements_text(TextAnalysisRecord.topics).table_valued("value")
    negative = func.sum(case((TextAnalysisRecord.sentiment == "negative", 1), else_=0))
    statement = (
        select(topic.c.value, negative, func.count())
        .select_from(TextAnalysisRecord)
        .join(topic, true())
        .where(
            TextAnalysisRecord.workspace_id == workspace_id,
            TextAnalysisRecord.text_written_at >= since,
            TextAnalysisRecord.text_written_at < until,
        )
        .group_by(topic.c.value)
        .having(negative > 0)
        .order_by(negative.desc(), topic.c.value)
        .limit(limit)
    )
    return [
        NegativeTopic(str(name), int(neg), int(n)) for name, neg, n in session.execute(statement)
    ]


def experience_metrics(
    session: Session,
    *,
    workspace_id: int,
    since: datetime,
    until: datetime,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> ExperienceReport:
    def connected(group_by: ConnectedGroupBy) -> list[ConnectedGroup]:
        return connected_experience(
            session,
            workspace_id=workspace_id,
            since=since,
            until=until,
            group_by=group_by,
            window_days=window_days,
        )

    by_contact = connected(ConnectedGroupBy.CONTACT)
    total = merge(by_contact)  # the contacts partition the tickets: one query fewer
    customers = [g for g in by_contact if g.score is not None]
    lowest = sorted(customers, key=lambda g: (g.score or 0.0, -g.tickets, g.key or ""))
    scope: dict[str, Any] = {"workspace_id": workspace_id, "since": since, "until": until}
    return ExperienceReport(
        since=since,
        until=until,
        window_days=window_days,
        connected=total,
        connected_weekly=connected(ConnectedGroupBy.WEEK),
        lowest_customers=lowest[:LOWEST_CUSTOMERS],
        sentiment_by_channel=sentiment_by_channel(session, **scope),
        csat_weekly=csat_weekly(session, **scope),
        nps_weekly=nps_weekly(session, **scope),
        top_negative_topics=top_negative_topics(session, **scope),
    )
