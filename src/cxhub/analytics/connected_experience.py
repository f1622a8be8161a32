"""Connected-experience metrics of a period: repeat contact rate, channel switching, repeated
information share, first-contact resolution and the 0–100 score (docs/metrics.md, "Connected
experience"). One implementation for `GET /api/v1/metrics/experience`, the CX dashboard and the
customer pages.

A *contact* is a ticket (spam, merged-away and playbook-opened tickets are not counted), its
*customer* the requester contact, its *topic* the first fixed-taxonomy topic the text analytics
gave the ticket's first analysed customer message, else the ticket type, else its first tag in
alphabetical order (a ticket with none has no topic and is never a repeat by topic).

Repeat contacts, switches and FCR are computed by the database: a common table of the tickets
from `since − N days` to `until + N days`, window functions for each ticket's neighbours (the
customer's previous and next ticket on the same topic, their previous ticket on any topic),
then grouped — one sort, no self-join. Only the repeated-information heuristic runs in Python,
and only over the candidate pairs (the customer's previous ticket, on another channel, within
N days), never over all tickets. Aggregate Core
statements name the workspace explicitly, like `service_kpis` (ADR 0013).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, Interval, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from cxhub.analytics.formulas import connected_experience_score, percent
from cxhub.analytics.repeated_information import repeats_information
from cxhub.analytics.ticket_topics import PLAYBOOK_TICKET_PREFIX
from cxhub.experience.text.models import SOURCE_TICKET_MESSAGE, TextAnalysisRecord
from cxhub.service.tickets.models import AuthorKind, Ticket, TicketMessage, TicketTag

DEFAULT_WINDOW_DAYS = 7
#: The most candidate pairs the repeated-information heuristic compares in one request.
MAX_PAIRS = 50_000
_BATCH = 500


class ConnectedGroupBy(StrEnum):
    NONE = "none"
    WEEK = "week"
    CONTACT = "contact"
    ACCOUNT = "account"
    CHANNEL = "channel"


@dataclass
class ConnectedGroup:
    key: str | None
    tickets: int = 0
    repeat_contacts: int = 0
    channel_switches: int = 0
    repeated_information: int = 0
    solved: int = 0
    first_contact_resolved: int = 0

    @property
    def repeat_rate(self) -> float | None:
        return percent(self.repeat_contacts, self.tickets)

    @property
    def switch_rate(self) -> float | None:
        return percent(self.channel_switches, self.tickets)

    @property
    def repeated_information_share(self) -> float | None:
        return percent(self.repeated_information, self.tickets)

    @property
    def fcr_rate(self) -> float | None:
        return percent(self.first_contact_resolved, self.solved)

    @property
    def score(self) -> float | None:
        return connected_experience_score(
            repeat_rate=self.repeat_rate,
            switch_rate=self.switch_rate,
            repeated_information_share=self.repeated_information_share,
            fcr_rate=self.fcr_rate,
        )


def week_of(session: Session, column: Any) -> ColumnElement[Any]:
    """The Monday (UTC) starting the ISO week of a timestamp column."""
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, "weekday 0", "-6 days")
    return cast(func.date_trunc("week", func.timezone("UTC", column)), Date)


def _gap_within(session: Session, later: Any, earlier: Any, days: int) -> ColumnElement[bool]:
    """Both are set and `earlier` is before `later` by at most `days` days (never NULL, so
    the negation of "followed up" is true for a ticket that has no next ticket)."""
    both = and_(earlier.is_not(None), later.is_not(None))
    if session.get_bind().dialect.name == "sqlite":
        return and_(both, func.julianday(later) - func.julianday(earlier) <= days)
    return and_(both, earlier >= later - literal(timedelta(days=days), type_=Interval()))


def _topic() -> ColumnElement[Any]:
    analysed = (
        select(TextAnalysisRecord.topics[0].as_string())
        .where(
            TextAnalysisRecord.workspace_id == Ticket.workspace_id,
            TextAnalysisRecord.ticket_id == Ticket.id,
            TextAnalysisRecord.source_type == SOURCE_TICKET_MESSAGE,
        )
        .order_by(TextAnalysisRecord.text_written_at, TextAnalysisRecord.id)
        .limit(1)
        .scalar_subquery()
    )
    tagged = (
        select(func.min(TicketTag.tag))
        .where(TicketTag.workspace_id == Ticket.workspace_id, TicketTag.ticket_id == Ticket.id)
        .scalar_subquery()
    )
    return func.coalesce(analysed, Ticket.ticket_type, tagged)


def counted_tickets(workspace_id: int) -> list[ColumnElement[bool]]:
    return [
        Ticket.workspace_id == workspace_id,
        Ticket.merged_into_id.is_(None),
        Ticket.is_spam.is_(False),
        or_(
            Ticket.external_id.is_(None),
            Ticket.external_id.not_like(PLAYBOOK_TICKET_PREFIX + "%"),
        ),
    ]


def _key_column(session: Session, group_by: ConnectedGroupBy, t: Any) -> ColumnElement[Any] | None:
    if group_by == ConnectedGroupBy.WEEK:
        return week_of(session, t.c.created_at)
    if group_by == ConnectedGroupBy.CONTACT:
        return t.c.requester_id  # type: ignore[no-any-return]
    if group_by == ConnectedGroupBy.ACCOUNT:
        return t.c.account_id  # type: ignore[no-any-return]
    if group_by == ConnectedGroupBy.CHANNEL:
        return t.c.channel  # type: ignore[no-any-return]
    return None


def _key(value: Any) -> str | None:
    if value is None:
        return None
    return str(value.value if isinstance(value, StrEnum) else value)


def connected_experience(
    session: Session,
    *,
    workspace_id: int,
    since: datetime,
    until: datetime,
    group_by: ConnectedGroupBy = ConnectedGroupBy.NONE,
    window_days: int = DEFAULT_WINDOW_DAYS,
    contact_id: int | None = None,
    account_id: int | None = None,
) -> list[ConnectedGroup]:
    """The metrics of tickets created in `[since, until)`, whole or grouped; optionally of one
    contact's or one account's tickets. Earlier contacts up to `window_days` before `since` count
    as the first contact of a repeat; later ones up to `window_days` after a ticket undo its FCR."""
    window = timedelta(days=window_days)
    scope = [
        *counted_tickets(workspace_id),
        Ticket.created_at >= since - window,
        Ticket.created_at < until + window,
    ]
    if contact_id is not None:
        scope.append(Ticket.requester_id == contact_id)
    if account_id is not None:
        scope.append(Ticket.account_id == account_id)
    base = (
        select(
            Ticket.id.label("id"),
            Ticket.requester_id.label("requester_id"),
            Ticket.account_id.label("account_id"),
            Ticket.channel.label("channel"),
            Ticket.created_at.label("created_at"),
            _topic().label("topic"),
            Ticket.first_solved_at.label("first_solved_at"),
            Ticket.reopen_count.label("reopen_count"),
            Ticket.agent_reply_count.label("agent_reply_count"),
        )
        .where(*scope)
        .cte("contacts")
    )
    # Neighbours by window functions (one sort, no self-join): the customer's previous and
    # next ticket on the same topic, and their previous ticket on any topic.
    order = (base.c.created_at, base.c.id)
    topic_key = (base.c.requester_id, base.c.topic)

    def on_topic(function: Any) -> Any:
        return function.over(partition_by=topic_key, order_by=order)

    def on_customer(function: Any) -> Any:
        return function.over(partition_by=base.c.requester_id, order_by=order)

    t = select(
        base,
        on_topic(func.lag(base.c.created_at)).label("previous_at"),
        on_topic(func.lag(base.c.channel)).label("previous_channel"),
        on_topic(func.lead(base.c.created_at)).label("next_at"),
        on_customer(func.lag(base.c.id)).label("last_id"),
        on_customer(func.lag(base.c.channel)).label("last_channel"),
        on_customer(func.lag(base.c.created_at)).label("last_at"),
    ).subquery("t")
    with_topic = t.c.topic.is_not(None)
    repeat = and_(with_topic, _gap_within(session, t.c.created_at, t.c.previous_at, window_days))
    channels_used = (
        select(func.count(func.distinct(TicketMessage.channel)))
        .where(
            TicketMessage.workspace_id == workspace_id,
            TicketMessage.ticket_id == t.c.id,
            TicketMessage.author_kind == AuthorKind.CUSTOMER,
        )
        .scalar_subquery()
    )
    switched = or_(and_(repeat, t.c.previous_channel != t.c.channel), channels_used > 1)
    followed_up = and_(with_topic, _gap_within(session, t.c.next_at, t.c.created_at, window_days))
    solved = t.c.first_solved_at.is_not(None)
    resolved_first = and_(solved, t.c.reopen_count == 0, t.c.agent_reply_count <= 1, ~followed_up)
    key_column = _key_column(session, group_by, t)
    columns: list[Any] = [
        func.count(),
        func.sum(case((repeat, 1), else_=0)),
        func.sum(case((switched, 1), else_=0)),
        func.sum(case((solved, 1), else_=0)),
        func.sum(case((resolved_first, 1), else_=0)),
    ]
    in_period = and_(t.c.created_at >= since, t.c.created_at < until)
    statement = select(*([key_column] if key_column is not None else []), *columns).where(in_period)
    if key_column is not None:
        statement = statement.group_by(key_column)
    groups: dict[str | None, ConnectedGroup] = {}
    for row in session.execute(statement):
        values = list(row)
        key = _key(values.pop(0)) if key_column is not None else None
        tickets, repeats, switches, solved_count, fcr = (int(v or 0) for v in values)
        if tickets:
            groups[key] = ConnectedGroup(key, tickets, repeats, switches, 0, solved_count, fcr)

    # Repeated information: candidate pairs (the customer's previous ticket, on another channel,
    # within the window) from the database; the text heuristic in Python on those only.
    pairs = session.execute(
        select(t.c.id, t.c.last_id, *([key_column] if key_column is not None else []))
        .where(
            in_period,
            t.c.last_channel != t.c.channel,
            _gap_within(session, t.c.created_at, t.c.last_at, window_days),
        )
        .limit(MAX_PAIRS)
    ).all()
    texts = first_customer_texts(
        session, workspace_id=workspace_id, ticket_ids={int(i) for pair in pairs for i in pair[:2]}
    )
    flagged: dict[int, str | None] = {}
    for pair in pairs:
        later, earlier = int(pair[0]), int(pair[1])
        if (
            later in texts
            and earlier in texts
            and repeats_information(texts[later], texts[earlier])
        ):
            flagged[later] = _key(pair[2]) if key_column is not None else None
    for key in flagged.values():
        if key in groups:
            groups[key].repeated_information += 1
    if group_by == ConnectedGroupBy.NONE and None not in groups:
        groups[None] = ConnectedGroup(None)
    return sorted(groups.values(), key=lambda g: (g.key is None, g.key or ""))


def first_customer_texts(
    session: Session, *, workspace_id: int, ticket_ids: set[int]
) -> dict[int, str]:
    """The body of each ticket's first customer message (by id), fetched in batches."""
    found: dict[int, str] = {}
    ordered = sorted(ticket_ids)
    for start in range(0, len(ordered), _BATCH):
        chunk = ordered[start : start + _BATCH]
        first = (
            select(func.min(TicketMessage.id))
            .where(
                TicketMessage.workspace_id == workspace_id,
                TicketMessage.ticket_id.in_(chunk),
                TicketMessage.author_kind == AuthorKind.CUSTOMER,
            )
            .group_by(TicketMessage.ticket_id)
        )
        for ticket_id, body in session.execute(
            select(TicketMessage.ticket_id, TicketMessage.body_text).where(
                TicketMessage.id.in_(first)
            )
        ):
            found[int(ticket_id)] = body or ""
    return found


def by_key(groups: list[ConnectedGroup]) -> dict[str | None, ConnectedGroup]:
    return {group.key: group for group in groups}


def merge(groups: list[ConnectedGroup]) -> ConnectedGroup:
    """Counts summed (e.g. the weeks of a trend back into one period)."""
    total = ConnectedGroup(None)
    for group in groups:
        for name in (
            "tickets",
            "repeat_contacts",
            "channel_switches",
            "repeated_information",
            "solved",
            "first_contact_resolved",
        ):
            setattr(total, name, getattr(total, name) + getattr(group, name))
    return total


__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "ConnectedGroup",
    "ConnectedGroupBy",
    "by_key",
    "connected_experience",
    "merge",
]
