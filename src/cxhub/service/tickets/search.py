"""Ticket full-text search: one interface over SQLite FTS5 and PostgreSQL `tsvector`.

The index holds one document per ticket (its subject, the subjects of tickets merged into it and
every message body, analysed by `search_text`) in a table that is not an ORM model:

- SQLite: `ticket_search`, an FTS5 table (rowid = ticket id, `unicode61 remove_diacritics 2`);
- PostgreSQL: `ticket_search(ticket_id, document tsvector)` with a GIN index, `simple` config.

The service layer rewrites a ticket's document in the same transaction as the change (ticket
created, subject changed, message added, merge, spam), never a trigger: the analysis (folding,
CJK bigrams) is Python, and a rolled-back request leaves the index as it was.

The statements here are Core/`text()` SQL, which the workspace hooks do not filter
(ADR 0006): writes are keyed by a ticket the caller loaded through the filtered ORM, and
`matching_ticket_ids` is only ever used inside a query on `Ticket`, which is filtered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    bindparam,
    cast,
    column,
    exists,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from cxhub.core.errors import ValidationFailed
from cxhub.service.tickets.models import Ticket, TicketMessage
from cxhub.service.tickets.search_text import (
    QueryError,
    Term,
    fts5_query,
    index_document,
    parse_query,
    tsquery,
)

SEARCH_TABLE = "ticket_search"


def is_search_index_table(name: str | None) -> bool:
    """The index table and FTS5's shadow tables (`ticket_search_data`, …): not models, so schema
    comparison (tests, autogenerate) must leave them alone."""
    return name is not None and (name == SEARCH_TABLE or name.startswith(SEARCH_TABLE + "_"))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def document_of(session: Session, *, ticket: Ticket) -> str:
    """Subject, subjects of tickets merged into it, then the thread oldest first."""
    merged_subjects = session.scalars(
        select(Ticket.subject).where(Ticket.merged_into_id == ticket.id).order_by(Ticket.id)
    )
    bodies = session.scalars(
        select(TicketMessage.body_text)
        .where(TicketMessage.ticket_id == ticket.id)
        .order_by(TicketMessage.created_at, TicketMessage.id)
    )
    return index_document([ticket.subject, *merged_subjects, *bodies])


def reindex_ticket(session: Session, *, ticket: Ticket) -> None:
    """Rewrite the ticket's search document (spam and merged tickets are dropped instead)."""
    if ticket.is_spam or ticket.merged_into_id is not None:
        drop_from_index(session, ticket_id=ticket.id)
        return
    session.flush()
    document = document_of(session, ticket=ticket)
    if _dialect(session) == "postgresql":
        session.execute(
            text(
                "INSERT INTO ticket_search (ticket_id, document) "
                "VALUES (:ticket_id, to_tsvector('simple'::regconfig, :document)) "
                "ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document"
            ),
            {"ticket_id": ticket.id, "document": document},
        )
    else:
        drop_from_index(session, ticket_id=ticket.id)
        session.execute(
            text("INSERT INTO ticket_search (rowid, document) VALUES (:ticket_id, :document)"),
            {"ticket_id": ticket.id, "document": document},
        )


def drop_from_index(session: Session, *, ticket_id: int) -> None:
    statement = (
        "DELETE FROM ticket_search WHERE ticket_id = :ticket_id"
        if _dialect(session) == "postgresql"
        else "DELETE FROM ticket_search WHERE rowid = :ticket_id"
    )
    session.execute(text(statement), {"ticket_id": ticket_id})


def check_query(query: str) -> None:
    """Raise ValidationFailed (422) for a query that cannot be searched."""
    try:
        parse_query(query)
    except QueryError as error:
        raise ValidationFailed(str(error), field="q") from None


def search_terms(query: str) -> list[Term]:
    """The terms of `query`; ValidationFailed (422) when it has none."""
    try:
        return parse_query(query)
    except QueryError as error:
        raise ValidationFailed(str(error), field="q") from None


def count_matches(session: Session, query: str, *, cap: int) -> int:
    """How many tickets match `query`, counting at most `cap + 1` (SQLite only: FTS5 reads the
    document lists in rowid order and stops there, a few milliseconds for any word)."""
    counted = session.scalar(
        text(
            "SELECT count(*) FROM (SELECT rowid FROM ticket_search "
            "WHERE ticket_search MATCH :search_match LIMIT :cap)"
        ),
        {"search_match": fts5_query(search_terms(query)), "cap": cap + 1},
    )
    return int(counted or 0)


def matching_ids_up_to(session: Session, query: str, *, cap: int) -> list[int]:
    """The ids of at most `cap + 1` tickets matching `query`, in no particular order."""
    statement = matching_ticket_ids(session, query).limit(cap + 1)
    return [int(ticket_id) for ticket_id in session.scalars(statement)]


def ticket_matches(session: Session, query: str) -> ColumnElement[bool]:
    """SQLite: the ticket's own document matches `query`, a correlated probe of the index by rowid,
    for a query that walks tickets in list order (see `filters.py`) instead of sorting matches."""
    index = table(SEARCH_TABLE, column("rowid"))
    match: BindParameter[str] = bindparam(
        "search_match", fts5_query(search_terms(query)), unique=True
    )
    return exists().where(column(SEARCH_TABLE).op("MATCH")(match), index.c.rowid == Ticket.id)


def matching_ticket_ids(session: Session, query: str) -> Select[Any]:
    """`SELECT` of the ids of tickets whose document matches `query` (all its terms)."""
    terms = search_terms(query)
    if _dialect(session) == "postgresql":
        index = table(SEARCH_TABLE, column("ticket_id"), column("document"))
        expression: BindParameter[str] = bindparam("search_tsquery", tsquery(terms), unique=True)
        matches: ColumnElement[bool] = index.c.document.op("@@")(cast(expression, TSQUERY))
        return select(index.c.ticket_id).where(matches)
    index = table(SEARCH_TABLE, column("rowid"))
    match: BindParameter[str] = bindparam("search_match", fts5_query(terms), unique=True)
    return select(index.c.rowid).where(column(SEARCH_TABLE).op("MATCH")(match))
