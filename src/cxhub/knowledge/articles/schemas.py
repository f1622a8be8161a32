"""Request and response shapes of the knowledge base API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from cxhub.knowledge.articles.models import (
    ArticleFile,
    ArticleRevision,
    ArticleTranslation,
    Audience,
    KnowledgeArticle,
    KnowledgeCollection,
    TranslationStatus,
)

Language = str  # validated against ARTICLE_LANGUAGES by the service


class CollectionCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    position: int = Field(default=0, ge=0, le=100_000)


class CollectionUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    position: int | None = Field(default=None, ge=0, le=100_000)


class CollectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    description: str
    position: int

    @classmethod
    def of(cls, row: KnowledgeCollection) -> CollectionOut:
        return cls.model_validate(row)


class TranslationWrite(BaseModel):
    """A language version's content; `publish` makes it visible (and keeps a revision)."""

    title: str = Field(min_length=1, max_length=300)
    body_html: str = Field(default="", max_length=500_000)
    publish: bool = False


class ArticleCreate(BaseModel):
    collection_id: int
    audience: Audience = Audience.INTERNAL
    owner_id: int | None = None
    verify_every_days: int = Field(default=90, ge=1, le=3650)
    language: str = Field(default="en", max_length=8)
    title: str = Field(min_length=1, max_length=300)
    body_html: str = Field(default="", max_length=500_000)
    publish: bool = False


class ArticleUpdate(BaseModel):
    collection_id: int | None = None
    audience: Audience | None = None
    owner_id: int | None = None
    verify_every_days: int | None = Field(default=None, ge=1, le=3650)


class TranslationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    language: str
    title: str
    body_html: str
    status: TranslationStatus
    published_at: datetime | None
    revision: int
    updated_at: datetime

    @classmethod
    def of(cls, row: ArticleTranslation) -> TranslationOut:
        return cls.model_validate(row)


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    number: int
    title: str
    body_html: str
    edited_by_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, row: ArticleRevision) -> RevisionOut:
        return cls.model_validate(row)


class FileOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    filename: str
    content_type: str
    size_bytes: int
    is_image: bool
    url: str

    @classmethod
    def of(cls, row: ArticleFile) -> FileOut:
        return cls(
            id=row.id,
            filename=row.filename,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            is_image=row.is_image,
            url=f"/api/v1/knowledge/files/{row.id}",
        )


class ArticleOut(BaseModel):
    id: int
    collection_id: int
    audience: Audience
    owner_id: int | None
    verify_every_days: int
    verified_at: datetime | None
    verification_due_at: datetime
    #: True once the verification interval has passed without a re-verification.
    needs_verification: bool
    translations: list[TranslationOut]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(
        cls, row: KnowledgeArticle, translations: list[ArticleTranslation], *, now: datetime
    ) -> ArticleOut:
        return cls(
            id=row.id,
            collection_id=row.collection_id,
            audience=Audience(row.audience),
            owner_id=row.owner_id,
            verify_every_days=row.verify_every_days,
            verified_at=row.verified_at,
            verification_due_at=row.verification_due_at,
            needs_verification=row.verification_due_at <= now,
            translations=[TranslationOut.of(t) for t in translations],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
