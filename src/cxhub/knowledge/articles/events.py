"""Events the knowledge articles sub-domain publishes (documented in docs/events.md)."""

from __future__ import annotations

from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class ArticlePublished(DomainEvent):
    """A language version was published, or a published one was edited (a new revision)."""

    name: ClassVar[str] = "knowledge.article_published"
    article_id: int
    translation_id: int
    language: str
    revision: int


@domain_event
class ArticleVerificationDue(DomainEvent):
    """An article's verification interval has passed; its owner has been reminded."""

    name: ClassVar[str] = "knowledge.article_verification_due"
    article_id: int
    owner_id: int | None


@domain_event
class ArticleDeleted(DomainEvent):
    name: ClassVar[str] = "knowledge.article_deleted"
    article_id: int
