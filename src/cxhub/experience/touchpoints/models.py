"""The touchpoints table: one narrow row per touchpoint recorded in cxhub's system of record
(calls, meetings, mentions, survey scores, whatever another domain records through
`service.record_touchpoint`). Web visits are not copied here: they stay in the usage store
(ADR 0015) and join the analytics frame from there (ADR 0026)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, reference_index, utcnow

KIND_CALL = "call"
KIND_MEETING = "meeting"
KIND_MENTION = "mention"
KIND_PAGE_VIEW = "page_view"


class Touchpoint(IdMixin, WorkspaceScoped, Base):
    """`text` holds the customer's or the note-taker's words (call notes, the mention's text) and
    `details` the kind's own fields (direction, duration, participants, URL, author, network):
    both are personal data, blanked by erasure. `score` is a survey answer on the NPS scale
    (0-10) when the touchpoint is a survey response; `sentiment` is in [-1, 1]."""

    __tablename__ = "touchpoints"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("touchpoints", "account_id", optional=True),
        UniqueConstraint("workspace_id", "external_id"),
        Index("ix_touchpoints_occurred", "workspace_id", "occurred_at"),
        Index("ix_touchpoints_contact", "contact_id", "workspace_id", "occurred_at"),
    )

    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="CASCADE")
    )
    account_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column()
    sentiment: Mapped[float | None] = mapped_column(Float)
    score: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_type: Mapped[str | None] = mapped_column(String(64))
    source_id: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
