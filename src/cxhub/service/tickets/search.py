"""Ticket full-text search: one interface over SQLite FTS5 and PostgreSQL `tsvector`.

The index holds one document per ticket (its subject, the subjects of tickets merged into it and
every message body, analysed by `search_text`) in a table that is not an ORM model:

- SQLite: `ticket_search`, an FTS5 table (rowid = ticket id, `unicode61 remove_diacritics 2`);
- PostgreSQL: `ticket_search(ticket_id, document tsvector)` with a GIN index, `simple` config.

The service layer rewrites a ticket's document in the same transaction as the change (ticket
created, subject changed, message added, merge, spam), never a trigger: the analysis (folding,
CJK bigrams) is Python, and a rolled-back request leaves the index as it was.

Prefix terms on SQLite (ADR 0017): FTS5 answers `refu*` by merging the document lists of every
word that starts with `refu`, and does that again for each query, which made the per-ticket probe
of the common-word walk (`filters.py`) cost a full expansion per ticket. So:

- the FTS5 table also indexes the first `PREFIX_INDEX_LENGTHS` characters of every word (revision
  0015): a prefix of 2, 3 or 4 characters is one document list, like a word;
- a longer prefix is replaced by the words of the index that complete it, read from the
  `fts5vocab` table `ticket_search_vocab` (`refund*` → `"refund" OR "refunded"`), when there are
  at most `MAX_PREFIX_COMPLETIONS`; a few document lists are as cheap to probe as one;
- a longer prefix with more completions keeps FTS5's own expansion (correct, but never walked).

PostgreSQL needs none of this: `'refu':*` reads the matching lexemes' entries of the GIN index.

The statements here are Core/`text()` SQL, which the workspace hooks do not filter
(ADR 0006): writes are keyed by a ticket the caller loaded through the filtered ORM, and
`matching_ticket_ids` is only ever used inside a query on `Ticket`, which is filtered.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache
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
    prefix_range,
    tsquery,
)

SEARCH_TABLE = "ticket_search"
# The FTS5 table's options (revision 0015 creates it with these; change both together).
TOKENIZER = "unicode61 remove_diacritics 2"
PREFIX_INDEX_LENGTHS = (2, 3, 4)
# A prefix longer than the indexed lengths is replaced by at most this many completing words.
MAX_PREFIX_COMPLETIONS = 64
_MATCH_CACHE = "cxhub.tickets.search.fts5_match"


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


def reindex_ticket(session: Session, *, ticket: Ticket, first_message: str | None = None) -> None:
    """Rewrite the ticket's search document (spam and merged tickets are dropped instead).

    `first_message`: the ticket was opened in this transaction and this is the body of its one
    message, so its document is known without reading it back (nothing can have been merged
    into it yet)."""
    if ticket.is_spam or ticket.merged_into_id is not None:
        drop_from_index(session, ticket_id=ticket.id)
        return
    session.info.pop(_MATCH_CACHE, None)  # the words of the index may change
    session.flush()
    document = (
        document_of(session, ticket=ticket)
        if first_message is None
        else index_document([ticket.subject, first_message])
    )
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
    session.info.pop(_MATCH_CACHE, None)  # the words of the index may change
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


@dataclass(frozen=True)
class Fts5Match:
    """A query as FTS5 receives it. `probes_cheaply`: every term reads one or a few document
    lists, so probing one ticket costs microseconds (the walk of `filters.py` may use it)."""

    expression: str
    probes_cheaply: bool


@lru_cache(maxsize=4096)
def _fts5_token_of(text: str) -> str | None:
    with closing(sqlite3.connect(":memory:")) as db:
        db.execute(f"CREATE VIRTUAL TABLE t USING fts5(document, tokenize = '{TOKENIZER}')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        db.execute("INSERT INTO t (document) VALUES (?)", (text,))
        found = [str(row[0]) for row in db.execute("SELECT term FROM v")]
    return found[0] if len(found) == 1 else None


def fts5_token(text: str) -> str | None:
    """The one token FTS5's tokenizer makes of `text`, None when it makes none or several.

    An analysed token (`search_text.tokens`) is nearly always its own FTS5 token, but not for
    every character (NFKD turns `ᴬ` into `A`, which FTS5 lowercases; Tai Lue vowel signs are
    separators to FTS5): the prefix range must be FTS5's, so FTS5 is asked (cached)."""
    if text.isascii() and text.isalnum() and text == text.lower():
        return text
    return _fts5_token_of(text)


