"""Article verification (as Guru does it): each article is re-confirmed by its owner every
`verify_every_days`. A periodic job flags the articles whose time has come and reminds each
owner once (an in-app notification, and an e-mail when the workspace has a mailbox); agents see
the flag on every list, search result and article page until someone verifies the article.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.errors import NotFound
from cxhub.core.events import publish
from cxhub.knowledge.articles.events import ArticleVerificationDue
from cxhub.knowledge.articles.models import ArticleTranslation, KnowledgeArticle
from cxhub.people.service import get_user
from cxhub.service.automations.notifications import notify_user
from cxhub.service.mail.outbound import queue_system_email

#: Articles handled per run; the next run continues (the job runs every hour).
BATCH = 500


def _title(session: Session, article: KnowledgeArticle) -> str:
    titles = dict(
        session.execute(
            select(ArticleTranslation.language, ArticleTranslation.title).where(
                ArticleTranslation.article_id == article.id
            )
        ).all()
    )
    return titles.get("en") or next(iter(titles.values()), f"#{article.id}")


def _remind(session: Session, article: KnowledgeArticle) -> None:
    if article.owner_id is None:
        return
    try:
        owner = get_user(session, user_id=article.owner_id)
    except NotFound:
        return
    if not owner.is_active:
        return
    title = _title(session, article)
    subject = f"Please verify the article “{title}”"
    body = (
        f"The article “{title}” is due for verification (every {article.verify_every_days} "
        f"days). Open /knowledge/articles/{article.id} and confirm it is still correct."
    )
    notify_user(
        session, workspace_id=article.workspace_id, user_id=owner.id, subject=subject, body=body
    )
    queue_system_email(
        session,
        workspace_id=article.workspace_id,
        kind="kb_verification",
        to=owner.email,
        subject=subject,
        text=body,
    )


def flag_due_articles(session: Session, *, now: datetime) -> list[int]:
    """Flag the articles whose verification is due and not yet flagged; remind their owners.
    Answers the ids flagged by this run (a later run does not remind again)."""
    due = session.scalars(
        select(KnowledgeArticle)
        .where(
            KnowledgeArticle.verification_due_at <= now,
            KnowledgeArticle.verification_flagged_at.is_(None),
        )
        .order_by(KnowledgeArticle.verification_due_at, KnowledgeArticle.id)
        .limit(BATCH)
    ).all()
    for article in due:
        article.verification_flagged_at = now
        _remind(session, article)
        publish(
            session,
            ArticleVerificationDue(
                workspace_id=article.workspace_id,
                article_id=article.id,
                owner_id=article.owner_id,
            ),
        )
    session.flush()
    return [article.id for article in due]
