"""Recording searches without writing on the GET path.

A help-center search, a portal suggestion or an agent's API search used to insert its
`kb_searches` row inside the GET request, so every such GET took the database's write lock (on
SQLite, one writer at a time for the whole installation). Now the request only *reads*: it
makes the search id itself and hands the row to a job (`knowledge.record_search`); opening an
article from the results (`&sid=`) is a job too (`knowledge.record_article_opened`).

Jobs may run in any order (a worker pool, a Redis queue, a retry), so every recorder is an
idempotent **upsert keyed by the search id**: whichever job comes first creates the row (an
"opened" or "ticket submitted" that arrives before its search creates a placeholder with
`source = "pending"`, which no measure counts), and the others fill their own fields. The end
state does not depend on the order, so the deflection measure stays exact.

A search id is 16 random hex characters followed by 16 of an HMAC (the installation's secret
key, the workspace id and the random part): ids are made without asking the database, and an
id a visitor invents is refused before any job is queued — as an unknown id was before.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.jobs import JobQueue, JobRequest
from cxhub.knowledge.articles.models import KnowledgeArticle
from cxhub.knowledge.helpcenter.models import KnowledgeSearch

PENDING = "pending"
_RANDOM_CHARS = 16


def _mac(secret: str, workspace_id: int, random_part: str) -> str:
    message = f"{workspace_id}:{random_part}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:_RANDOM_CHARS]


def new_search_id(secret: str, *, workspace_id: int) -> str:
    random_part = secrets.token_hex(_RANDOM_CHARS // 2)
    return random_part + _mac(secret, workspace_id, random_part)


def valid_search_id(secret: str, *, workspace_id: int, search_id: str) -> bool:
    if len(search_id) != 2 * _RANDOM_CHARS:
        return False
    random_part, mac = search_id[:_RANDOM_CHARS], search_id[_RANDOM_CHARS:]
    return hmac.compare_digest(mac, _mac(secret, workspace_id, random_part))


@dataclass(frozen=True)
class SearchLogEntry:
    """What one search request leaves to record: the row of `kb_searches`, as a job payload."""

    workspace_id: int
    public_id: str
    source: str
    query: str
    query_key: str
    language: str
    result_count: int
    created_at: datetime

    def payload(self) -> dict[str, Any]:
        return asdict(self) | {"created_at": self.created_at.isoformat()}

    @classmethod
    def of(cls, payload: dict[str, Any]) -> SearchLogEntry:
        return cls(**(payload | {"created_at": datetime.fromisoformat(payload["created_at"])}))


def _row(session: Session, *, workspace_id: int, search_id: str) -> KnowledgeSearch:
    """The search's row, created as a placeholder when its own job has not run yet."""
    where = (KnowledgeSearch.public_id == search_id, KnowledgeSearch.workspace_id == workspace_id)
    row = session.scalar(select(KnowledgeSearch).where(*where))
    if row is not None:
        return row
    try:
        with session.begin_nested():
            row = KnowledgeSearch(
                workspace_id=workspace_id,
                public_id=search_id,
                source=PENDING,
                query="",
                query_key="",
                language="",
                result_count=0,
                created_at=utcnow(),
            )
            session.add(row)
    except IntegrityError:  # another job created it meanwhile
        row = session.scalar(select(KnowledgeSearch).where(*where))
        assert row is not None
    return row


def store_search(session: Session, entry: SearchLogEntry) -> KnowledgeSearch:
    """Write the search's own fields (idempotent; keeps an "opened" recorded first)."""
    row = _row(session, workspace_id=entry.workspace_id, search_id=entry.public_id)
    row.source = entry.source
    row.query = entry.query
    row.query_key = entry.query_key
    row.language = entry.language
    row.result_count = entry.result_count
    row.created_at = entry.created_at
    session.flush()
    return row


def store_opened(
    session: Session, *, workspace_id: int, search_id: str, article_id: int, opened_at: datetime
) -> None:
    """Remember the first article opened from the search (the earliest, whatever the order);
    an article deleted since it was opened is not recorded (nothing could point at it)."""
    if session.scalar(select(KnowledgeArticle.id).where(KnowledgeArticle.id == article_id)) is None:
        return
    row = _row(session, workspace_id=workspace_id, search_id=search_id)
    if row.opened_at is None or opened_at < row.opened_at:
        row.opened_article_id = article_id
        row.opened_at = opened_at
    session.flush()


def store_ticket_submitted(
    session: Session, *, workspace_id: int, search_id: str, submitted_at: datetime
) -> None:
    row = _row(session, workspace_id=workspace_id, search_id=search_id)
    if row.ticket_submitted_at is None or submitted_at < row.ticket_submitted_at:
        row.ticket_submitted_at = submitted_at
    session.flush()


RECORD_SEARCH = "knowledge.record_search"
RECORD_ARTICLE_OPENED = "knowledge.record_article_opened"


def submit_search(job_queue: JobQueue, entry: SearchLogEntry) -> None:
    """Queue the search's row (a read-only request has no commit to wait for)."""
    job_queue.submit(JobRequest(RECORD_SEARCH, entry.workspace_id, entry.payload()))


def submit_opened(
    job_queue: JobQueue, *, secret: str, workspace_id: int, search_id: str, article_id: int
) -> bool:
    """Queue "article opened from this search"; False (nothing queued) for an id this
    installation did not make for this workspace."""
    if not valid_search_id(secret, workspace_id=workspace_id, search_id=search_id):
        return False
    payload = {
        "workspace_id": workspace_id,
        "search_id": search_id,
        "article_id": article_id,
        "opened_at": utcnow().isoformat(),
    }
    job_queue.submit(JobRequest(RECORD_ARTICLE_OPENED, workspace_id, payload))
    return True


def run_record_search(session: Session, payload: dict[str, Any]) -> None:
    store_search(session, SearchLogEntry.of(payload))


def run_record_opened(session: Session, payload: dict[str, Any]) -> None:
    store_opened(
        session,
        workspace_id=int(payload["workspace_id"]),
        search_id=str(payload["search_id"]),
        article_id=int(payload["article_id"]),
        opened_at=datetime.fromisoformat(payload["opened_at"]),
    )
