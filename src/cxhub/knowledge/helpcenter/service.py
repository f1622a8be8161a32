"""Help center use cases: public reading, searches and their deflection outcome, votes.

Deflection is measured per *search session*: every search or suggestion request is a
`KnowledgeSearch` row with a random `search_id`; the article opened from its results is
recorded against it, and the customer portal calls `record_ticket_submitted` when the customer
submits a ticket after seeing the suggestions. A session with an article opened and no ticket
submitted counts as deflected (docs/metrics.md).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound
from cxhub.core.tenancy import Workspace
from cxhub.knowledge.articles.models import (
    ARTICLE_LANGUAGES,
    ArticleTranslation,
    Audience,
    KnowledgeArticle,
    KnowledgeCollection,
    TranslationStatus,
)
from cxhub.knowledge.helpcenter.models import ArticleVote, KnowledgeSearch
from cxhub.knowledge.helpcenter.search_log import SearchLogEntry, new_search_id
from cxhub.knowledge.search.index import query_tokens
from cxhub.knowledge.search.service import SearchMode, SearchOutcome, search_articles
from cxhub.people.service import get_workspace_by_slug
from cxhub.service.tickets.search_text import fold

log = logging.getLogger(__name__)

MAX_SLUG_CHARS = 100
MAX_STORED_QUERY_CHARS = 500


class SearchSource:
    HELP_CENTER = "helpcenter"
    SUGGEST = "suggest"
    AGENT = "agent"


def open_help_center(session: Session, slug: str) -> Workspace:
    """The workspace of a public help center; scopes `session` to it (no sign-in here)."""
    workspace = get_workspace_by_slug(session, slug[:MAX_SLUG_CHARS])
    session.info["workspace_id"] = workspace.id
    return workspace


def visitor_language(requested: str | None, fallback: str) -> str:
    if requested in ARTICLE_LANGUAGES:
        return str(requested)
    return fallback if fallback in ARTICLE_LANGUAGES else "en"


def normalise_query(query: str) -> str:
    """The key searches are grouped by: folded, tokens (CJK as bigrams) in order, deduplicated,
    so "Card  declined!" and "card declined" are one knowledge gap."""
    return " ".join(query_tokens(fold(query)))[:200]


def record_search(
    session: Session,
    *,
    workspace_id: int,
    query: str,
    language: str,
    source: str,
    result_count: int,
    now: datetime | None = None,
) -> KnowledgeSearch:
    row = KnowledgeSearch(
        workspace_id=workspace_id,
        public_id=secrets.token_hex(16),
        source=source,
        query=query[:MAX_STORED_QUERY_CHARS],
        query_key=normalise_query(query),
        language=language,
        result_count=result_count,
        created_at=now or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def search_for_log(
    session: Session,
    *,
    workspace_id: int,
    query: str,
    language: str | None,
    source: str,
    public_only: bool,
    secret: str,
    limit: int = 5,
    mode: SearchMode = SearchMode.HYBRID,
) -> tuple[SearchOutcome, SearchLogEntry]:
    """Search, and describe the `kb_searches` row to record — without writing it: the caller
    hands the entry to the `knowledge.record_search` job, so the GET stays read-only."""
    outcome = search_articles(
        session,
        workspace_id=workspace_id,
        query=query,
        language=language,
        public_only=public_only,
        mode=mode,
        limit=limit,
    )
    if not outcome.hits and language:
        # nothing written in the visitor's language: an answer in another one beats none
        outcome = search_articles(
            session,
            workspace_id=workspace_id,
            query=query,
            public_only=public_only,
            mode=mode,
            limit=limit,
        )
    entry = SearchLogEntry(
        workspace_id=workspace_id,
        public_id=new_search_id(secret, workspace_id=workspace_id),
        source=source,
        query=query[:MAX_STORED_QUERY_CHARS],
        query_key=normalise_query(query),
        language=language or "",
        result_count=len(outcome.hits),
        created_at=utcnow(),
    )
    return outcome, entry


def _search(session: Session, *, workspace_id: int, search_id: str) -> KnowledgeSearch | None:
    return session.scalar(
        select(KnowledgeSearch).where(
            KnowledgeSearch.public_id == search_id[:32],
            KnowledgeSearch.workspace_id == workspace_id,
        )
    )


def record_article_opened(
    session: Session, *, workspace_id: int, search_id: str, article_id: int
) -> bool:
    """Remember the first article opened from a search's results; False for an unknown id."""
    row = _search(session, workspace_id=workspace_id, search_id=search_id)
    if row is None:
        return False
    if row.opened_article_id is None:
        row.opened_article_id = article_id
        row.opened_at = utcnow()
        session.flush()
    return True


