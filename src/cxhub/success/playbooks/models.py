"""Playbook tables: definitions, episode state per playbook × account, the run log, and survey
enrolments waiting for the survey engine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import (
    Base,
    IdMixin,
    IdType,
    JSONType,
    TimestampMixin,
    WorkspaceScoped,
    reference_index,
    utcnow,
)


class Playbook(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """`definition` is a `definition.PlaybookDefinition` as JSON; `trigger_type` repeats its
    trigger's type so event handlers load only the playbooks that care."""

    __tablename__ = "playbooks"
    __workspace_index__ = False
    __table_args__ = (
        UniqueConstraint("workspace_id", "name"),
        Index("ix_playbooks_trigger", "workspace_id", "enabled", "trigger_type"),
    )

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    trigger_type: Mapped[str] = mapped_column(String(32))
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    webhook_secret: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )


class PlaybookEpisode(IdMixin, WorkspaceScoped, Base):
    """The condition state of one playbook for one account. `is_open` while the condition holds;
    `fired_count` counts episodes (one run each). `last_signal_at` is the latest event that
    kept an event-driven episode alive (SLA breach, NPS detractor)."""

    __tablename__ = "playbook_episodes"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("playbook_episodes", "account_id", optional=False),
        UniqueConstraint("workspace_id", "playbook_id", "account_id"),
        Index("ix_playbook_episodes_open", "playbook_id", "workspace_id", "is_open"),
    )

    playbook_id: Mapped[int] = mapped_column(IdType, ForeignKey("playbooks.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(IdType, ForeignKey("accounts.id", ondelete="CASCADE"))
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime | None] = mapped_column()
    cleared_at: Mapped[datetime | None] = mapped_column()
    last_signal_at: Mapped[datetime | None] = mapped_column()
    fired_count: Mapped[int] = mapped_column(Integer, default=0)
    last_run_id: Mapped[int | None] = mapped_column(IdType)


class PlaybookRun(IdMixin, WorkspaceScoped, Base):
    """One firing: the trigger facts and every action with its outcome (`actions` is a list of
    `{"index", "type", "status", "detail", "ref"}`). Kept when the playbook is deleted."""

    __tablename__ = "playbook_runs"
    # The default workspace index stays (0034): the composites lead by a parent key, and
    # workspace-wide reads (KPIs, lists) need one led by the workspace.
    __table_args__ = (
        Index("ix_playbook_runs_playbook", "playbook_id", "workspace_id", "id"),
        Index("ix_playbook_runs_account", "account_id", "workspace_id", "id"),
    )

    playbook_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("playbooks.id", ondelete="SET NULL")
    )
    playbook_name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int] = mapped_column(IdType, ForeignKey("accounts.id", ondelete="CASCADE"))
    trigger_type: Mapped[str] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(String(500))
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SurveyEnrolment(IdMixin, WorkspaceScoped, Base):
    """A request to survey a contact (or an account), left by a playbook for the survey engine
    (the experience domain) to send and mark `sent`; `status` is pending until then."""

    __tablename__ = "survey_enrolments"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("survey_enrolments", "contact_id", optional=True),
        reference_index("survey_enrolments", "account_id", optional=False),
        Index("ix_survey_enrolments_pending", "workspace_id", "status", "id"),
    )

    survey: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(IdType, ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="CASCADE")
    )
    playbook_run_id: Mapped[int | None] = mapped_column(IdType)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column()
