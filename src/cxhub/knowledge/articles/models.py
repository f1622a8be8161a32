"""Knowledge base tables: collections, articles, their language versions, revisions, files.

An *article* is the language-independent thing a team owns and verifies (collection, owner,
audience, verification interval); each *translation* is one language version of it with its own
title, sanitised HTML body and draft/published state. Publishing a translation (and every edit
of a published one) keeps a *revision*, so the history of what customers and agents saw is
never lost.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, TimestampMixin, WorkspaceScoped, utcnow

#: Languages an article may be written in (the UI's languages; more can be added freely).
ARTICLE_LANGUAGES = ("en", "it", "zh", "id")


class Audience(StrEnum):
    INTERNAL = "internal"  # agents only
    PUBLIC = "public"  # also the public help center


class TranslationStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"


class KnowledgeCollection(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    __tablename__ = "kb_collections"
    __workspace_index__ = False
    __table_args__ = (Index("ix_kb_collections_position", "workspace_id", "position"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class KnowledgeArticle(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """`verification_due_at` = last verification (or creation) + `verify_every_days`; the
    periodic check sets `verification_flagged_at` (and reminds the owner) once it has passed."""

    __tablename__ = "kb_articles"
    __workspace_index__ = False
    __table_args__ = (
        Index("ix_kb_articles_collection", "collection_id", "workspace_id"),
        Index("ix_kb_articles_verification", "workspace_id", "verification_due_at"),
    )

    collection_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("kb_collections.id", ondelete="CASCADE")
    )
    owner_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    audience: Mapped[str] = mapped_column(String(16), default=Audience.INTERNAL.value)
    verify_every_days: Mapped[int] = mapped_column(Integer, default=90)
    verified_at: Mapped[datetime | None] = mapped_column()
    verified_by_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    verification_due_at: Mapped[datetime] = mapped_column(default=utcnow)
    verification_flagged_at: Mapped[datetime | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class ArticleTranslation(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """One language version. `revision` counts the published revisions kept so far."""

    __tablename__ = "kb_translations"
    __workspace_index__ = False
    __table_args__ = (
        UniqueConstraint("article_id", "language", name="uq_kb_translations_article_language"),
        Index("ix_kb_translations_listing", "workspace_id", "status", "language"),
    )

    article_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    body_html: Mapped[str] = mapped_column(Text, default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=TranslationStatus.DRAFT.value)
    published_at: Mapped[datetime | None] = mapped_column()
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_by_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class ArticleRevision(IdMixin, WorkspaceScoped, Base):
    """A published state of a translation, kept when it was published or edited."""

    __tablename__ = "kb_revisions"
    __workspace_index__ = False
    __table_args__ = (
        Index("ix_kb_revisions_translation", "translation_id", "workspace_id", "number"),
    )

    translation_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("kb_translations.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    body_html: Mapped[str] = mapped_column(Text, default="")
    edited_by_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleFile(IdMixin, WorkspaceScoped, Base):
    """An attachment or image of an article; bytes live content-addressed on disk."""

    __tablename__ = "kb_files"
    __workspace_index__ = False
    __table_args__ = (Index("ix_kb_files_article", "article_id", "workspace_id"),)

    article_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    is_image: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleEmbedding(WorkspaceScoped, Base):
    """The semantic vector of a published translation (float32 bytes), computed by a job."""

    __tablename__ = "kb_embeddings"
    __workspace_index__ = False
    # covers the count and latest update that tell whether a cached matrix is stale
    __table_args__ = (Index("ix_kb_embeddings_workspace", "workspace_id", "model", "updated_at"),)

    translation_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("kb_translations.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
