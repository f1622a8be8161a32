"""CSM tasks: one follow-up on an account, owned by a user, due on a day."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, TimestampMixin, WorkspaceScoped, reference_index


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class TaskPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TaskSource(StrEnum):
    MANUAL = "manual"
    PLAYBOOK = "playbook"
    SURVEY = "survey"


class CsmTask(IdMixin, WorkspaceScoped, TimestampMixin, Base):
    """`playbook_run_id` names the run that created the task (source `playbook`); it is a plain
    id, not a foreign key, so the task outlives a pruned run log."""

    __tablename__ = "csm_tasks"
    __workspace_index__ = False
    __table_args__ = (
        reference_index("csm_tasks", "contact_id", optional=True),
        Index("ix_csm_tasks_owner", "workspace_id", "owner_id", "status", "due_on"),
        Index("ix_csm_tasks_account", "account_id", "workspace_id", "status"),
        Index("ix_csm_tasks_due", "workspace_id", "status", "due_on"),
    )

    account_id: Mapped[int] = mapped_column(IdType, ForeignKey("accounts.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("contacts.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.OPEN.value)
    priority: Mapped[str] = mapped_column(String(16), default=TaskPriority.NORMAL.value)
    source: Mapped[str] = mapped_column(String(16), default=TaskSource.MANUAL.value)
    playbook_run_id: Mapped[int | None] = mapped_column(IdType)
    created_by_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_by_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
