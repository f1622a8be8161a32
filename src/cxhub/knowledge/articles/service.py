"""Knowledge article use cases. No commits: the request or job edge commits (ADR 0002).

Bodies are sanitised with the same allow-list as HTML ticket messages (agents paste content
from anywhere, and public articles reach visitors' browsers). Publishing a language version,
and every edit of a published one, keeps a revision, re-indexes it for keyword search in the
same transaction and asks a job to compute its semantic vector once the change is committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.core.jobs import enqueue
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.knowledge.articles.events import ArticleDeleted, ArticlePublished
from cxhub.knowledge.articles.models import (
    ARTICLE_LANGUAGES,
    ArticleRevision,
    ArticleTranslation,
    Audience,
    KnowledgeArticle,
    KnowledgeCollection,
    TranslationStatus,
)
from cxhub.knowledge.articles.schemas import (
    ArticleCreate,
    ArticleUpdate,
    CollectionCreate,
    CollectionUpdate,
    TranslationWrite,
)
from cxhub.knowledge.search import index
from cxhub.people.service import get_user
from cxhub.service.mail.html_text import html_to_text, sanitise_html

#: Job computing the semantic vector of a published translation (knowledge/search/tasks.py).
EMBED_TRANSLATION = "knowledge.embed_translation"

ARTICLE_SORTS = {"id": KnowledgeArticle.id, "updated_at": KnowledgeArticle.updated_at}


# collections --------------------------------------------------------------------------------
def create_collection(
    session: Session, *, workspace_id: int, data: CollectionCreate
) -> KnowledgeCollection:
    row = KnowledgeCollection(workspace_id=workspace_id, **data.model_dump())
    session.add(row)
    session.flush()
    return row


def get_collection(session: Session, *, collection_id: int) -> KnowledgeCollection:
    row = session.scalar(select(KnowledgeCollection).where(KnowledgeCollection.id == collection_id))
    if row is None:
        raise NotFound(f"collection {collection_id} not found")
    return row


def list_collections(session: Session) -> Sequence[KnowledgeCollection]:
    return session.scalars(
        select(KnowledgeCollection).order_by(KnowledgeCollection.position, KnowledgeCollection.id)
    ).all()


def update_collection(
    session: Session, *, collection_id: int, data: CollectionUpdate
) -> KnowledgeCollection:
    row = get_collection(session, collection_id=collection_id)
    for name, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, name, value)
    session.flush()
    return row


def delete_collection(session: Session, *, collection_id: int) -> None:
    """Delete the collection with its articles (their index entries go with them)."""
    row = get_collection(session, collection_id=collection_id)
    article_ids = session.scalars(
        select(KnowledgeArticle.id).where(KnowledgeArticle.collection_id == row.id)
    ).all()
    for article_id in article_ids:
        delete_article(session, article_id=article_id)
    session.delete(row)
    session.flush()


# articles -----------------------------------------------------------------------------------
def _check_language(language: str) -> str:
    if language not in ARTICLE_LANGUAGES:
        raise ValidationFailed(
            f"language must be one of {', '.join(ARTICLE_LANGUAGES)}",
            field="language",
            allowed=list(ARTICLE_LANGUAGES),
        )
    return language


def _check_owner(session: Session, owner_id: int | None) -> None:
    if owner_id is None:
        return
    try:
        user = get_user(session, user_id=owner_id)
    except NotFound:
        raise ValidationFailed(
            f"owner {owner_id} is not a user of this workspace", field="owner_id"
        ) from None
    if not user.is_active:
        raise ValidationFailed(f"owner {owner_id} is deactivated", field="owner_id")


def _check_collection(session: Session, collection_id: int) -> None:
    try:
        get_collection(session, collection_id=collection_id)
    except NotFound:
        raise ValidationFailed(
            f"collection {collection_id} is not a collection of this workspace",
            field="collection_id",
        ) from None


def create_article(
    session: Session,
    *,
    workspace_id: int,
    data: ArticleCreate,
    created_by_id: int | None,
    now: datetime | None = None,
) -> KnowledgeArticle:
    """A new article with its first language version; the owner defaults to the creator."""
    _check_language(data.language)
    _check_collection(session, data.collection_id)
    owner_id = data.owner_id if data.owner_id is not None else created_by_id
    _check_owner(session, owner_id)
    now = now or utcnow()
    article = KnowledgeArticle(
        workspace_id=workspace_id,
        collection_id=data.collection_id,
        owner_id=owner_id,
        audience=data.audience.value,
        verify_every_days=data.verify_every_days,
        verification_due_at=now + timedelta(days=data.verify_every_days),
        created_by_id=created_by_id,
        created_at=now,
        updated_at=now,
    )
    session.add(article)
    session.flush()
    write_translation(
        session,
        article=article,
        language=data.language,
        data=TranslationWrite(title=data.title, body_html=data.body_html, publish=data.publish),
        by_user_id=created_by_id,
        now=now,
    )
    return article


def get_article(session: Session, *, article_id: int) -> KnowledgeArticle:
    row = session.scalar(select(KnowledgeArticle).where(KnowledgeArticle.id == article_id))
    if row is None:
        raise NotFound(f"article {article_id} not found")
    return row


def translations_of(session: Session, *, article_id: int) -> list[ArticleTranslation]:
    return list(
        session.scalars(
            select(ArticleTranslation)
            .where(ArticleTranslation.article_id == article_id)
            .order_by(ArticleTranslation.language)
        )
    )


def list_articles(
    session: Session,
    *,
    page: PageRequest,
    collection_id: int | None = None,
    audience: Audience | None = None,
    needs_verification: bool | None = None,
    owner_id: int | None = None,
    now: datetime | None = None,
) -> Page[KnowledgeArticle]:
    statement: Select[tuple[KnowledgeArticle]] = select(KnowledgeArticle)
    if collection_id is not None:
        statement = statement.where(KnowledgeArticle.collection_id == collection_id)
    if audience is not None:
        statement = statement.where(KnowledgeArticle.audience == audience.value)
    if owner_id is not None:
        statement = statement.where(KnowledgeArticle.owner_id == owner_id)
    if needs_verification is not None:
        due = KnowledgeArticle.verification_due_at <= (now or utcnow())
        statement = statement.where(due if needs_verification else ~due)
    return paginate(
        session,
        statement,
        request=page,
        sortable=ARTICLE_SORTS,
        id_column=KnowledgeArticle.id,
        default_sort="-updated_at",
    )


def update_article(
    session: Session, *, article_id: int, data: ArticleUpdate, now: datetime | None = None
) -> KnowledgeArticle:
    article = get_article(session, article_id=article_id)
    fields = data.model_dump(exclude_unset=True)
    if fields.get("collection_id") is not None:
        _check_collection(session, fields["collection_id"])
        article.collection_id = fields["collection_id"]
    if "owner_id" in fields:
        _check_owner(session, fields["owner_id"])
        article.owner_id = fields["owner_id"]
    if fields.get("audience") is not None and fields["audience"] != article.audience:
        article.audience = Audience(fields["audience"]).value
    if fields.get("verify_every_days") is not None:
        article.verify_every_days = fields["verify_every_days"]
        since = article.verified_at or article.created_at
        article.verification_due_at = since + timedelta(days=article.verify_every_days)
        if article.verification_due_at > (now or utcnow()):
            article.verification_flagged_at = None
    article.updated_at = now or utcnow()
    session.flush()
    return article


def delete_article(session: Session, *, article_id: int) -> None:
    article = get_article(session, article_id=article_id)
    for translation in translations_of(session, article_id=article.id):
        index.drop_translation(session, translation_id=translation.id)
    publish(session, ArticleDeleted(workspace_id=article.workspace_id, article_id=article.id))
    session.execute(delete(ArticleTranslation).where(ArticleTranslation.article_id == article.id))
    session.delete(article)
    session.flush()


def verify_article(
    session: Session, *, article_id: int, by_user_id: int | None, now: datetime | None = None
) -> KnowledgeArticle:
    """The owner (or any editor) confirms the content is still right: the clock restarts."""
    article = get_article(session, article_id=article_id)
    now = now or utcnow()
    article.verified_at = now
    article.verified_by_id = by_user_id
    article.verification_due_at = now + timedelta(days=article.verify_every_days)
    article.verification_flagged_at = None
    session.flush()
    return article


# language versions --------------------------------------------------------------------------
def get_translation(session: Session, *, article_id: int, language: str) -> ArticleTranslation:
    row = session.scalar(
        select(ArticleTranslation).where(
            ArticleTranslation.article_id == article_id, ArticleTranslation.language == language
        )
    )
    if row is None:
        raise NotFound(f"article {article_id} has no {language!r} version")
    return row


def write_translation(
    session: Session,
    *,
    article: KnowledgeArticle,
    language: str,
    data: TranslationWrite,
    by_user_id: int | None,
    now: datetime | None = None,
) -> ArticleTranslation:
    """Create or replace one language version. A published version stays published when
    edited (each edit is a new revision); `publish` publishes a draft."""
    _check_language(language)
    now = now or utcnow()
    translation = session.scalar(
        select(ArticleTranslation).where(
            ArticleTranslation.article_id == article.id, ArticleTranslation.language == language
        )
    )
    if translation is None:
        translation = ArticleTranslation(
            workspace_id=article.workspace_id,
            article_id=article.id,
            language=language,
            status=TranslationStatus.DRAFT.value,
            revision=0,
            created_at=now,
        )
        session.add(translation)
    body_html = sanitise_html(data.body_html)
    translation.title = data.title.strip()
    translation.body_html = body_html
    translation.body_text = html_to_text(body_html) if body_html else ""
    translation.updated_by_id = by_user_id
    translation.updated_at = now
    article.updated_at = now
    session.flush()
    if data.publish or translation.status == TranslationStatus.PUBLISHED.value:
        _publish(session, article=article, translation=translation, by_user_id=by_user_id, now=now)
    return translation


def _publish(
    session: Session,
    *,
    article: KnowledgeArticle,
    translation: ArticleTranslation,
    by_user_id: int | None,
    now: datetime,
) -> None:
    translation.status = TranslationStatus.PUBLISHED.value
    translation.published_at = now
    translation.revision += 1
    session.add(
        ArticleRevision(
            workspace_id=article.workspace_id,
            translation_id=translation.id,
            number=translation.revision,
            title=translation.title,
            body_html=translation.body_html,
            edited_by_id=by_user_id,
            created_at=now,
        )
    )
    session.flush()
    index.index_translation(session, translation=translation)
    enqueue(
        session,
        EMBED_TRANSLATION,
        workspace_id=article.workspace_id,
        payload={"translation_id": translation.id},
    )
    publish(
        session,
        ArticlePublished(
            workspace_id=article.workspace_id,
            article_id=article.id,
            translation_id=translation.id,
            language=translation.language,
            revision=translation.revision,
        ),
    )


def publish_translation(
    session: Session, *, article_id: int, language: str, by_user_id: int | None
) -> ArticleTranslation:
    article = get_article(session, article_id=article_id)
    translation = get_translation(session, article_id=article.id, language=language)
    if translation.status != TranslationStatus.PUBLISHED.value:
        _publish(session, article=article, translation=translation, by_user_id=by_user_id,
                 now=utcnow())  # fmt: skip
    return translation


def unpublish_translation(
    session: Session, *, article_id: int, language: str
) -> ArticleTranslation:
    """Back to draft: no longer found by search nor shown in the help center."""
    translation = get_translation(session, article_id=article_id, language=language)
    translation.status = TranslationStatus.DRAFT.value
    index.drop_translation(session, translation_id=translation.id)
    session.flush()
    return translation


def list_revisions(session: Session, *, article_id: int, language: str) -> list[ArticleRevision]:
    translation = get_translation(session, article_id=article_id, language=language)
    return list(
        session.scalars(
            select(ArticleRevision)
            .where(ArticleRevision.translation_id == translation.id)
            .order_by(ArticleRevision.number.desc())
        )
    )
