"""SLA tables: business calendars, policies, the targets running on each ticket, and the
metric events (activated, paused, resumed, fulfilled, breached) reports are rebuilt from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
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


class BusinessCalendarRecord(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """A stored `BusinessCalendar`: weekly hours as {"0": [["09:00", "17:00"]], …} (0 = Monday,
    a closing time of "24:00" is midnight) and holidays as ISO dates."""

    __tablename__ = "business_calendars"

    name: Mapped[str] = mapped_column(String(120))
    time_zone: Mapped[str] = mapped_column(String(64))
    weekly_hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    holidays: Mapped[list[str]] = mapped_column(default=list)


class SlaPolicy(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    __tablename__ = "sla_policies"
    __table_args__ = (reference_index("sla_policies", "calendar_id", optional=True),)

    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: the clock runs around the clock (24/7, UTC).
    calendar_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("business_calendars.id", ondelete="RESTRICT")
    )
    conditions: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {"first_reply": minutes, "next_reply": …, "periodic_update": …, "resolution": …}
    targets: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pause_statuses: Mapped[list[str]] = mapped_column(default=list)


class TicketSlaTarget(IdMixin, WorkspaceScoped, Base):
    """One running (or finished) SLA clock of one metric on one ticket. `next_reply` and
    `periodic_update` have one row per cycle."""

    __tablename__ = "ticket_sla_targets"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("ticket_sla_targets", "policy_id", optional=True),
        Index("ix_ticket_sla_targets_ticket", "ticket_id", "workspace_id", "metric"),
        Index("ix_ticket_sla_targets_due", "workspace_id", "closed", "due_at"),
        # 0009: SLA compliance in reports is by the target's start.
        Index("ix_ticket_sla_targets_started", "workspace_id", "started_at"),
    )

    ticket_id: Mapped[int] = mapped_column(IdType, ForeignKey("tickets.id", ondelete="CASCADE"))
    policy_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("sla_policies.id", ondelete="SET NULL")
    )
    metric: Mapped[str] = mapped_column(String(32))
    target_minutes: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()
    paused_at: Mapped[datetime | None] = mapped_column()
    # Earlier pauses as [[paused_at, resumed_at], …] (ISO strings), for the clock.
    pauses: Mapped[list[list[str]]] = mapped_column(default=list)
    fulfilled_at: Mapped[datetime | None] = mapped_column()
    breached_at: Mapped[datetime | None] = mapped_column()
    # Closed: fulfilled, or cancelled because the policy no longer applies.
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class SlaEvent(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "sla_events"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("sla_events", "target_id", optional=False),
        Index("ix_sla_events_ticket", "ticket_id", "workspace_id", "occurred_at"),
        Index("ix_sla_events_kind", "workspace_id", "kind", "occurred_at"),
    )

    ticket_id: Mapped[int] = mapped_column(IdType, ForeignKey("tickets.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("ticket_sla_targets.id", ondelete="CASCADE")
    )
    metric: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
