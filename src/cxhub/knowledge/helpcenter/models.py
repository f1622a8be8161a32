"""What visitors do in the help center: searches (with deflection outcome) and votes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, reference_index, utcnow


class KnowledgeSearch(IdMixin, WorkspaceScoped, Base):
    """One search or suggestion request. `public_id` is the `search_id` handed to the portal;
    `opened_article_id` is the first article opened from its results and `ticket_submitted_at`
    is set when the portal reports a ticket submitted after it (docs/metrics.md: deflection)."""

    __tablename__ = "kb_searches"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("kb_searches", "opened_article_id", optional=True),
        Index("ix_kb_searches_public", "public_id", unique=True),
        Index("ix_kb_searches_created", "workspace_id", "created_at"),
    )

    public_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    query: Mapped[str] = mapped_column(Text, default="")
    query_key: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8))
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    opened_article_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("kb_articles.id", ondelete="SET NULL")
    )
    opened_at: Mapped[datetime | None] = mapped_column()
    ticket_submitted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArticleVote(IdMixin, WorkspaceScoped, Base):
    """A "was this helpful?" answer on a public article page (anonymous, rate-limited)."""

    __tablename__ = "kb_votes"
    # The default workspace index stays (0034): the composites lead by a parent key, and
    # workspace-wide reads (KPIs, lists) need one led by the workspace.
    __table_args__ = (Index("ix_kb_votes_article", "article_id", "workspace_id"),)

    article_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    language: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
