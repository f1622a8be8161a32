"""Similar solved tickets: for an open ticket, the workspace's solved or closed tickets that asked
the same thing, each with the agent's last public reply (how it was resolved).

Two rankings are fused by weighted reciprocal rank, as article search does (ADR 0020):

- **keyword**: the open ticket's subject and first message, analysed like every search (folded,
  function words dropped, Chinese cut into bigrams), OR-ed against the ticket search index
  (`ticket_search`, ADR 0010) and ranked by BM25 (SQLite) or `ts_rank` (PostgreSQL);
- **semantic** (with `cxhub[semantic]`): cosine similarity of the question's vector with the
  vectors of solved tickets (`ticket_vectors`), multilingual.

The statements are plain SQL outside the workspace hooks (ADR 0006): each names the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cxhub.knowledge.assist.service import ticket_question
from cxhub.knowledge.assist.ticket_vectors import nearest_tickets
from cxhub.knowledge.search import semantic
from cxhub.knowledge.search.index import query_tokens
from cxhub.knowledge.search.service import RRF_K, SEMANTIC_WEIGHT, fuse
from cxhub.service.tickets.models import AuthorKind, Ticket, TicketMessage, TicketStatus

SOLVED = (TicketStatus.SOLVED.value, TicketStatus.CLOSED.value)
CANDIDATES = 50
#: SQLite: index documents ranked before the workspace/status filter (see `knowledge.search.
#: index.keyword_search`: when fewer than asked survive, every match is ranked).
PREFETCH = 400
#: Cosine similarity below which a solved ticket is not "similar" (e5 similarities of unrelated
#: short questions sit around 0.70–0.75).
SEMANTIC_FLOOR = 0.80
SNIPPET_CHARS = 240


@dataclass(frozen=True)
class SimilarTicket:
    ticket_id: int
    number: int
    subject: str
    status: str
    solved_at: datetime | None
    #: The agent's last public reply: how the ticket was resolved ("" when there was none).
    resolution: str
    score: float
    #: Which rankings found it: "keyword", "semantic" or both.
    matched_by: tuple[str, ...]


def keyword_neighbours(
    session: Session,
    *,
    workspace_id: int,
    question: str,
    exclude_id: int | None,
    solved_only: bool,
    limit: int = CANDIDATES,
) -> list[int]:
    """Ticket ids sharing words with the question, best first ([] when it has none)."""
    found = query_tokens(question)
    if not found:
        return []
    where = " AND t.workspace_id = :workspace_id AND t.is_spam = :no AND t.merged_into_id IS NULL"
    if exclude_id is not None:
        where += " AND t.id <> :exclude_id"
    if solved_only:
        where += " AND t.status IN ('solved', 'closed')"
    params: dict[str, object] = {
        "workspace_id": workspace_id,
        "exclude_id": exclude_id,
        "limit": limit,
        "no": False,
    }
    if session.get_bind().dialect.name == "postgresql":
        params["query"] = " | ".join(
            "'" + t.replace("\\", "\\\\").replace("'", "''") + "'" for t in found
        )
        statement = (
            "SELECT t.id FROM ticket_search s JOIN tickets t ON t.id = s.ticket_id "  # noqa: S608 - constants and bound parameters only
            "WHERE s.document @@ CAST(:query AS tsquery)" + where + " "
            "ORDER BY ts_rank(s.document, CAST(:query AS tsquery)) DESC, t.id DESC LIMIT :limit"
        )
        return [int(r[0]) for r in session.execute(text(statement), params)]
    params["query"] = " OR ".join('"' + t.replace('"', '""') + '"' for t in found)
    params["prefetch"] = PREFETCH
    ranked = (
        "WITH m AS MATERIALIZED (SELECT rowid AS id, -bm25(ticket_search) AS score "  # noqa: S608 - constants and bound parameters only
        "FROM ticket_search WHERE ticket_search MATCH :query {cut}) "
        "SELECT t.id FROM m JOIN tickets t ON t.id = m.id WHERE 1 = 1" + where + " "
        "ORDER BY m.score DESC, t.id DESC LIMIT :limit"
    )
    rows = session.execute(text(ranked.format(cut="ORDER BY score DESC LIMIT :prefetch")), params)
    ids = [int(r[0]) for r in rows]
    if len(ids) < limit:
        ids = [int(r[0]) for r in session.execute(text(ranked.format(cut="")), params)]
    return ids


def ranked_neighbours(
    session: Session,
    *,
    workspace_id: int,
    question: str,
    exclude_id: int | None,
    solved_only: bool = True,
    limit: int = CANDIDATES,
) -> list[tuple[int, float, tuple[str, ...]]]:
    """(ticket id, fused score, rankings that found it), best first."""
    rankings = [
        keyword_neighbours(
            session,
            workspace_id=workspace_id,
            question=question,
            exclude_id=exclude_id,
            solved_only=solved_only,
            limit=limit,
        )
    ]
    weights = [1.0]
    model = semantic.embedder()
    if model is not None and query_tokens(question):
        near = nearest_tickets(
            session, workspace_id=workspace_id, question=question, model=model, limit=limit * 2
        )
        rankings.append(
            [tid for tid, score in near if score >= SEMANTIC_FLOOR and tid != exclude_id]
        )
        weights.append(SEMANTIC_WEIGHT)
    labels = ("keyword", "semantic")
    found_by = {
        tid: tuple(labels[i] for i, ranking in enumerate(rankings) if tid in ranking)
        for ranking in rankings
        for tid in ranking
    }
    return [(tid, score, found_by[tid]) for tid, score in fuse(rankings, k=RRF_K, weights=weights)]


def _resolutions(session: Session, ticket_ids: list[int]) -> dict[int, str]:
    rows = session.execute(
        select(TicketMessage.ticket_id, TicketMessage.body_text)
        .where(
            TicketMessage.ticket_id.in_(ticket_ids),
            TicketMessage.author_kind == AuthorKind.AGENT,
            TicketMessage.is_public.is_(True),
        )
        .order_by(TicketMessage.created_at.desc(), TicketMessage.id.desc())
    ).all()
    found: dict[int, str] = {}
    for ticket_id, body in rows:
        found.setdefault(int(ticket_id), body or "")
    return found


def _snippet(value: str) -> str:
    flat = " ".join(value.split())
    return flat if len(flat) <= SNIPPET_CHARS else flat[: SNIPPET_CHARS - 1].rstrip() + "…"


def similar_solved_tickets(
    session: Session, *, workspace_id: int, ticket_id: int, limit: int = 5
) -> list[SimilarTicket]:
    """The solved or closed tickets most similar to the ticket, best first."""
    question, _language = ticket_question(session, ticket_id=ticket_id)
    ranked = ranked_neighbours(
        session, workspace_id=workspace_id, question=question, exclude_id=ticket_id
    )
    wanted = [tid for tid, _, _ in ranked[: limit * 3]]
    if not wanted:
        return []
    tickets = {
        t.id: t
        for t in session.scalars(
            select(Ticket).where(Ticket.id.in_(wanted), Ticket.status.in_(SOLVED))
        )
    }
    chosen = [(tid, score, by) for tid, score, by in ranked if tid in tickets][:limit]
    replies = _resolutions(session, [tid for tid, _, _ in chosen])
    return [
        SimilarTicket(
            ticket_id=tid,
            number=tickets[tid].number,
            subject=tickets[tid].subject,
            status=tickets[tid].status.value,
            solved_at=tickets[tid].solved_at,
            resolution=_snippet(replies.get(tid, "")),
            score=round(score, 6),
            matched_by=by,
        )
        for tid, score, by in chosen
    ]
