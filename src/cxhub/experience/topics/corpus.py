"""The customer texts topics are discovered in and reported on: customers' ticket messages and
CSAT comments, with the ticket, person and account they belong to.

Agent replies, notes, system messages, spam, merged-away tickets and erased bodies are left out.
Reads the service tables directly, within the workspace named explicitly (like
`analytics.ticket_topics`), because discovery reads a whole window in one query.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from cxhub.core.redaction import ERASED_MARKER
from cxhub.experience.text.models import (
    SOURCE_CSAT_COMMENT,
    SOURCE_TICKET_MESSAGE,
    TextAnalysisRecord,
)
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.tickets.models import AuthorKind, Ticket, TicketMessage

MAX_TEXT_CHARS = 2000
ID_BATCH = 500


@dataclass(frozen=True)
class CustomerText:
    source_type: str
    source_id: int
    ticket_id: int
    contact_id: int | None
    account_id: int | None
    written_at: datetime
    text: str
    intent: str | None  # the first fixed-taxonomy topic text analytics gave it, if any
    language: str | None = None  # as text analytics identified it, if analysed


def _language(code: str | None) -> str | None:
    return None if code in (None, "und") else code


def _first(topics: object) -> str | None:
    return str(topics[0]) if isinstance(topics, list) and topics else None


def customer_texts(
    session: Session, *, workspace_id: int, since: datetime, until: datetime, limit: int
) -> list[CustomerText]:
    """The most recent `limit` customer texts written in [since, until), oldest first."""
    texts = list(_messages(session, workspace_id, since, until, limit))
    texts.extend(_comments(session, workspace_id, since, until, limit))
    texts.sort(key=lambda t: (t.written_at, t.source_type, t.source_id))
    return texts[-limit:] if limit else texts


def _analysis(source_type: str, source_id: Any) -> Any:
    return and_(
        TextAnalysisRecord.source_type == source_type,
        TextAnalysisRecord.source_id == source_id,
    )


def _window(column: Any, since: datetime | None, until: datetime | None) -> list[Any]:
    return [
        c
        for c in (
            column >= since if since is not None else None,
            column < until if until is not None else None,
        )
        if c is not None
    ]


def _texts(session: Session, source_type: str, statement: Any) -> Iterator[CustomerText]:
    """The rows of a `_messages` or `_comments` query (source id, ticket, contact, account,
    written at, body, topics, language) as customer texts; empty, erased or undated ones are
    left out."""
    for row in session.execute(statement):
        body = (row[5] or "").strip()
        if body and body != ERASED_MARKER and row[4] is not None:
            yield CustomerText(
                source_type,
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                body[:MAX_TEXT_CHARS],
                _first(row[6]),
                _language(row[7]),
            )


def _messages(
    session: Session,
    workspace_id: int,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    source_ids: Sequence[int] | None = None,
) -> Iterator[CustomerText]:
    statement = (
        select(
            TicketMessage.id,
            TicketMessage.ticket_id,
            func.coalesce(TicketMessage.author_contact_id, Ticket.requester_id),
            Ticket.account_id,
            TicketMessage.created_at,
            TicketMessage.body_text,
            TextAnalysisRecord.topics,
            TextAnalysisRecord.language,
        )
        .join(Ticket, Ticket.id == TicketMessage.ticket_id)
        .outerjoin(TextAnalysisRecord, _analysis(SOURCE_TICKET_MESSAGE, TicketMessage.id))
        .where(
            TicketMessage.workspace_id == workspace_id,
            TicketMessage.author_kind == AuthorKind.CUSTOMER,
            *_window(TicketMessage.created_at, since, until),
            *([TicketMessage.id.in_(source_ids)] if source_ids is not None else []),
            Ticket.is_spam.is_(False),
            Ticket.merged_into_id.is_(None),
        )
        .order_by(TicketMessage.created_at.desc(), TicketMessage.id.desc())
        .limit(limit)
    )
    yield from _texts(session, SOURCE_TICKET_MESSAGE, statement)


def _comments(
    session: Session,
    workspace_id: int,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    source_ids: Sequence[int] | None = None,
) -> Iterator[CustomerText]:
    statement = (
        select(
            CsatSurvey.id,
            CsatSurvey.ticket_id,
            CsatSurvey.contact_id,
            Ticket.account_id,
            CsatSurvey.rated_at,
            CsatSurvey.comment,
            TextAnalysisRecord.topics,
            TextAnalysisRecord.language,
        )
        .join(Ticket, Ticket.id == CsatSurvey.ticket_id)
        .outerjoin(TextAnalysisRecord, _analysis(SOURCE_CSAT_COMMENT, CsatSurvey.id))
        .where(
            CsatSurvey.workspace_id == workspace_id,
            CsatSurvey.comment.is_not(None),
            CsatSurvey.rated_at.is_not(None),
            *_window(CsatSurvey.rated_at, since, until),
            *([CsatSurvey.id.in_(source_ids)] if source_ids is not None else []),
        )
        .order_by(CsatSurvey.rated_at.desc(), CsatSurvey.id.desc())
        .limit(limit)
    )
    yield from _texts(session, SOURCE_CSAT_COMMENT, statement)


def text_of(
    session: Session, *, workspace_id: int, source_type: str, source_id: int
) -> CustomerText | None:
    """One customer text by its source (None: gone, not a customer's, or erased)."""
    reader = _messages if source_type == SOURCE_TICKET_MESSAGE else _comments
    found = list(reader(session, workspace_id, None, None, 1, [source_id]))
    return found[0] if found else None


def texts_of(
    session: Session, *, workspace_id: int, sources: Sequence[tuple[str, int]]
) -> list[CustomerText]:
    """The customer texts of many `(source_type, source_id)` pairs (those still readable), in
    batches of `ID_BATCH` ids, ordered by source."""
    found: list[CustomerText] = []
    for source_type, reader in (
        (SOURCE_TICKET_MESSAGE, _messages),
        (SOURCE_CSAT_COMMENT, _comments),
    ):
        ids = sorted({i for kind, i in sources if kind == source_type})
        for start in range(0, len(ids), ID_BATCH):
            batch = ids[start : start + ID_BATCH]
            found.extend(reader(session, workspace_id, None, None, len(batch), batch))
    return sorted(found, key=lambda t: (t.source_type, t.source_id))
