"""The recurring-issue report and what the CX dashboard reads from topics.

For each active topic (ignored and merged ones are left out) over [since, until):
- texts: customer texts in the topic; contacts: distinct tickets among them;
- repeat contacts and rate (`repeats.py`; earlier tickets up to `repeat_days` before `since`
  count as the earlier contact);
- negative share: negative texts / texts that text analytics has analysed;
- affected accounts and their ARR today, per currency (subscriptions);
- example tickets (the texts nearest the topic's centre) and the trend (`trends.py`).
Topics are ranked by contacts, then repeat contacts, then negative texts.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from cxhub.experience.text.models import TextAnalysisRecord
from cxhub.experience.topics.corpus import text_of
from cxhub.experience.topics.models import Topic, TopicAssignment, TopicStatus
from cxhub.experience.topics.repeats import first_texts, repeat_ticket_ids
from cxhub.experience.topics.trends import BASELINE_DAYS, RECENT_DAYS, Spike, daily_counts
from cxhub.experience.topics.trends import detect_spike as spike_of
from cxhub.success.subscriptions.service import live_arr_cents

REPEAT_DAYS = 7
EXCERPT_CHARS = 240
SERIES_DAYS = RECENT_DAYS + BASELINE_DAYS


@dataclass(frozen=True)
class Example:
    ticket_id: int
    source_type: str
    written_at: datetime
    excerpt: str
    source_id: int


@dataclass
class TopicFigures:
    topic_id: int
    name: str
    label: str
    intent: str | None
    texts: int = 0
    contacts: int = 0
    repeat_contacts: int = 0
    negative: int = 0
    analysed: int = 0
    account_ids: list[int] = field(default_factory=list)
    arr_cents: dict[str, int] = field(default_factory=dict)
    examples: list[Example] = field(default_factory=list)

    @property
    def repeat_rate(self) -> float | None:
        return round(self.repeat_contacts / self.contacts, 4) if self.contacts else None

    @property
    def negative_share(self) -> float | None:
        return round(self.negative / self.analysed, 4) if self.analysed else None


@dataclass(frozen=True)
class _Row:
    topic_id: int
    ticket_id: int | None
    contact_id: int | None
    account_id: int | None
    written_at: datetime
    sentiment: str | None
    score: float
    source_type: str
    source_id: int


def _rows(
    session: Session,
    workspace_id: int,
    since: datetime,
    until: datetime,
    *,
    topic_id: int | None = None,
    any_status: bool = False,
) -> list[_Row]:
    statement = (
        select(
            TopicAssignment.topic_id,
            TopicAssignment.ticket_id,
            TopicAssignment.contact_id,
            TopicAssignment.account_id,
            TopicAssignment.written_at,
            TextAnalysisRecord.sentiment,
            TopicAssignment.score,
            TopicAssignment.source_type,
            TopicAssignment.source_id,
        )
        .join(Topic, Topic.id == TopicAssignment.topic_id)
        .outerjoin(
            TextAnalysisRecord,
            and_(
                TextAnalysisRecord.workspace_id == workspace_id,
                TextAnalysisRecord.source_type == TopicAssignment.source_type,
                TextAnalysisRecord.source_id == TopicAssignment.source_id,
            ),
        )
        .where(
            TopicAssignment.workspace_id == workspace_id,
            TopicAssignment.written_at >= since,
            TopicAssignment.written_at < until,
        )
    )
    if not any_status:
        statement = statement.where(Topic.status == TopicStatus.ACTIVE.value)
    if topic_id is not None:
        statement = statement.where(TopicAssignment.topic_id == topic_id)
    return [_Row(*row) for row in session.execute(statement)]


def _active_topics(session: Session, workspace_id: int) -> dict[int, Topic]:
    return {
        t.id: t
        for t in session.scalars(
            select(Topic).where(
                Topic.workspace_id == workspace_id, Topic.status == TopicStatus.ACTIVE.value
            )
        )
    }


def topic_figures(
    session: Session,
    *,
    workspace_id: int,
    since: datetime,
    until: datetime,
    repeat_days: int = REPEAT_DAYS,
) -> dict[int, TopicFigures]:
    """Counts, repeats, sentiment and accounts per active topic (no examples, no ARR)."""
    topics = _active_topics(session, workspace_id)
    figures = {t.id: TopicFigures(t.id, t.display_name, t.label, t.intent) for t in topics.values()}
    lookback = since - timedelta(days=repeat_days)
    per_topic: dict[int, list[_Row]] = defaultdict(list)
    for row in _rows(session, workspace_id, lookback, until):
        per_topic[row.topic_id].append(row)
    for topic_id, rows in per_topic.items():
        figure = figures[topic_id]
        inside = [r for r in rows if r.written_at >= since]
        contacts = first_texts(
            (r.ticket_id, r.contact_id, r.written_at) for r in rows if r.ticket_id is not None
        )
        counted = {c.ticket_id for c in contacts if c.started_at >= since}
        figure.texts = len(inside)
        figure.contacts = len(counted)
        figure.repeat_contacts = len(repeat_ticket_ids(contacts, window_days=repeat_days) & counted)
        figure.analysed = sum(1 for r in inside if r.sentiment is not None)
        figure.negative = sum(1 for r in inside if r.sentiment == "negative")
        figure.account_ids = sorted({r.account_id for r in inside if r.account_id is not None})
    return figures


def _examples(session: Session, workspace_id: int, rows: list[_Row], limit: int) -> list[Example]:
    examples: list[Example] = []
    seen: set[int] = set()
    for row in sorted(rows, key=lambda r: (-r.score, r.source_id)):
        if len(examples) == limit or row.ticket_id is None or row.ticket_id in seen:
            continue
        text = text_of(
            session, workspace_id=workspace_id, source_type=row.source_type, source_id=row.source_id
        )
        if text is None:
            continue
        seen.add(row.ticket_id)
        excerpt = text.text if len(text.text) <= EXCERPT_CHARS else text.text[:EXCERPT_CHARS] + "…"
        examples.append(
            Example(row.ticket_id, row.source_type, row.written_at, excerpt, row.source_id)
        )
    return examples


def topic_examples(
    session: Session,
    *,
    workspace_id: int,
    topic_id: int,
    since: datetime,
    until: datetime,
    limit: int = 5,
) -> list[Example]:
    """The topic's texts nearest its centre in [since, until), one per ticket."""
    rows = _rows(session, workspace_id, since, until, topic_id=topic_id, any_status=True)
    return _examples(session, workspace_id, rows, limit)


