"""Saved view routes (`/api/v1/views…`): the views a caller sees, with capped counts, and their
tickets. One permission per route; the shared/personal distinction is checked in the service."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from cxhub.api.deps import DbSession, PageParams, Principal, TransactionalRoute, require
from cxhub.api.schemas import PageOut
from cxhub.core.permissions import Permission
from cxhub.service.tickets.schemas import TicketOut
from cxhub.service.views import service
from cxhub.service.views.schemas import ViewCreate, ViewOut, ViewUpdate

router = APIRouter(route_class=TransactionalRoute, tags=["views"])


def _out(view: service.ViewDefinition, count: tuple[int, bool] | None = None) -> ViewOut:
    return ViewOut(
        id=view.id,
        name=view.name,
        builtin=view.builtin,
        shared=view.owner_id is None,
        owner_id=view.owner_id,
        position=view.position,
        conditions=view.conditions,
        sort=view.sort,
        count=count[0] if count else None,
        count_capped=count[1] if count else False,
    )


@router.get("/views", response_model=list[ViewOut])
def list_views(
    session: DbSession, principal: Principal = require(Permission.TICKETS_READ)
) -> list[ViewOut]:
    """Built-in views, shared views and the caller's own, each with its ticket `count` (counting
    stops at 10,000: then `count_capped` is true)."""
    return [
        _out(view, service.count_view(session, view=view, user_id=principal.user_id))
        for view in service.list_views(session, user_id=principal.user_id)
    ]


@router.post("/views", response_model=ViewOut, status_code=status.HTTP_201_CREATED)
def create_view(
    data: ViewCreate, session: DbSession, principal: Principal = require(Permission.TICKETS_WRITE)
) -> ViewOut:
    """A personal view; `shared: true` makes it the workspace's (needs `service:configure`)."""
    view = service.create_view(
        session,
        workspace_id=principal.workspace_id,
        user_id=principal.user_id,
        data=data,
        may_configure=principal.can(Permission.SERVICE_CONFIGURE),
    )
    return _out(view)


@router.patch("/views/{view_id}", response_model=ViewOut)
def update_view(
    view_id: str,
    data: ViewUpdate,
    session: DbSession,
    principal: Principal = require(Permission.TICKETS_WRITE),
) -> ViewOut:
    view = service.update_view(
        session,
        view_id=view_id,
        user_id=principal.user_id,
        data=data,
        may_configure=principal.can(Permission.SERVICE_CONFIGURE),
    )
    return _out(view)


@router.delete("/views/{view_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_view(
    view_id: str, session: DbSession, principal: Principal = require(Permission.TICKETS_WRITE)
) -> Response:
    service.delete_view(
        session,
        view_id=view_id,
        user_id=principal.user_id,
        may_configure=principal.can(Permission.SERVICE_CONFIGURE),
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/views/{view_id}/tickets", response_model=PageOut[TicketOut])
def view_tickets(
    view_id: str,
    session: DbSession,
    page: PageParams,
    principal: Principal = require(Permission.TICKETS_READ),
) -> PageOut[TicketOut]:
    """The view's tickets, in the view's sort unless `sort` is given."""
    view = service.get_view(session, view_id=view_id, user_id=principal.user_id)
    result = service.view_tickets(session, view=view, user_id=principal.user_id, page=page)
    return PageOut(items=[TicketOut.of(t) for t in result.items], next_cursor=result.next_cursor)
