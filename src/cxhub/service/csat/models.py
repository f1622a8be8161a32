"""CSAT requests and ratings: one row per solved ticket that was surveyed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, utcnow


class CsatSurvey(IdMixin, WorkspaceScoped, Base):
    """Sent when the ticket was solved; answered (score 1–5) through a one-click link."""

    __tablename__ = "csat_surveys"
    __workspace_index__ = False
    __table_args__ = (
        UniqueConstraint("ticket_id"),
        UniqueConstraint("token_sha256"),
        Index("ix_csat_surveys_contact", "contact_id", "workspace_id", "requested_at"),
        Index("ix_csat_surveys_rated", "workspace_id", "rated_at"),
    )

    ticket_id: Mapped[int] = mapped_column(IdType, ForeignKey("tickets.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    assignee_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    # Only a hash is stored: the link in the e-mail is the customer's capability to answer.
    token_sha256: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16), default="email")
