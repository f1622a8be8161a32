"""Task use cases. No commits: the request or job edge commits (ADR 0002).

A task's creation and completion are touchpoints on its account's timeline (kinds
`task.created` and `task.completed`, source `task`/<id>) and domain events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.customers.accounts.service import get_account
from cxhub.customers.contacts.service import get_contact
from cxhub.customers.timeline.models import Channel
from cxhub.customers.timeline.schemas import InteractionCreate
from cxhub.customers.timeline.service import record_interaction
from cxhub.people.service import get_user
from cxhub.success.tasks.events import TaskCancelled, TaskCompleted, TaskCreated
from cxhub.success.tasks.models import CsmTask, TaskSource, TaskStatus
from cxhub.success.tasks.schemas import TaskCreate, TaskUpdate

TASK_SORTS = {
    "id": CsmTask.id,
    "due_on": CsmTask.due_on,
    "created_at": CsmTask.created_at,
}


def _check_owner(session: Session, owner_id: int | None) -> None:
    if owner_id is None:
        return
    try:
        user = get_user(session, user_id=owner_id)
    except NotFound:
        raise ValidationFailed(
            f"owner {owner_id} is not a user of this workspace", field="owner_id"
        ) from None
    if not user.is_active:
        raise ValidationFailed(f"owner {owner_id} is deactivated", field="owner_id")


def _check_contact(session: Session, contact_id: int | None, account_id: int) -> int | None:
    """The surviving contact id; it must belong to the task's account."""
    if contact_id is None:
        return None
    try:
        contact = get_contact(session, contact_id=contact_id)
    except NotFound:
        raise ValidationFailed(
            f"contact {contact_id} is not a contact of this workspace", field="contact_id"
        ) from None
    if contact.account_id != account_id:
        raise ValidationFailed(
            f"contact {contact_id} does not belong to account {account_id}", field="contact_id"
        )
    return contact.id


def _timeline(session: Session, task: CsmTask, *, kind: str, summary: str, at: datetime) -> None:
    record_interaction(
        session,
        workspace_id=task.workspace_id,
        data=InteractionCreate(
            kind=kind,
            channel=Channel.OTHER,
            occurred_at=at,
            account_id=task.account_id,
            contact_id=task.contact_id,
            summary=summary,
            payload={
                "task_id": task.id,
                "owner_id": task.owner_id,
                "due_on": task.due_on.isoformat() if task.due_on else None,
                "source": task.source,
                "playbook_run_id": task.playbook_run_id,
            },
            source_type="task",
            source_id=str(task.id),
        ),
    )


