"""Text analysis results: one row per analysed piece of customer text, and the workspace's
choice of analysis mode.

The rows are personal data derived from a person's words (privacy/coverage.py): erasing a contact
deletes their rows (`erasure.delete_analyses`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, utcnow

SOURCE_TICKET_MESSAGE = "ticket_message"
SOURCE_CSAT_COMMENT = "csat_comment"


class TextAnalysisRecord(IdMixin, WorkspaceScoped, Base):
    """`source_type`/`source_id` name the analysed text (a customer's ticket message or CSAT
    comment today; survey comments and mentions later); `ticket_id`, `contact_id` and `account_id` are copies for reading by ticket or person."""

    __tablename__ = "text_analyses"
    __workspace_index__ = False
    __table_args__ = (
        UniqueConstraint("workspace_id", "source_type", "source_id"),
        Index("ix_text_analyses_ticket", "ticket_id", "workspace_id"),
        Index("ix_text_analyses_contact", "contact_id", "workspace_id", "text_written_at"),
        Index("ix_text_analyses_account", "account_id", "workspace_id", "text_written_at"),
    )

    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[int] = mapped_column(IdType)
    ticket_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("tickets.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="CASCADE")
    )
    account_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(16))
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)
    topics: Mapped[list[str]] = mapped_column(default=list)
    mode: Mapped[str] = mapped_column(String(16))
    model_version: Mapped[str] = mapped_column(String(32))
    text_written_at: Mapped[datetime] = mapped_column(default=utcnow)
    analysed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TextAnalyticsSettings(IdMixin, WorkspaceScoped, Base):
    """The analysis mode a workspace chose (`fast` when no row exists)."""

    __tablename__ = "text_analytics_settings"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id"),)

    mode: Mapped[str] = mapped_column(String(16), default="fast")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
