"""Task request and response shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxhub.success.tasks.models import CsmTask, TaskPriority, TaskSource, TaskStatus

Title = Annotated[str, Field(min_length=1, max_length=300, examples=["Call about renewal"])]
Notes = Annotated[str, Field(max_length=20_000)]
EARLIEST_YEAR = 1970
LATEST_YEAR = 2200


def _plausible(value: date | None) -> date | None:
    if value is not None and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"due_on must fall between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


def _title(value: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValueError("title must not be blank")
    return value


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: int
    contact_id: int | None = None
    title: Title
    notes: Notes = ""
    owner_id: int | None = Field(
        default=None, description="Default: the account's owner, else the caller."
    )
    due_on: date | None = None
    priority: TaskPriority = TaskPriority.NORMAL

    _clean_title = field_validator("title")(_title)
    _due = field_validator("due_on")(_plausible)


class TaskUpdate(BaseModel):
    """Only the fields sent change; `status` moves between open, done and cancelled."""

    model_config = ConfigDict(extra="forbid")
    title: Title | None = None
    notes: Notes | None = None
    owner_id: int | None = None
    contact_id: int | None = None
    due_on: date | None = None
    priority: TaskPriority | None = None
    status: TaskStatus | None = None

    @field_validator("title")
    @classmethod
    def _clean_title(cls, value: str | None) -> str | None:
        if value is None:
            raise ValueError("title cannot be null")
        return _title(value)

    _due = field_validator("due_on")(_plausible)


class TaskOut(BaseModel):
    id: int
    account_id: int
    contact_id: int | None
    title: str
    notes: str
    owner_id: int | None
    due_on: date | None
    status: TaskStatus
    priority: TaskPriority
    source: TaskSource
    playbook_run_id: int | None
    overdue: bool
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    completed_by_id: int | None

    @classmethod
    def of(cls, task: CsmTask, *, today: date) -> TaskOut:
        return cls(
            id=task.id,
            account_id=task.account_id,
            contact_id=task.contact_id,
            title=task.title,
            notes=task.notes,
            owner_id=task.owner_id,
            due_on=task.due_on,
            status=TaskStatus(task.status),
            priority=TaskPriority(task.priority),
            source=TaskSource(task.source),
            playbook_run_id=task.playbook_run_id,
            overdue=is_overdue(task, today=today),
            created_by_id=task.created_by_id,
            created_at=task.created_at,
            updated_at=task.updated_at,
            completed_at=task.completed_at,
            completed_by_id=task.completed_by_id,
        )


def is_overdue(task: CsmTask, *, today: date) -> bool:
    """Open and due before today (a task due today is due, not overdue)."""
    return task.status == TaskStatus.OPEN and task.due_on is not None and task.due_on < today
