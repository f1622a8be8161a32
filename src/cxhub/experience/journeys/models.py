"""Journey definitions (ordered stages with their rules, as JSON the editor writes whole) and
stage entries (one row each time a customer entered a stage: the current stage is the latest,
the history is the list)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import (
    Base,
    IdMixin,
    IdType,
    JSONType,
    TimestampMixin,
    WorkspaceScoped,
    reference_index,
)


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
        reference_index("journey_stage_entries", "contact_id", optional=False),
        reference_index("journey_stage_entries", "account_id", optional=True),
        Index("ix_journey_stage_entries_contact", "journey_id", "workspace_id", "contact_id"),
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


class JourneyPathPrefix(IdMixin, WorkspaceScoped, Base):
    """The path-prefix rollup (ADR 0030): a customer's first ten collapsed touchpoint steps
    (`step_n` the touchpoint kind, `step_n_at` when the step started; NULL past the path's
    end), when their path started, and their latest touchpoint in path order (`last_at`,
    `last_label`). Maintained by `paths.py` as touchpoints arrive and rebuilt by
    `cxhub journeys rebuild-paths`; the paths query groups these rows. One row per contact (not
    a unique key: a merge re-points the loser's row until the merge job recomputes the winner)."""

    __tablename__ = "journey_path_prefixes"
    __workspace_index__ = False
    __table_args__ = (
        Index("ix_journey_path_prefixes_contact", "contact_id", "workspace_id"),
        Index("ix_journey_path_prefixes_started", "workspace_id", "started_at"),
    )

    contact_id: Mapped[int] = mapped_column(IdType, ForeignKey("contacts.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column()
    step_count: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime] = mapped_column()
    last_label: Mapped[str] = mapped_column(String(64))
    step_0: Mapped[str | None] = mapped_column(String(64))
    step_0_at: Mapped[datetime | None] = mapped_column()
    step_1: Mapped[str | None] = mapped_column(String(64))
    step_1_at: Mapped[datetime | None] = mapped_column()
    step_2: Mapped[str | None] = mapped_column(String(64))
    step_2_at: Mapped[datetime | None] = mapped_column()
    step_3: Mapped[str | None] = mapped_column(String(64))
    step_3_at: Mapped[datetime | None] = mapped_column()
    step_4: Mapped[str | None] = mapped_column(String(64))
    step_4_at: Mapped[datetime | None] = mapped_column()
    step_5: Mapped[str | None] = mapped_column(String(64))
    step_5_at: Mapped[datetime | None] = mapped_column()
    step_6: Mapped[str | None] = mapped_column(String(64))
    step_6_at: Mapped[datetime | None] = mapped_column()
    step_7: Mapped[str | None] = mapped_column(String(64))
    step_7_at: Mapped[datetime | None] = mapped_column()
    step_8: Mapped[str | None] = mapped_column(String(64))
    step_8_at: Mapped[datetime | None] = mapped_column()
    step_9: Mapped[str | None] = mapped_column(String(64))
    step_9_at: Mapped[datetime | None] = mapped_column()
