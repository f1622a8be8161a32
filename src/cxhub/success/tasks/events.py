"""Events the tasks sub-domain publishes."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from cxhub.core.events import DomainEvent, domain_event


@domain_event
class TaskCreated(DomainEvent):
    name: ClassVar[str] = "task.created"
    task_id: int
    account_id: int
    owner_id: int | None
    due_on: date | None
    source: str
    playbook_run_id: int | None


@domain_event
class TaskCompleted(DomainEvent):
    name: ClassVar[str] = "task.completed"
    task_id: int
    account_id: int
    owner_id: int | None
    completed_by_id: int | None


@domain_event
class TaskCancelled(DomainEvent):
    name: ClassVar[str] = "task.cancelled"
    task_id: int
    account_id: int
