"""Customer signals the next best action reads from the service and text-analytics tables:
tickets that breached or are about to breach their SLA, and contacts whose recent messages turned
negative. Aggregate statements that name their workspace, like `ticket_topics` (ADR 0013); each
takes an optional contact or account so the customer page and the workspace queue share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from cxhub.analytics.connected_experience import counted_tickets
from cxhub.experience.text.models import SOURCE_TICKET_MESSAGE, TextAnalysisRecord
from cxhub.service.tickets.filters import status_in
from cxhub.service.tickets.models import Ticket
from cxhub.service.tickets.status import UNSOLVED

#: The most rows one signal query returns (the workspace queue shows the best of them).
SIGNAL_LIMIT = 200


@dataclass(frozen=True)
class TicketAtRisk:
    ticket_id: int
    number: int
    contact_id: int
    account_id: int | None
    priority: str
    status: str
    breached: bool
    due_at: datetime | None


def tickets_at_risk(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    due_within: timedelta,
    contact_id: int | None = None,
    account_id: int | None = None,
    limit: int = SIGNAL_LIMIT,
) -> list[TicketAtRisk]:
    """Unsolved tickets that breached an SLA target or whose next target is due within
    `due_within`, breached first, then soonest due."""
    due_soon = Ticket.next_sla_due_at <= now + due_within
    statement = (
        select(
            Ticket.id,
            Ticket.number,
            Ticket.requester_id,
            Ticket.account_id,
            Ticket.priority,
            Ticket.status,
            Ticket.sla_breached,
            Ticket.next_sla_due_at,
        )
        .where(
            *counted_tickets(workspace_id),
            status_in(session, UNSOLVED),
            or_(Ticket.sla_breached.is_(True), due_soon),
        )
        .order_by(Ticket.sla_breached.desc(), Ticket.next_sla_due_at, Ticket.id)
        .limit(limit)
    )
    statement = statement.where(
        *_for_customer(Ticket.requester_id, Ticket.account_id, contact_id, account_id)
    )
    found: list[TicketAtRisk] = []
    for row in session.execute(statement):
        values: tuple[Any, ...] = tuple(row)
        ticket_id, number, requester, account, priority, status, breached, due_at = values
        found.append(
            TicketAtRisk(
                int(ticket_id),
                int(number),
                int(requester),
                None if account is None else int(account),
                getattr(priority, "value", str(priority)),
                getattr(status, "value", str(status)),
                bool(breached),
                due_at,
            )
        )
    return found


@dataclass(frozen=True)
class SentimentTrend:
    contact_id: int
    account_id: int | None
    texts: int
    negative: int
    recent_mean: float
    previous_mean: float | None


def negative_sentiment_trends(
    session: Session,
    *,
    workspace_id: int,
    now: datetime,
    days: int = 30,
    min_texts: int = 2,
    contact_id: int | None = None,
    account_id: int | None = None,
    limit: int = SIGNAL_LIMIT,
) -> list[SentimentTrend]:
    """Contacts whose customer messages of the last `days` are mostly negative (more than half,
    at least `min_texts` texts) and whose mean sentiment is below the `days` before (or who had
    none before). One grouped statement over the text-analysis rows of the two windows."""
    recent_start, previous_start = now - timedelta(days=days), now - timedelta(days=2 * days)
    recent = TextAnalysisRecord.text_written_at >= recent_start
    recent_count = func.sum(case((recent, 1), else_=0))
    negative = func.sum(case((recent & (TextAnalysisRecord.sentiment == "negative"), 1), else_=0))
    recent_sum = func.sum(case((recent, TextAnalysisRecord.sentiment_score), else_=0.0))
    previous_count = func.sum(case((recent, 0), else_=1))
    previous_sum = func.sum(case((recent, 0.0), else_=TextAnalysisRecord.sentiment_score))
    statement = (
        select(
            TextAnalysisRecord.contact_id,
            func.max(TextAnalysisRecord.account_id),
            recent_count,
            negative,
            recent_sum,
            previous_count,
            previous_sum,
        )
        .where(
            TextAnalysisRecord.workspace_id == workspace_id,
            TextAnalysisRecord.source_type == SOURCE_TICKET_MESSAGE,
            TextAnalysisRecord.contact_id.is_not(None),
            TextAnalysisRecord.text_written_at >= previous_start,
            TextAnalysisRecord.text_written_at < now,
        )
        .group_by(TextAnalysisRecord.contact_id)
        .having(recent_count >= min_texts, negative * 2 > recent_count)
        .order_by((negative * 1.0 / recent_count).desc(), TextAnalysisRecord.contact_id)
        .limit(limit)
    )
    statement = statement.where(
        *_for_customer(
            TextAnalysisRecord.contact_id, TextAnalysisRecord.account_id, contact_id, account_id
        )
    )
    found: list[SentimentTrend] = []
    for row in session.execute(statement):
        contact, account, texts, negatives, total, before, before_total = tuple(row)
        recent_mean = float(total) / int(texts)
        previous_mean = float(before_total) / int(before) if before else None
        if previous_mean is not None and recent_mean >= previous_mean:
            continue
        found.append(
            SentimentTrend(
                int(contact),
                None if account is None else int(account),
                int(texts),
                int(negatives),
                round(recent_mean, 4),
                None if previous_mean is None else round(previous_mean, 4),
            )
        )
    return found


def _for_customer(
    contact_column: Any, account_column: Any, contact_id: int | None, account_id: int | None
) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool]] = []
    if contact_id is not None:
        found.append(contact_column == contact_id)
    if account_id is not None:
        found.append(account_column == account_id)
    return found
