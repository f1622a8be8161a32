"""Journey routes: definitions (admins), a customer's stages, and journey analytics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from pydantic import AwareDatetime

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, get_runtime, require
from cxhub.core.permissions import Permission
from cxhub.experience.journeys import analytics, service
from cxhub.experience.journeys.analytics_schemas import JourneyAnalyticsOut
from cxhub.experience.journeys.schemas import (
    CustomerStageOut,
    JourneyIn,
    JourneyOut,
    StageEntryOut,
)

router = APIRouter(route_class=TransactionalRoute, tags=["journeys"])
DEFAULT_DAYS = 90


@router.get("/journeys", response_model=list[JourneyOut])
def list_journeys(
    session: DbSession, _: Principal = require(Permission.INTERACTIONS_READ)
) -> list[JourneyOut]:
    return [JourneyOut.of(j) for j in service.list_journeys(session)]


@router.post("/journeys", response_model=JourneyOut, status_code=status.HTTP_201_CREATED)
def create_journey(
    data: JourneyIn,
    session: DbSession,
    principal: Principal = require(Permission.JOURNEYS_CONFIGURE),
) -> JourneyOut:
    """Define a journey; without `stages` it gets the seven default stages and rules."""
    return JourneyOut.of(
        service.create_journey(session, workspace_id=principal.workspace_id, data=data)
    )


@router.get("/journeys/{journey_id}", response_model=JourneyOut)
def get_journey(
    journey_id: int, session: DbSession, _: Principal = require(Permission.INTERACTIONS_READ)
) -> JourneyOut:
    return JourneyOut.of(service.get_journey(session, journey_id=journey_id))


@router.put("/journeys/{journey_id}", response_model=JourneyOut)
def update_journey(
    journey_id: int,
    data: JourneyIn,
    session: DbSession,
    _: Principal = require(Permission.JOURNEYS_CONFIGURE),
) -> JourneyOut:
    return JourneyOut.of(service.update_journey(session, journey_id=journey_id, data=data))


@router.delete("/journeys/{journey_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_journey(
    journey_id: int, session: DbSession, _: Principal = require(Permission.JOURNEYS_CONFIGURE)
) -> None:
    service.delete_journey(session, journey_id=journey_id)


@router.get("/journeys/{journey_id}/analytics", response_model=JourneyAnalyticsOut)
def journey_analytics(
    journey_id: int,
    request: Request,
    session: DbSession,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    parts: Annotated[list[str] | None, Query(max_length=4)] = None,
    steps: int = Query(default=5, ge=2, le=10),
    top: int = Query(default=10, ge=1, le=50),
    principal: Principal = require(Permission.INTERACTIONS_READ),
) -> JourneyAnalyticsOut:
    """Funnel, time in stage, drop-off, touchpoint paths (Sankey nodes/links and the top
    paths), NPS and sentiment per stage and per channel, over `since <= t < until` (default:
    the last 90 days). `parts` picks some of funnel, time_in_stage, paths, scores."""
    end = until or datetime.now(UTC)
    start = since or end - timedelta(days=DEFAULT_DAYS)
    result = analytics.journey_analytics(
        session,
        workspace_id=principal.workspace_id,
        journey_id=journey_id,
        since=start,
        until=end,
        data_dir=get_runtime(request).settings.data_dir,
        parts=tuple(parts) if parts else analytics.PARTS,
        steps=steps,
        top=top,
    )
    return JourneyAnalyticsOut.of(journey_id, result)


@router.get("/contacts/{contact_id}/journeys", response_model=list[CustomerStageOut])
def contact_journeys(
    contact_id: int, session: DbSession, _: Principal = require(Permission.CUSTOMERS_READ)
) -> list[CustomerStageOut]:
    """The contact's current stage and stage history in each journey."""
    return [
        CustomerStageOut(
            journey_id=journey.id,
            journey_name=journey.name,
            current=StageEntryOut.of(max(entries, key=lambda e: e.position)) if entries else None,
            history=[StageEntryOut.of(e) for e in entries],
        )
        for journey, entries in service.customer_stages(session, contact_id=contact_id)
    ]