def recurring_issues(
    session: Session,
    *,
    workspace_id: int,
    since: datetime,
    until: datetime,
    repeat_days: int = REPEAT_DAYS,
    limit: int = 20,
    examples: int = 3,
    today: date | None = None,
) -> list[TopicFigures]:
    """The topics generating the most contacts, with repeats, negative share, examples, and the
    affected accounts' ARR on `today` (default: the day of `until`)."""
    figures = topic_figures(
        session, workspace_id=workspace_id, since=since, until=until, repeat_days=repeat_days
    )
    ranked = sorted(
        (f for f in figures.values() if f.texts),
        key=lambda f: (-f.contacts, -f.repeat_contacts, -f.negative, f.topic_id),
    )[:limit]
    accounts = sorted({a for f in ranked for a in f.account_ids})
    arr = live_arr_cents(session, account_ids=accounts, today=today or until.date())
    window_rows: dict[int, list[_Row]] = defaultdict(list)
    if examples:
        for row in _rows(session, workspace_id, since, until):
            window_rows[row.topic_id].append(row)
    for figure in ranked:
        for account_id in figure.account_ids:
            for currency, cents in arr.get(account_id, {}).items():
                figure.arr_cents[currency] = figure.arr_cents.get(currency, 0) + cents
        if examples:
            figure.examples = _examples(
                session, workspace_id, window_rows[figure.topic_id], examples
            )
    return ranked


def top_negative_topics(
    session: Session, *, workspace_id: int, since: datetime, until: datetime, limit: int = 5
) -> list[TopicFigures]:
    """For the CX dashboard: active topics by negative texts in [since, until), then by their
    negative share (topics without a negative text are left out)."""
    figures = topic_figures(session, workspace_id=workspace_id, since=since, until=until)
    negative = [f for f in figures.values() if f.negative]
    negative.sort(key=lambda f: (-f.negative, -(f.negative_share or 0.0), f.topic_id))
    return negative[:limit]


@dataclass(frozen=True)
class TopicTrend:
    topic_id: int
    name: str
    daily: list[int]  # SERIES_DAYS days ending with `last_day`, oldest first
    last_day: date
    spike: Spike


def topic_trends(
    session: Session, *, workspace_id: int, until: datetime, include_ignored: bool = False
) -> list[TopicTrend]:
    """Daily counts of the last `SERIES_DAYS` days before `until` and the spike test of each
    topic (trending first, then by lift)."""
    last_day = (until - timedelta(microseconds=1)).date()
    since = datetime.combine(
        last_day - timedelta(days=SERIES_DAYS - 1), datetime.min.time(), tzinfo=until.tzinfo
    )
    statuses = [TopicStatus.ACTIVE.value] + ([TopicStatus.IGNORED.value] if include_ignored else [])
    topics = {
        t.id: t
        for t in session.scalars(
            select(Topic).where(Topic.workspace_id == workspace_id, Topic.status.in_(statuses))
        )
    }
    moments: dict[int, list[datetime]] = defaultdict(list)
    for topic_id, written_at in session.execute(
        select(TopicAssignment.topic_id, TopicAssignment.written_at).where(
            TopicAssignment.workspace_id == workspace_id,
            TopicAssignment.written_at >= since,
            TopicAssignment.written_at < until,
        )
    ):
        moments[int(topic_id)].append(written_at)
    trends = []
    for topic in topics.values():
        daily = daily_counts(moments.get(topic.id, []), last_day=last_day, days=SERIES_DAYS)
        trends.append(TopicTrend(topic.id, topic.display_name, daily, last_day, spike_of(daily)))
    trends.sort(key=lambda t: (not t.spike.trending, -t.spike.lift, t.topic_id))
    return trends