def create_task(
    session: Session,
    *,
    workspace_id: int,
    data: TaskCreate,
    created_by_id: int | None,
    source: TaskSource = TaskSource.MANUAL,
    playbook_run_id: int | None = None,
    now: datetime | None = None,
) -> CsmTask:
    """A new open task. Without `owner_id` it goes to the account's owner, else the creator.
    `now` (default: the clock) stamps it, for jobs and seeds that run at a given time."""
    account = get_account(session, account_id=data.account_id)
    owner_id = data.owner_id if "owner_id" in data.model_fields_set else None
    if owner_id is None:
        owner_id = account.owner_id if account.owner_id is not None else created_by_id
    _check_owner(session, owner_id)
    contact_id = _check_contact(session, data.contact_id, account.id)
    now = now or utcnow()
    task = CsmTask(
        workspace_id=workspace_id,
        account_id=account.id,
        contact_id=contact_id,
        title=data.title,
        notes=data.notes,
        owner_id=owner_id,
        due_on=data.due_on,
        status=TaskStatus.OPEN.value,
        priority=data.priority.value,
        source=source.value,
        playbook_run_id=playbook_run_id,
        created_by_id=created_by_id,
        created_at=now,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    due = f", due {task.due_on.isoformat()}" if task.due_on else ""
    _timeline(session, task, kind="task.created", summary=f"Task: {task.title}{due}", at=now)
    publish(
        session,
        TaskCreated(
            workspace_id=workspace_id,
            task_id=task.id,
            account_id=task.account_id,
            owner_id=task.owner_id,
            due_on=task.due_on,
            source=task.source,
            playbook_run_id=task.playbook_run_id,
        ),
    )
    return task


def get_task(session: Session, *, task_id: int) -> CsmTask:
    task = session.scalar(select(CsmTask).where(CsmTask.id == task_id))
    if task is None:
        raise NotFound(f"task {task_id} not found")
    return task


@dataclass(frozen=True)
class TaskFilter:
    owner_id: int | None = None
    account_id: int | None = None
    statuses: Sequence[TaskStatus] = ()
    overdue: bool | None = None
    due_before: date | None = None
    unassigned: bool = False


def _filtered(
    statement: Select[tuple[CsmTask]], filters: TaskFilter, today: date
) -> Select[tuple[CsmTask]]:
    if filters.unassigned:
        statement = statement.where(CsmTask.owner_id.is_(None))
    elif filters.owner_id is not None:
        statement = statement.where(CsmTask.owner_id == filters.owner_id)
    if filters.account_id is not None:
        statement = statement.where(CsmTask.account_id == filters.account_id)
    if filters.statuses:
        statement = statement.where(CsmTask.status.in_([s.value for s in filters.statuses]))
    if filters.overdue is True:
        statement = statement.where(
            CsmTask.status == TaskStatus.OPEN.value,
            CsmTask.due_on.is_not(None),
            CsmTask.due_on < today,
        )
    elif filters.overdue is False:
        statement = statement.where(
            (CsmTask.status != TaskStatus.OPEN.value)
            | CsmTask.due_on.is_(None)
            | (CsmTask.due_on >= today)
        )
    if filters.due_before is not None:
        statement = statement.where(CsmTask.due_on < filters.due_before)
    return statement


def list_tasks(
    session: Session, *, page: PageRequest, filters: TaskFilter, today: date
) -> Page[CsmTask]:
    """Tasks matching `filters`, by due date (soonest first, undated last) unless sorted."""
    return paginate(
        session,
        _filtered(select(CsmTask), filters, today),
        request=page,
        sortable=TASK_SORTS,
        id_column=CsmTask.id,
        default_sort="due_on",
    )


def _change_status(
    session: Session, task: CsmTask, status: TaskStatus, *, by_user_id: int | None
) -> None:
    if task.status == status.value:
        return
    now = utcnow()
    task.status = status.value
    task.updated_at = now
    if status == TaskStatus.DONE:
        task.completed_at = now
        task.completed_by_id = by_user_id
        session.flush()
        _timeline(session, task, kind="task.completed", summary=f"Task done: {task.title}", at=now)
        publish(
            session,
            TaskCompleted(
                workspace_id=task.workspace_id,
                task_id=task.id,
                account_id=task.account_id,
                owner_id=task.owner_id,
                completed_by_id=by_user_id,
            ),
        )
        return
    task.completed_at = None
    task.completed_by_id = None
    session.flush()
    if status == TaskStatus.CANCELLED:
        publish(
            session,
            TaskCancelled(
                workspace_id=task.workspace_id, task_id=task.id, account_id=task.account_id
            ),
        )


def update_task(
    session: Session, *, task_id: int, data: TaskUpdate, by_user_id: int | None
) -> CsmTask:
    task = get_task(session, task_id=task_id)
    sent = data.model_fields_set
    if "owner_id" in sent:
        _check_owner(session, data.owner_id)
        task.owner_id = data.owner_id
    if "contact_id" in sent:
        task.contact_id = _check_contact(session, data.contact_id, task.account_id)
    if data.title is not None:
        task.title = data.title
    if "notes" in sent:
        task.notes = data.notes or ""
    if "due_on" in sent:
        task.due_on = data.due_on
    if data.priority is not None:
        task.priority = data.priority.value
    elif "priority" in sent:
        raise ValidationFailed("priority cannot be null", field="priority")
    task.updated_at = utcnow()
    session.flush()
    if data.status is not None:
        _change_status(session, task, data.status, by_user_id=by_user_id)
    elif "status" in sent:
        raise ValidationFailed("status cannot be null", field="status")
    return task


def complete_task(session: Session, *, task_id: int, by_user_id: int | None) -> CsmTask:
    """Mark the task done (idempotent: a done task stays as it was; a cancelled one reopens
    as done)."""
    task = get_task(session, task_id=task_id)
    _change_status(session, task, TaskStatus.DONE, by_user_id=by_user_id)
    return task


def open_tasks_of_owner(
    session: Session, *, owner_id: int, due_before: date, limit: int = 100
) -> list[CsmTask]:
    """The owner's open tasks due before `due_before`, soonest first (the cockpit's list)."""
    return list(
        session.scalars(
            select(CsmTask)
            .where(
                CsmTask.owner_id == owner_id,
                CsmTask.status == TaskStatus.OPEN.value,
                CsmTask.due_on.is_not(None),
                CsmTask.due_on < due_before,
            )
            .order_by(CsmTask.due_on, CsmTask.id)
            .limit(limit)
        )
    )
