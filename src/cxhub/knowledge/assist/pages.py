"""The assist panel of the ticket workspace: suggested articles with an "insert link" button.

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
from cxhub.knowledge.assist.service import suggest_for_ticket
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
    return render(request, "knowledge/_assist.html", {"hits": hits, "links": links})