def prefix_completions(session: Session, prefix: str, *, cap: int) -> list[str] | None:
    """The words of the SQLite index starting with `prefix` (an FTS5 token), in index order;
    None when there are more than `cap`. Reads each word's document list once (fts5vocab counts
    it): ~10 ms for a word in a quarter of a million tickets, microseconds for a rare one."""
    low, high = prefix_range(prefix)
    statement = (
        "SELECT term FROM ticket_search_vocab WHERE term >= :low LIMIT :limit"
        if high is None
        else "SELECT term FROM ticket_search_vocab WHERE term >= :low AND term < :high LIMIT :limit"
    )
    words = session.scalars(text(statement), {"low": low, "high": high, "limit": cap + 1}).all()
    return [str(word) for word in words] if len(words) <= cap else None


def fts5_match(session: Session, query: str) -> Fts5Match:
    """The FTS5 expression for `query` with its prefixes prepared (see the module docstring);
    remembered for the rest of the session's transaction, as the vocabulary read costs up to
    ~10 ms and a list asks twice (count, then page)."""
    session.connection()  # begin the transaction the remembered answer belongs to
    transaction = session.get_transaction()
    cached = session.info.get(_MATCH_CACHE)
    if cached is None or cached[0] is not transaction:
        cached = (transaction, {})
        session.info[_MATCH_CACHE] = cached
    answers: dict[str, Fts5Match] = cached[1]
    if query not in answers:
        answers[query] = _prepare_match(session, search_terms(query))
    return answers[query]


def _prepare_match(session: Session, terms: list[Term]) -> Fts5Match:
    completions: dict[Term, list[str]] = {}
    probes_cheaply = True
    for term in terms:
        if not term.prefix:
            continue
        token = fts5_token(term.tokens[-1])
        if token is not None and len(token) in PREFIX_INDEX_LENGTHS:
            continue  # one document list of the prefix index
        words = (
            prefix_completions(session, token, cap=MAX_PREFIX_COMPLETIONS)
            if token is not None
            else None
        )
        if words is None:
            probes_cheaply = False  # FTS5 expands it, again for every probe
        elif words:
            completions[term] = words
        # no word completes it: FTS5's own prefix query finds nothing, at once
    return Fts5Match(fts5_query(terms, completions), probes_cheaply)


def count_matches(session: Session, query: str, *, cap: int) -> int:
    """How many tickets match `query`, counting at most `cap + 1` (SQLite only: FTS5 reads the
    document lists in rowid order and stops there, a few milliseconds for any word)."""
    counted = session.scalar(
        text(
            "SELECT count(*) FROM (SELECT rowid FROM ticket_search "
            "WHERE ticket_search MATCH :search_match LIMIT :cap)"
        ),
        {"search_match": fts5_match(session, query).expression, "cap": cap + 1},
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
        "search_match", fts5_match(session, query).expression, unique=True
    )
    return exists().where(column(SEARCH_TABLE).op("MATCH")(match), index.c.rowid == Ticket.id)


def matching_ticket_ids(session: Session, query: str) -> Select[Any]:
    """`SELECT` of the ids of tickets whose document matches `query` (all its terms)."""
    if _dialect(session) == "postgresql":
        index = table(SEARCH_TABLE, column("ticket_id"), column("document"))
        expression: BindParameter[str] = bindparam(
            "search_tsquery", tsquery(search_terms(query)), unique=True
        )
        matches: ColumnElement[bool] = index.c.document.op("@@")(cast(expression, TSQUERY))
        return select(index.c.ticket_id).where(matches)
    index = table(SEARCH_TABLE, column("rowid"))
    match: BindParameter[str] = bindparam(
        "search_match", fts5_match(session, query).expression, unique=True
    )
    return select(index.c.rowid).where(column(SEARCH_TABLE).op("MATCH")(match))
