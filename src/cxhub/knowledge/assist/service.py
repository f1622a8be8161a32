"""Agent assist: articles suggested for a ticket, and which articles agents use in replies.

A use is recorded when an agent's reply links an article (`/knowledge/articles/<id>` or a help
center link `/help/<workspace>/articles/<id>`): the ticket workspace's "insert link" button
puts such a link in the reply, and links typed by hand count as well. The tickets domain is not
changed for this: the knowledge domain reacts to its `ticket.message_added` event (ADR 0003).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.knowledge.articles.models import ARTICLE_LANGUAGES, KnowledgeArticle
from cxhub.knowledge.assist.models import ArticleUse
from cxhub.knowledge.search.service import ArticleHit, SearchMode, search_articles
from cxhub.service.tickets.models import AuthorKind, TicketMessage
from cxhub.service.tickets.service import get_ticket

ARTICLE_LINK = re.compile(r"/(?:knowledge|help/[A-Za-z0-9_.-]+)/articles/(\d{1,18})\b")
QUERY_CHARS = 600


def ticket_question(session: Session, *, ticket_id: int) -> tuple[str, str | None]:
    """The text suggestions are searched with (subject and first message) and the ticket's
    language when it is one articles are written in."""
    ticket = get_ticket(session, ticket_id=ticket_id)
    first = session.scalar(
        select(TicketMessage.body_text)
        .where(TicketMessage.ticket_id == ticket.id)
        .order_by(TicketMessage.created_at, TicketMessage.id)
        .limit(1)
    )
    text = f"{ticket.subject}\n{first or ''}"[:QUERY_CHARS]
    language = ticket.language if ticket.language in ARTICLE_LANGUAGES else None
    return text, language


def suggest_for_ticket(
    session: Session, *, workspace_id: int, ticket_id: int, limit: int = 5
) -> list[ArticleHit]:
    """Internal and public articles for the ticket, in its language when articles exist in it,
    else in any language."""
    text, language = ticket_question(session, ticket_id=ticket_id)
    hits = search_articles(
        session, workspace_id=workspace_id, query=text, language=language, mode=SearchMode.HYBRID,
        limit=limit,
    ).hits  # fmt: skip
    if not hits and language is not None:
        hits = search_articles(
            session, workspace_id=workspace_id, query=text, mode=SearchMode.HYBRID, limit=limit
        ).hits
    return hits


def record_article_use(
    session: Session, *, workspace_id: int, ticket_id: int, article_id: int, used_by_id: int | None
) -> bool:
    """Record that an article was used on a ticket; False when it already was (or is gone)."""
    if session.scalar(select(KnowledgeArticle.id).where(KnowledgeArticle.id == article_id)) is None:
        return False
    exists = session.scalar(
        select(ArticleUse.id).where(
            ArticleUse.ticket_id == ticket_id, ArticleUse.article_id == article_id
        )
    )
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                ArticleUse(
                    workspace_id=workspace_id,
                    ticket_id=ticket_id,
                    article_id=article_id,
                    used_by_id=used_by_id,
                )
            )
    except IntegrityError:  # a concurrent request recorded it first
        return False
    return True


def linked_article_ids(body: str) -> list[int]:
    return list(dict.fromkeys(int(match) for match in ARTICLE_LINK.findall(body)))


@dataclass(frozen=True)
class LinkedArticles:
    """The articles an agent's message links, with what a use records."""

    ticket_id: int
    author_user_id: int | None
    article_ids: list[int]


def articles_linked_by(session: Session, *, message_id: int) -> LinkedArticles | None:
    """The articles an agent's message links; None for another author's message or one that
    links none (most replies). Split from the recording so that the job can read this in a
    read-only session: a message linking nothing then never takes SQLite's write lock."""
    row = session.execute(
        select(
            TicketMessage.author_kind,
            TicketMessage.body_text,
            TicketMessage.body_html,
            TicketMessage.ticket_id,
            TicketMessage.author_user_id,
        ).where(TicketMessage.id == message_id)
    ).one_or_none()
    if row is None or row.author_kind != AuthorKind.AGENT:
        return None
    article_ids = linked_article_ids(f"{row.body_text}\n{row.body_html or ''}")
    if not article_ids:
        return None
    return LinkedArticles(row.ticket_id, row.author_user_id, article_ids)


def record_linked_uses(session: Session, *, workspace_id: int, linked: LinkedArticles) -> int:
    """Record a use for each article a message links; answers how many were new."""
    return sum(
        record_article_use(
            session,
            workspace_id=workspace_id,
            ticket_id=linked.ticket_id,
            article_id=article_id,
            used_by_id=linked.author_user_id,
        )
        for article_id in linked.article_ids
    )
