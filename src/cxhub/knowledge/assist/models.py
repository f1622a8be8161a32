"""Agent assist records: which article an agent linked in a reply on which ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, utcnow


class ArticleUse(IdMixin, WorkspaceScoped, Base):
    """An article used in a reply on a ticket (once per ticket and article)."""

    __tablename__ = "kb_article_uses"
    # The default workspace index stays (0034): the composites lead by a parent key, and
    # workspace-wide reads (KPIs, lists) need one led by the workspace.
    __table_args__ = (
        UniqueConstraint("ticket_id", "article_id", name="uq_kb_article_uses_ticket_article"),
        Index("ix_kb_article_uses_article", "article_id", "workspace_id"),
    )

    article_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("kb_articles.id", ondelete="CASCADE")
    )
    ticket_id: Mapped[int] = mapped_column(IdType, ForeignKey("tickets.id", ondelete="CASCADE"))
    used_by_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SolvedTicketVector(WorkspaceScoped, Base):
    """The semantic vector (float32 bytes) of a solved ticket's question — its subject and first
    message — computed by a job when the ticket is solved, so "similar solved tickets" cost one
    query embedding and a matrix product. Derived from the customer's words: erasing a contact
    deletes the vectors of their tickets (`assist.erasure`)."""

    __tablename__ = "kb_ticket_vectors"
    __workspace_index__ = False
    # covers the count and latest update that tell whether a cached matrix is stale
    __table_args__ = (
        Index("ix_kb_ticket_vectors_workspace", "workspace_id", "model", "updated_at"),
    )

    ticket_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
