"""Daily rollups of the service KPIs (ADR 0019).

- `service_kpi_rollups`: per workspace, UTC day, grouping dimension and group value, the
  additive parts of the KPIs and the day's durations (sorted float64, so a period's exact median
  and 90th percentile are a merge of its days).
- `service_kpi_rollup_days`: the days whose rollup rows are complete (a day without rows but
  built is an empty day, not a missing one).
- `service_kpi_dirty_days`: days a ticket, SLA target or CSAT change touched since their rollup
  was built; written in the changing transaction, removed by the rebuild that read them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, utcnow
from cxhub.core.tenancy import Workspace

#: The rows below reference this table (imported so bulk inserts resolve the foreign key even in
#: a process that loaded no other model).
REFERENCED = Workspace


class ServiceKpiRollup(WorkspaceScoped, Base):
    __tablename__ = "service_kpi_rollups"
    __workspace_index__ = False

    # Key (workspace, dimension, day, group): one grouping of a period is one range read.
    workspace_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    #: none, channel, priority, team or assignee (the day grouping reads the `none` rows).
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    #: The group's value as the KPIs name it; "" for no value (and for the `none` dimension).
    group_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    created: Mapped[int] = mapped_column(Integer, default=0)
    solved: Mapped[int] = mapped_column(Integer, default=0)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    one_touch: Mapped[int] = mapped_column(Integer, default=0)
    csat_ratings: Mapped[int] = mapped_column(Integer, default=0)
    csat_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    #: SLA metric -> [achieved, breached] of the targets started that day.
    sla: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_reply: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    first_reply_business: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    resolution: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    resolution_business: Mapped[bytes] = mapped_column(LargeBinary, default=b"")


class ServiceKpiRollupDay(WorkspaceScoped, Base):
    __tablename__ = "service_kpi_rollup_days"
    __workspace_index__ = False

    workspace_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)


class ServiceKpiDirtyDay(IdMixin, WorkspaceScoped, Base):
    """Append-only: one row per (changing flush, day). Appending never waits on another
    writer; the rebuild deletes exactly the rows it read, so a mark committed meanwhile stays."""

    __tablename__ = "service_kpi_dirty_days"
    __workspace_index__ = False
    __table_args__ = (Index("ix_service_kpi_dirty_days_day", "workspace_id", "day"),)

    day: Mapped[date] = mapped_column(Date)
