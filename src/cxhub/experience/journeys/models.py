"""Journey definitions (ordered stages with their rules, as JSON the editor writes whole) and
stage entries (one row each time a customer entered a stage: the current stage is the latest,
the history is the list)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, JSONType, TimestampMixin, WorkspaceScoped


class Journey(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """`stages` is the ordered list `[{"key", "name", "rules": [...]}]` (schemas.StageIn)."""

    __tablename__ = "journeys"

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    stages: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class JourneyStageEntry(IdMixin, WorkspaceScoped, Base):
    """A customer entered `stage_key` (at `position` in the journey's order) at `entered_at`,
    because of `cause` (a touchpoint, a page view, a domain event; machine words only)."""

    __tablename__ = "journey_stage_entries"
    __workspace_index__ = False
    __table_args__ = (
        Index("ix_journey_stage_entries_contact", "workspace_id", "journey_id", "contact_id"),
        Index("ix_journey_stage_entries_entered", "workspace_id", "journey_id", "entered_at"),
    )

    journey_id: Mapped[int] = mapped_column(IdType, ForeignKey("journeys.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(IdType, ForeignKey("contacts.id", ondelete="CASCADE"))
    account_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("accounts.id", ondelete="SET NULL")
    )
    stage_key: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    entered_at: Mapped[datetime] = mapped_column()
    cause: Mapped[str] = mapped_column(String(100), default="")
