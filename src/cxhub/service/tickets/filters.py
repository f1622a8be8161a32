"""Which tickets a list shows: one filter shape for the ticket list, saved views and their counts.

Each condition is chosen to match a `Ticket.__table_args__` index (status, assignee + status,
team + status, requester, account, SLA due time, tags by tag), so a view's count is an index
range, and the full-text condition is one lookup in the search index (`search.py`).

SQLite plans from uniform statistics (`sqlite_stat1`) and cannot see the two skews every helpdesk
has, measured by benchmarks/bench_helpdesk.py on 1,000,000 tickets (docs/benchmarks.md):

- few tickets are unsolved (4 % there), yet with the statuses as bound parameters the capped
  count of "all unsolved" scanned the table; `status_in` writes the values into the statement;
- a common word matches a quarter of all tickets, and fetching and sorting every match took
  0.7 s; above `COMMON_MATCHES` the list walks tickets in `updated_at` order and probes the
  search index per ticket, which needs a few dozen probes for a page. A rarer word keeps the
  lookup of its matches. A prefix walks too when it is one document list or a few (`search.py`:
  the FTS5 prefix index for 2-4 characters, the completing words for a longer one); one that
  FTS5 must expand itself (more than `MAX_PREFIX_COMPLETIONS` words) would be expanded again by
  every probe and keeps the lookup. Both shapes return the same rows in the same order.

PostgreSQL estimates the statuses from its statistics, but not a rare word (a lexeme missing
from the column's statistics is guessed at ~1,000 matches): it walked 200,000 tickets in
`updated_at` order to find a rare word's 24 (1.1 s). A search matching at most `ID_LIST_MAX`
tickets is therefore given to it as the list of their ids; a more frequent word is in the
statistics, and reading 20,000 ids first cost a common word 30-80 ms.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Select,
    any_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session, lazyload

from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.customers.timeline.models import Channel
from cxhub.service.tickets import status
from cxhub.service.tickets.models import Ticket, TicketPriority, TicketStatus, TicketTag
from cxhub.service.tickets.search import (
    count_matches,
    fts5_match,
    matching_ids_up_to,
    matching_ticket_ids,
    ticket_matches,
)

TICKET_SORTS = {
    "id": Ticket.id,
    "number": Ticket.number,
    "created_at": Ticket.created_at,
    "updated_at": Ticket.updated_at,
    "next_sla_due_at": Ticket.next_sla_due_at,
}
DEFAULT_TICKET_SORT = "-updated_at"

# The unsolved statuses of the status machine, in a fixed order (SQL lists and index conditions).
UNSOLVED = tuple(s for s in TicketStatus if s in status.UNSOLVED)
# SQLite (see the module docstring): from how many matches a search walks the list in order
# instead of fetching and sorting its matches.
COMMON_MATCHES = 20_000
# PostgreSQL (see the module docstring): up to how many matches a search is given as their ids.
ID_LIST_MAX = 1_000


@dataclass(frozen=True)
class TicketFilter:
    """Every field narrows the list; lists match any of their values; empty means no filter."""

    statuses: list[TicketStatus] = field(default_factory=list)
    priorities: list[TicketPriority] = field(default_factory=list)
    assignee_ids: list[int] = field(default_factory=list)
    unassigned: bool = False
    team_ids: list[int] = field(default_factory=list)
    requester_ids: list[int] = field(default_factory=list)
    account_ids: list[int] = field(default_factory=list)
    tags_any: list[str] = field(default_factory=list)
    channel: Channel | None = None
    sla_due_before: datetime | None = None
    sla_breached: bool | None = None
    # Half-open `[from, to)` ranges (the dashboard's drill-down into a day or a period).
    created_from: datetime | None = None
    created_to: datetime | None = None
    solved_from: datetime | None = None
    solved_to: datetime | None = None
    q: str | None = None
    include_spam: bool = False


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def status_in(session: Session, statuses: Iterable[TicketStatus]) -> ColumnElement[bool]:
    """`status IN (...)`, on SQLite with the values written into the statement (they are enum
    members, never user text): given bound parameters, SQLite 3.40 planned the capped count of
    "all unsolved" as a table scan (0.4 s on 1,000,000 tickets); given the values, as a range of
    `ix_tickets_live_status` (2 ms)."""
    values = sorted(statuses)
    if _is_sqlite(session):
        inline: BindParameter[Any] = bindparam(
            "statuses",
            values,
            type_=Ticket.status.type,
            expanding=True,
            literal_execute=True,
            unique=True,
        )
        return Ticket.status.in_(inline)
    return Ticket.status.in_(values)


def ticket_conditions(
    session: Session,
    filters: TicketFilter,
    *,
    walk_search: bool = False,
    search_ids: list[int] | None = None,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of `filters` (merged tickets never show; spam only on request).
    `walk_search`: the full-text condition as a per-ticket probe (SQLite); `search_ids`: as the
    ids of all the matches (PostgreSQL); see the module docstring."""
    conditions: list[ColumnElement[bool]] = [Ticket.merged_into_id.is_(None)]
    if not filters.include_spam:
        conditions.append(Ticket.is_spam.is_(False))
    if filters.statuses:
        conditions.append(status_in(session, filters.statuses))
    if filters.priorities:
        conditions.append(Ticket.priority.in_(filters.priorities))
    if filters.unassigned:
        conditions.append(Ticket.assignee_id.is_(None))
    elif filters.assignee_ids:
        conditions.append(Ticket.assignee_id.in_(filters.assignee_ids))
    if filters.team_ids:
        conditions.append(Ticket.team_id.in_(filters.team_ids))
    if filters.requester_ids:
        conditions.append(Ticket.requester_id.in_(filters.requester_ids))
    if filters.account_ids:
        conditions.append(Ticket.account_id.in_(filters.account_ids))
    if filters.channel is not None:
        conditions.append(Ticket.channel == filters.channel)
    if filters.tags_any:
        conditions.append(
            Ticket.id.in_(select(TicketTag.ticket_id).where(TicketTag.tag.in_(filters.tags_any)))
        )
    if filters.sla_due_before is not None:
        conditions.append(Ticket.next_sla_due_at < filters.sla_due_before)
    if filters.sla_breached is not None:
        conditions.append(Ticket.sla_breached.is_(filters.sla_breached))
    if filters.created_from is not None:
        conditions.append(Ticket.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(Ticket.created_at < filters.created_to)
    if filters.solved_from is not None:
        conditions.append(Ticket.solved_at >= filters.solved_from)
    if filters.solved_to is not None:
        conditions.append(Ticket.solved_at < filters.solved_to)
    if filters.q is not None and filters.q.strip():
        if walk_search:
            conditions.append(ticket_matches(session, filters.q))
        elif search_ids is not None:
            ids = bindparam("search_ids", search_ids, type_=ARRAY(BigInteger), unique=True)
            conditions.append(Ticket.id == any_(ids))
        else:
            conditions.append(Ticket.id.in_(matching_ticket_ids(session, filters.q)))
    return conditions


def _walks_search(session: Session, filters: TicketFilter, sort: str) -> bool:
    """SQLite, a search by `updated_at` with at most one status and no other narrowing filter
    (each makes the walk longer) for a query matching more than `COMMON_MATCHES` tickets."""
    if not _is_sqlite(session) or filters.q is None or not filters.q.strip():
        return False
    if sort.lstrip("-") != "updated_at" or len(filters.statuses) > 1:
        return False
    narrowing = replace(filters, q=None, statuses=[], include_spam=False)
    if narrowing != TicketFilter():
        return False
    if not fts5_match(session, filters.q).probes_cheaply:
        return False  # a prefix FTS5 expands itself, again for every probe: slower than the lookup
    return count_matches(session, filters.q, cap=COMMON_MATCHES) > COMMON_MATCHES


def _postgres_search_ids(session: Session, filters: TicketFilter) -> list[int] | None:
    """PostgreSQL: the ids of a search's matches when there are at most `ID_LIST_MAX`."""
    if _is_sqlite(session) or filters.q is None or not filters.q.strip():
        return None
    ids = matching_ids_up_to(session, filters.q, cap=ID_LIST_MAX)
    return ids if len(ids) <= ID_LIST_MAX else None


def filtered_tickets(
    session: Session,
    *,
    filters: TicketFilter,
    page: PageRequest,
    default_sort: str | None = None,
    load_tags_and_followers: bool = True,
) -> Page[Ticket]:
    """One page of the tickets `filters` selects, in the one list convention (ADR 0008).

    A search is sorted like any list (default `-updated_at`), not by relevance: keyset
    pagination needs a stored sort key, and a rank computed per query has none.

    `load_tags_and_followers=False` leaves out the batched `selectin` loads of the tag and
    follower rows (they then load on first use, one statement per ticket): for callers that
    never read them, or that read the values in one statement each (`listing.ticket_outs`).
    """
    sort = page.sort or default_sort or DEFAULT_TICKET_SORT
    walk = _walks_search(session, filters, sort)
    ids = _postgres_search_ids(session, filters)
    statement: Select[Any] = select(Ticket).where(
        *ticket_conditions(session, filters, walk_search=walk, search_ids=ids)
    )
    if not load_tags_and_followers:
        statement = statement.options(lazyload(Ticket.tag_rows), lazyload(Ticket.follower_rows))
    return paginate(
        session,
        statement,
        request=page,
        sortable=TICKET_SORTS,
        id_column=Ticket.id,
        default_sort=default_sort or DEFAULT_TICKET_SORT,
    )


def count_tickets(session: Session, *, filters: TicketFilter, cap: int) -> tuple[int, bool]:
    """(count, capped): at most `cap` rows are counted (the database stops after `cap + 1`), so
    a view over a million tickets costs no more than one over ten thousand."""
    ids = select(Ticket.id).where(*ticket_conditions(session, filters)).limit(cap + 1).subquery()
    counted = int(session.scalar(select(func.count()).select_from(ids)) or 0)
    return (cap, True) if counted > cap else (counted, False)
