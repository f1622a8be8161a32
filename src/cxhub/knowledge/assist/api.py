"""Agent assist routes: suggested articles for a ticket, and recording an article's use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.permissions import Permission
from cxhub.knowledge.articles.service import get_article
from cxhub.knowledge.assist import service
from cxhub.knowledge.assist.macros import suggest_macros
from cxhub.knowledge.assist.schemas import MacroSuggestionOut, SimilarTicketOut
from cxhub.knowledge.assist.similar import similar_solved_tickets
from cxhub.knowledge.search.api import ArticleHitOut
from cxhub.service.tickets.service import get_ticket

router = APIRouter(route_class=TransactionalRoute, tags=["knowledge"], prefix="/knowledge")


class ArticleUseIn(BaseModel):
    article_id: int


class ArticleUseOut(BaseModel):
    ticket_id: int
    article_id: int
    recorded: bool


@router.get("/tickets/{ticket_id}/suggestions", response_model=list[ArticleHitOut])
def ticket_suggestions(
    ticket_id: int, session: DbSession, principal: Principal = require(Permission.KNOWLEDGE_READ)
) -> list[ArticleHitOut]:
    """Articles that may answer the ticket (subject and first message), best first."""
    hits = service.suggest_for_ticket(
        session, workspace_id=principal.workspace_id, ticket_id=ticket_id
    )
    return [ArticleHitOut.of(hit) for hit in hits]


@router.get("/tickets/{ticket_id}/similar", response_model=list[SimilarTicketOut])
def similar_tickets(
    ticket_id: int,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
    principal: Principal = require(Permission.TICKETS_READ),
) -> list[SimilarTicketOut]:
    """Solved or closed tickets of the workspace most similar to the ticket, best first, each
    with the agent's last public reply."""
    hits = similar_solved_tickets(
        session, workspace_id=principal.workspace_id, ticket_id=ticket_id, limit=limit
    )
    return [SimilarTicketOut.of(hit) for hit in hits]


@router.get("/tickets/{ticket_id}/macro-suggestions", response_model=list[MacroSuggestionOut])
def macro_suggestions(
    ticket_id: int,
    session: DbSession,
    limit: Annotated[int, Query(ge=1, le=10)] = 3,
    principal: Principal = require(Permission.TICKETS_READ),
) -> list[MacroSuggestionOut]:
    """The workspace's macros that fit the ticket, best first, with the reason."""
    hits = suggest_macros(
        session, workspace_id=principal.workspace_id, ticket_id=ticket_id, limit=limit
    )
    return [MacroSuggestionOut.of(hit) for hit in hits]


@router.post(
    "/tickets/{ticket_id}/uses", response_model=ArticleUseOut, status_code=status.HTTP_200_OK
)
def record_use(
    ticket_id: int,
    data: ArticleUseIn,
    session: DbSession,
    principal: Principal = require(Permission.TICKETS_WRITE),
) -> ArticleUseOut:
    """Record that the article was used in a reply on the ticket (once per ticket)."""
    ticket = get_ticket(session, ticket_id=ticket_id)
    get_article(session, article_id=data.article_id)  # 404 for another workspace's article
    recorded = service.record_article_use(
        session,
        workspace_id=principal.workspace_id,
        ticket_id=ticket.id,
        article_id=data.article_id,
        used_by_id=principal.user_id,
    )
    return ArticleUseOut(ticket_id=ticket.id, article_id=data.article_id, recorded=recorded)
