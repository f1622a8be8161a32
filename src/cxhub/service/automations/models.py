"""Rule tables: triggers, time-based automations and macros (their definitions as JSON validated
by the pure models in `rules.py`), which automation fired on which ticket, the audit trail of rule
runs on a ticket, and the in-app notifications the `notify` action leaves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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


class _RuleRecord(IdMixin, WorkspaceScoped, TimestampMixin):
    """Name, switch and order as columns; conditions and actions as the validated JSON
    `{"all": [...], "any": [...], "actions": [...]}`."""

    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TriggerRecord(_RuleRecord, Base):
    __tablename__ = "triggers"


class AutomationRecord(_RuleRecord, Base):
    __tablename__ = "automations"


class MacroRecord(_RuleRecord, Base):
    """Macros are shared by the workspace and managed by admins (`service:configure`)."""

    __tablename__ = "macros"


class AutomationFiring(IdMixin, WorkspaceScoped, Base):
    """An automation fired on a ticket: it never fires on that ticket again."""

    __tablename__ = "automation_firings"
    __workspace_index__ = False
    __table_args__ = (
        UniqueConstraint("automation_id", "ticket_id"),
        Index("ix_automation_firings_ticket", "ticket_id", "workspace_id"),
    )

    automation_id: Mapped[int] = mapped_column(
        IdType, ForeignKey("automations.id", ondelete="CASCADE")
    )
    ticket_id: Mapped[int] = mapped_column(IdType, ForeignKey("tickets.id", ondelete="CASCADE"))
    fired_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketRuleRun(IdMixin, WorkspaceScoped, Base):
    """Why a field changed: one row per rule that fired on a ticket (or whose action was
    skipped), kept after the rule itself is deleted."""

    __tablename__ = "ticket_rule_runs"
    __workspace_index__ = False
    __table_args__ = (Index("ix_ticket_rule_runs_ticket", "ticket_id", "workspace_id", "id"),)

    ticket_id: Mapped[int] = mapped_column(IdType, ForeignKey("tickets.id", ondelete="CASCADE"))
    rule_kind: Mapped[str] = mapped_column(String(16))  # trigger | automation | macro
    rule_id: Mapped[int] = mapped_column(IdType)
    rule_name: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(32))
    changed_fields: Mapped[list[str]] = mapped_column(default=list)
    # Actions the ticket services refused, as human-readable reasons.
    skipped: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserNotification(IdMixin, WorkspaceScoped, Base):
    """An in-app notification for an agent (`user_id`) or, for an external address (`email`),
    a record the mail channel can deliver later."""

    __tablename__ = "notifications"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("notifications", "ticket_id", optional=True),
        Index("ix_notifications_user", "workspace_id", "user_id", "read_at", "id"),
    )

    user_id: Mapped[int | None] = mapped_column(IdType, ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str | None] = mapped_column(String(320))
    ticket_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("tickets.id", ondelete="CASCADE")
    )
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
