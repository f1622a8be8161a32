"""The assist panel of the ticket workspace: suggested articles with an "insert link" button,
similar solved tickets with their resolution, and a suggested macro with its reason.

The ticket page holds an empty panel that `app.js` fills with this fragment (without
JavaScript the panel's link opens it as a page). Inserting puts the article's link in the reply
box; when the reply is sent, `assist.tasks` records the article's use on the ticket.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.permissions import Permission
from cxhub.core.tenancy import Workspace
from cxhub.knowledge.articles.models import Audience
from cxhub.knowledge.assist.macros import suggest_macros
from cxhub.knowledge.assist.service import suggest_for_ticket
from cxhub.knowledge.assist.similar import similar_solved_tickets
from cxhub.service.tickets.service import get_ticket
from cxhub.web.auth import page_permission
from cxhub.web.shell import Viewer, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

CanRead = Annotated[Viewer, page_permission(Permission.KNOWLEDGE_READ)]


@router.get("/knowledge/tickets/{ticket_id}/assist", response_class=HTMLResponse)
def assist_panel(
    request: Request, ticket_id: int, session: DbSession, viewer: CanRead
) -> HTMLResponse:
    assert viewer.principal is not None
    workspace_id = viewer.principal.workspace_id
    hits = suggest_for_ticket(session, workspace_id=workspace_id, ticket_id=ticket_id)
    slug = session.scalar(select(Workspace.slug).where(Workspace.id == workspace_id))
    base = str(get_runtime(request).settings.public_url).rstrip("/")
    links = {
        hit.article_id: (
            f"{base}/help/{slug}/articles/{hit.article_id}?lang={hit.language}"
            if hit.audience == Audience.PUBLIC.value
            else f"{base}/knowledge/articles/{hit.article_id}"
        )
        for hit in hits
    }
    similar = []
    macros = []
    numbers: dict[int, int] = {}
    if viewer.can(
        Permission.TICKETS_READ
    ):  # other customers' tickets: not for knowledge-only roles
        similar = similar_solved_tickets(session, workspace_id=workspace_id, ticket_id=ticket_id)
        macros = suggest_macros(session, workspace_id=workspace_id, ticket_id=ticket_id)
        wanted = {t for m in macros for t in m.ticket_ids}
        numbers = {t: get_ticket(session, ticket_id=t).number for t in wanted}
    context = {
        "hits": hits,
        "links": links,
        "similar": similar,
        "macros": macros,
        "numbers": numbers,
        "ticket_number": get_ticket(session, ticket_id=ticket_id).number,
        "show_tickets": viewer.can(Permission.TICKETS_READ),
        "can_write": viewer.can(Permission.TICKETS_WRITE),
    }
    return render(request, "knowledge/_assist.html", context)
