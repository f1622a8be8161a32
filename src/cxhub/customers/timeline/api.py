"""Interaction and timeline routes."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response, status
from pydantic import AwareDatetime

from cxhub.api.deps import (
    DbSession,
    PageParams,
    Principal,
    TransactionalRoute,
    require,
)
from cxhub.api.schemas import PageOut
from cxhub.core.pagination import Page
from cxhub.core.permissions import Permission
from cxhub.customers.timeline import service
from cxhub.customers.timeline.models import Channel, Interaction
from cxhub.customers.timeline.schemas import InteractionCreate, InteractionOut, InteractionUpdate

router = APIRouter(route_class=TransactionalRoute, tags=["timeline"])


def _page(result: Page[Interaction]) -> PageOut[InteractionOut]:
    return PageOut(
        items=[InteractionOut.model_validate(i) for i in result.items],
        next_cursor=result.next_cursor,
    )


@router.get("/interactions", response_model=PageOut[InteractionOut])
def list_interactions(
    session: DbSession,
    page: PageParams,
    contact_id: int | None = None,
    account_id: int | None = None,
    channel: Channel | None = None,
    kind: str | None = None,
    journey_stage: str | None = None,
    occurred_after: AwareDatetime | None = None,
    occurred_before: AwareDatetime | None = None,
    _: Principal = require(Permission.INTERACTIONS_READ),
) -> PageOut[InteractionOut]:
    """Touchpoints, newest first by default (`sort=occurred_at` for oldest first)."""
    after: datetime | None = occurred_after
    before: datetime | None = occurred_before
    return _page(
        service.list_interactions(
            session,
            page=page,
            contact_id=contact_id,
            account_id=account_id,
            channel=channel,
            kind=kind,
            journey_stage=journey_stage,
            occurred_after=after,
            occurred_before=before,
        )
    )


@router.post(
    "/interactions",
    response_model=InteractionOut,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": InteractionOut, "description": "Known external_id: the stored one"}},
)
def record_interaction(
    data: InteractionCreate,
    session: DbSession,
    response: Response,
    principal: Principal = require(Permission.INTERACTIONS_WRITE),
) -> InteractionOut:
    """Record a touchpoint. With an `external_id` already stored, returns that one with 200."""
    interaction, created = service.record_interaction(
        session, workspace_id=principal.workspace_id, data=data
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return InteractionOut.model_validate(interaction)


@router.get("/interactions/{interaction_id}", response_model=InteractionOut)
def get_interaction(
    interaction_id: int, session: DbSession, _: Principal = require(Permission.INTERACTIONS_READ)
) -> InteractionOut:
    return InteractionOut.model_validate(
        service.get_interaction(session, interaction_id=interaction_id)
    )


@router.patch("/interactions/{interaction_id}", response_model=InteractionOut)
def update_interaction(
    interaction_id: int,
    data: InteractionUpdate,
    session: DbSession,
    _: Principal = require(Permission.INTERACTIONS_WRITE),
) -> InteractionOut:
    return InteractionOut.model_validate(
        service.update_interaction(session, interaction_id=interaction_id, data=data)
    )


@router.delete("/interactions/{interaction_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_interaction(
    interaction_id: int, session: DbSession, _: Principal = require(Permission.INTERACTIONS_WRITE)
) -> None:
    service.delete_interaction(session, interaction_id=interaction_id)


@router.get("/contacts/{contact_id}/timeline", response_model=PageOut[InteractionOut])
def contact_timeline(
    contact_id: int,
    session: DbSession,
    page: PageParams,
    _: Principal = require(Permission.INTERACTIONS_READ),
) -> PageOut[InteractionOut]:
    """Every touchpoint of this contact, newest first, cursor-paginated."""
    return _page(service.contact_timeline(session, contact_id=contact_id, page=page))


@router.get("/accounts/{account_id}/timeline", response_model=PageOut[InteractionOut])
def account_timeline(
    account_id: int,
    session: DbSession,
    page: PageParams,
    _: Principal = require(Permission.INTERACTIONS_READ),
) -> PageOut[InteractionOut]:
    """Every touchpoint of this account and its people, newest first, cursor-paginated."""
    return _page(service.account_timeline(session, account_id=account_id, page=page))