def record_ticket_submitted(session: Session, *, workspace_id: int, search_id: str) -> None:
    """The customer portal reports that a ticket was submitted after the suggestions of
    `search_id`: that session was not deflected. Idempotent; an unknown or foreign id is
    ignored (logged), so a stale id never blocks a customer's ticket."""
    row = _search(session, workspace_id=workspace_id, search_id=search_id)
    if row is None:
        log.info("ticket submitted after unknown search %r", search_id[:32])
        return
    if row.ticket_submitted_at is None:
        row.ticket_submitted_at = utcnow()
        session.flush()


# public reading -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicCollection:
    collection: KnowledgeCollection
    articles: list[ArticleTranslation]


def _public_translations(language: str) -> Select[ArticleTranslation]:
    return (
        select(ArticleTranslation)
        .join(KnowledgeArticle, KnowledgeArticle.id == ArticleTranslation.article_id)
        .where(
            KnowledgeArticle.audience == Audience.PUBLIC.value,
            ArticleTranslation.status == TranslationStatus.PUBLISHED.value,
            ArticleTranslation.language == language,
        )
    )


def public_collections(session: Session, *, language: str) -> list[PublicCollection]:
    """Collections with their public articles in `language` (empty collections left out)."""
    rows = session.execute(
        _public_translations(language)
        .add_columns(KnowledgeArticle.collection_id)
        .order_by(ArticleTranslation.title)
    ).all()
    by_collection: dict[int, list[ArticleTranslation]] = {}
    for translation, collection_id in rows:
        by_collection.setdefault(collection_id, []).append(translation)
    collections = session.scalars(
        select(KnowledgeCollection)
        .where(KnowledgeCollection.id.in_(list(by_collection)))
        .order_by(KnowledgeCollection.position, KnowledgeCollection.id)
    ).all()
    return [PublicCollection(c, by_collection[c.id]) for c in collections]


def public_article(
    session: Session, *, article_id: int, language: str
) -> tuple[KnowledgeArticle, ArticleTranslation]:
    """A public published article in `language`, else in English, else any language."""
    article = session.scalar(
        select(KnowledgeArticle).where(
            KnowledgeArticle.id == article_id, KnowledgeArticle.audience == Audience.PUBLIC.value
        )
    )
    if article is None:
        raise NotFound(f"article {article_id} not found")
    versions = {
        t.language: t
        for t in session.scalars(
            select(ArticleTranslation).where(
                ArticleTranslation.article_id == article.id,
                ArticleTranslation.status == TranslationStatus.PUBLISHED.value,
            )
        )
    }
    chosen = versions.get(language) or versions.get("en") or next(iter(versions.values()), None)
    if chosen is None:
        raise NotFound(f"article {article_id} not found")
    return article, chosen


def record_vote(
    session: Session, *, workspace_id: int, article_id: int, language: str, helpful: bool
) -> ArticleVote:
    row = ArticleVote(
        workspace_id=workspace_id, article_id=article_id, language=language, helpful=helpful
    )
    session.add(row)
    session.flush()
    return row


def vote_counts(session: Session, *, article_id: int) -> tuple[int, int]:
    """(helpful, not helpful) votes of an article."""
    rows = dict(
        session.execute(
            select(ArticleVote.helpful, func.count())
            .where(ArticleVote.article_id == article_id)
            .group_by(ArticleVote.helpful)
        ).all()
    )
    return int(rows.get(True, 0)), int(rows.get(False, 0))
