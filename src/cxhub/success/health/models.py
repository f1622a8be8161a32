"""Health tables: scorecard definitions and one score per account per day."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import (
    Base,
    IdMixin,
    IdType,
    TimestampMixin,
    WorkspaceScoped,
    reference_index,
    utcnow,
)


class HealthScorecard(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """`definition` is an `analytics.health.Scorecard` as JSON, validated on every write."""

    __tablename__ = "health_scorecards"
    __workspace_index__ = False
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    name: Mapped[str] = mapped_column(String(120))
    definition: Mapped[dict[str, Any]] = mapped_column()
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class AccountHealthScore(IdMixin, WorkspaceScoped, Base):
    """The score of one account on one day by one scorecard; `score` is None when the data
    covered less than the scorecard's minimum. `components` is the scored breakdown."""

    __tablename__ = "account_health_scores"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("account_health_scores", "account_id", optional=False),
        UniqueConstraint(
            "workspace_id", "account_id", "scorecard_id", "day", name="uq_account_health_scores_day"
        ),
        # account_id last: the rescore deletes a day's rows by account-id range (migration 0032)
        Index(
            "ix_account_health_scores_scorecard_day",
            "scorecard_id",
            "workspace_id",
            "day",
            "account_id",
        ),
    )

    account_id: Mapped[int] = mapped_column(IdType, ForeignKey("accounts.id", ondelete="CASCADE"))
    scorecard_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("health_scorecards.id", ondelete="CASCADE")
    )
    day: Mapped[date] = mapped_column(Date)
    score: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(32))
    coverage: Mapped[float] = mapped_column(Float)
    components: Mapped[dict[str, Any]] = mapped_column()
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
