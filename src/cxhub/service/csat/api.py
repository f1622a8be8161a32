"""CSAT routes: a ticket's rating (API) and the customer's one-click rating page (public)."""

from __future__ import annotations

from fastapi import APIRouter

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.errors import NotFound
from cxhub.core.permissions import Permission
from cxhub.service.csat import service
from cxhub.service.csat.schemas import CsatOut, RatingIn

router = APIRouter(route_class=TransactionalRoute, tags=["csat"])


@router.get("/tickets/{ticket_id}/csat", response_model=CsatOut)
def get_ticket_csat(
    ticket_id: int, session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> CsatOut:
    """The satisfaction survey of a ticket (404 when none was sent)."""
    survey = service.ticket_csat(session, ticket_id=ticket_id)
    if survey is None:
        raise NotFound(f"ticket {ticket_id} has no satisfaction survey")
    return CsatOut.of(survey)


@router.post("/tickets/{ticket_id}/csat", response_model=CsatOut)
def rate_ticket(
    ticket_id: int,
    data: RatingIn,
    session: DbSession,
    _: Principal = require(Permission.TICKETS_WRITE),
) -> CsatOut:
    """Record a rating the customer gave elsewhere (chat widget, phone); solved tickets only."""
    survey = service.rate_ticket(
        session, ticket_id=ticket_id, score=data.score, comment=data.comment, channel="api"
    )
    return CsatOut.of(survey)
