"""Saved views: built-in and stored ticket filters, their tickets and their capped counts.

Built-in views are defined here, not stored: every workspace has them from its first request,
without a write in a read-only (GET) transaction and without a migration when one is added.
Their ids are names (`my-open`); stored views have numeric ids. A personal view exists only for
its owner (404 for anyone else, as for another workspace's); shared views are seen by everyone
and changed only with `service:configure`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, PermissionDenied, ValidationFailed
from cxhub.core.pagination import Page, PageRequest
from cxhub.service.tickets.filters import (
    UNSOLVED,
    TicketFilter,
    count_tickets,
    filtered_tickets,
)
from cxhub.service.tickets.models import Ticket, TicketPriority, TicketStatus
from cxhub.service.views.models import SavedView
from cxhub.service.views.schemas import ViewConditions, ViewCreate, ViewUpdate

# Counting stops here: a count costs at most this many index entries, however big the view.
COUNT_CAP = 10_000


@dataclass(frozen=True)
class ViewDefinition:
    id: str
    name: str
    conditions: ViewConditions
    sort: str
    position: int
    owner_id: int | None = None
    builtin: bool = False


def _builtin(key: str, name: str, position: int, sort: str, **conditions: object) -> ViewDefinition:
    return ViewDefinition(
        key, name, ViewConditions.model_validate(conditions), sort, position, builtin=True
    )


_UNSOLVED = [s.value for s in UNSOLVED]
BUILTIN_VIEWS: dict[str, ViewDefinition] = {
    view.id: view
    for view in (
        _builtin("my-open", "My open tickets", 0, "-updated_at", assignee="me", statuses=_UNSOLVED),
        _builtin(
            "unassigned", "Unassigned", 1, "-updated_at", assignee="unassigned", statuses=_UNSOLVED
        ),
        _builtin(
            "unassigned-urgent",
            "Unassigned urgent",
            2,
            "-updated_at",
            assignee="unassigned",
            statuses=_UNSOLVED,
            priorities=[TicketPriority.URGENT.value],
        ),
        _builtin(
            "breaching-1h",
            "Breaching within 1 hour",
            3,
            "next_sla_due_at",
            statuses=_UNSOLVED,
            sla_due_within_minutes=60,
        ),
        _builtin("all-unsolved", "All unsolved", 4, "-updated_at", statuses=_UNSOLVED),
        _builtin(
            "recently-solved",
            "Recently solved",
            5,
            "-updated_at",
            statuses=[TicketStatus.SOLVED.value],
        ),
    )
}


def _definition(view: SavedView) -> ViewDefinition:
    return ViewDefinition(
        str(view.id),
        view.name,
        ViewConditions.model_validate(view.conditions),
        view.sort,
        view.position,
        owner_id=view.owner_id,
    )


def ticket_filter(conditions: ViewConditions, *, user_id: int) -> TicketFilter:
    """The ticket filter a view's conditions mean for `user_id` (who `me` is) right now."""
    assignee = conditions.assignee
    due = conditions.sla_due_within_minutes
    return TicketFilter(
        statuses=list(conditions.statuses),
        priorities=list(conditions.priorities),
        assignee_ids=[user_id]
        if assignee == "me"
        else [assignee]
        if isinstance(assignee, int)
        else [],
        unassigned=assignee == "unassigned",
        team_ids=list(conditions.team_ids),
        requester_ids=list(conditions.requester_ids),
        account_ids=list(conditions.account_ids),
        tags_any=list(conditions.tags),
        channel=conditions.channel,
        sla_due_before=utcnow() + timedelta(minutes=due) if due is not None else None,
        q=conditions.q,
    )


def _stored_view(session: Session, *, view_id: int, user_id: int) -> SavedView:
    view = session.scalar(select(SavedView).where(SavedView.id == view_id))
    if view is None or view.owner_id not in (None, user_id):
        raise NotFound(f"view {view_id} not found")
    return view


def get_view(session: Session, *, view_id: str, user_id: int) -> ViewDefinition:
    if view_id in BUILTIN_VIEWS:
        return BUILTIN_VIEWS[view_id]
    if not (view_id.isascii() and view_id.isdigit()) or len(view_id) > 18:
        raise NotFound(f"view {view_id!r} not found")
    return _definition(_stored_view(session, view_id=int(view_id), user_id=user_id))


def list_views(session: Session, *, user_id: int) -> list[ViewDefinition]:
    """Built-ins first, then the shared and the caller's own views by position."""
    stored = session.scalars(
        select(SavedView)
        .where(or_(SavedView.owner_id.is_(None), SavedView.owner_id == user_id))
        .order_by(SavedView.position, SavedView.id)
    )
    return [*BUILTIN_VIEWS.values(), *(_definition(view) for view in stored)]


def count_view(session: Session, *, view: ViewDefinition, user_id: int) -> tuple[int, bool]:
    """(count, capped) of the view's tickets, counting at most `COUNT_CAP`."""
    filters = ticket_filter(view.conditions, user_id=user_id)
    return count_tickets(session, filters=filters, cap=COUNT_CAP)


def view_tickets(
    session: Session, *, view: ViewDefinition, user_id: int, page: PageRequest
) -> Page[Ticket]:
    filters = ticket_filter(view.conditions, user_id=user_id)
    return filtered_tickets(session, filters=filters, page=page, default_sort=view.sort)


def _check_may_change(view: SavedView, *, may_configure: bool) -> None:
    if view.owner_id is None and not may_configure:
        raise PermissionDenied(
            "changing a shared view needs service:configure",
            required_permission="service:configure",
        )


def create_view(
    session: Session, *, workspace_id: int, user_id: int, data: ViewCreate, may_configure: bool
) -> ViewDefinition:
    """A personal view, or a shared one for callers who may configure the helpdesk."""
    if data.shared and not may_configure:
        raise PermissionDenied(
            "a shared view needs service:configure", required_permission="service:configure"
        )
    view = SavedView(
        workspace_id=workspace_id,
        name=data.name,
        owner_id=None if data.shared else user_id,
        position=data.position,
        conditions=data.conditions.model_dump(mode="json"),
        sort=data.sort,
    )
    session.add(view)
    session.flush()
    return _definition(view)


def _editable(session: Session, *, view_id: str, user_id: int) -> SavedView:
    if view_id in BUILTIN_VIEWS:
        raise ValidationFailed("built-in views cannot be changed; save a copy instead")
    get_view(session, view_id=view_id, user_id=user_id)
    return _stored_view(session, view_id=int(view_id), user_id=user_id)


def update_view(
    session: Session, *, view_id: str, user_id: int, data: ViewUpdate, may_configure: bool
) -> ViewDefinition:
    view = _editable(session, view_id=view_id, user_id=user_id)
    _check_may_change(view, may_configure=may_configure)
    if data.name is not None:
        view.name = data.name
    if data.position is not None:
        view.position = data.position
    if data.conditions is not None:
        view.conditions = data.conditions.model_dump(mode="json")
    if data.sort is not None:
        view.sort = data.sort
    session.flush()
    return _definition(view)


def delete_view(session: Session, *, view_id: str, user_id: int, may_configure: bool) -> None:
    view = _editable(session, view_id=view_id, user_id=user_id)
    _check_may_change(view, may_configure=may_configure)
    session.delete(view)
    session.flush()
