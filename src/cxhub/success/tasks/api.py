"""Task routes: a CSM's follow-ups on accounts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, status

from cxhub.api.deps import DbSession, PageParams, Principal, TransactionalRoute, require
from cxhub.api.schemas import PageOut
from cxhub.core.errors import ValidationFailed
from cxhub.core.permissions import Permission
from cxhub.success.tasks import service
from cxhub.success.tasks.models import TaskStatus
from cxhub.success.tasks.schemas import TaskCreate, TaskOut, TaskUpdate

router = APIRouter(route_class=TransactionalRoute, tags=["tasks"])


def _today() -> date:
    return datetime.now(UTC).date()


@router.get("/tasks", response_model=PageOut[TaskOut])
def list_tasks(
    session: DbSession,
    page: PageParams,
    principal: Principal = require(Permission.SUCCESS_READ),
    owner: Annotated[
        str | None,
        Query(description="A user id, `me`, or `none` for unassigned tasks.", max_length=20),
    ] = None,
    account_id: int | None = None,
    status: Annotated[list[TaskStatus] | None, Query()] = None,
    overdue: bool | None = Query(
        default=None, description="true: open tasks due before today; false: all others."
    ),
    due_before: date | None = None,
) -> PageOut[TaskOut]:
    """Tasks sorted by `due_on` by default (also `id`, `created_at`; prefix `-` to reverse)."""
    owner_id: int | None = None
    unassigned = False
    if owner == "me":
        owner_id = principal.user_id
    elif owner == "none":
        unassigned = True
    elif owner is not None:
        if not (owner.isascii() and owner.isdigit()):
            raise ValidationFailed("owner is a user id, 'me' or 'none'", field="owner")
        owner_id = int(owner)
    today = _today()
    result = service.list_tasks(
        session,
        page=page,
        filters=service.TaskFilter(
            owner_id=owner_id,
            account_id=account_id,
            statuses=status or (),
            overdue=overdue,
            due_before=due_before,
            unassigned=unassigned,
        ),
        today=today,
    )
    return PageOut(
        items=[TaskOut.of(t, today=today) for t in result.items], next_cursor=result.next_cursor
    )


@router.post("/tasks", response_model=TaskOut, status_code=status.HTTP_201_CREATED)
def create_task(
    data: TaskCreate, session: DbSession, principal: Principal = require(Permission.SUCCESS_WRITE)
) -> TaskOut:
    """Create an open task; the owner defaults to the account's owner, else the caller."""
    task = service.create_task(
        session, workspace_id=principal.workspace_id, data=data, created_by_id=principal.user_id
    )
    return TaskOut.of(task, today=_today())


@router.get("/tasks/{task_id}", response_model=TaskOut)
def get_task(
    task_id: int, session: DbSession, _: Principal = require(Permission.SUCCESS_READ)
) -> TaskOut:
    return TaskOut.of(service.get_task(session, task_id=task_id), today=_today())


@router.patch("/tasks/{task_id}", response_model=TaskOut)
def update_task(
    task_id: int,
    data: TaskUpdate,
    session: DbSession,
    principal: Principal = require(Permission.SUCCESS_WRITE),
) -> TaskOut:
    """Change the fields sent; `status` done completes the task, cancelled cancels it."""
    task = service.update_task(session, task_id=task_id, data=data, by_user_id=principal.user_id)
    return TaskOut.of(task, today=_today())


@router.post("/tasks/{task_id}/complete", response_model=TaskOut)
def complete_task(
    task_id: int, session: DbSession, principal: Principal = require(Permission.SUCCESS_WRITE)
) -> TaskOut:
    """Mark the task done (calling it again changes nothing)."""
    task = service.complete_task(session, task_id=task_id, by_user_id=principal.user_id)
    return TaskOut.of(task, today=_today())
