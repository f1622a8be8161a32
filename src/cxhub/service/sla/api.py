"""SLA routes: calendars and policies (configuration) and each ticket's SLA state."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.db import utcnow
from cxhub.core.permissions import Permission
from cxhub.service.sla import config, service
from cxhub.service.sla.schemas import (
    CalendarIn,
    CalendarOut,
    PolicyIn,
    PolicyOut,
    SlaEventOut,
    SlaTargetOut,
    TicketSlaOut,
)
from cxhub.service.tickets.service import get_ticket

router = APIRouter(route_class=TransactionalRoute, tags=["sla"])


@router.get("/business-calendars", response_model=list[CalendarOut])
def list_calendars(
    session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> list[CalendarOut]:
    return [CalendarOut.of(c) for c in config.list_calendars(session)]


@router.post("/business-calendars", response_model=CalendarOut, status_code=status.HTTP_201_CREATED)
def create_calendar(
    data: CalendarIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> CalendarOut:
    """Weekly hours in a time zone, plus holidays; SLA policies count business time on it."""
    return CalendarOut.of(
        config.save_calendar(session, workspace_id=principal.workspace_id, data=data)
    )


@router.get("/business-calendars/{calendar_id}", response_model=CalendarOut)
def get_calendar(
    calendar_id: int, session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> CalendarOut:
    return CalendarOut.of(config.get_calendar(session, calendar_id=calendar_id))


@router.put("/business-calendars/{calendar_id}", response_model=CalendarOut)
def replace_calendar(
    calendar_id: int,
    data: CalendarIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> CalendarOut:
    return CalendarOut.of(
        config.save_calendar(
            session, workspace_id=principal.workspace_id, data=data, calendar_id=calendar_id
        )
    )


@router.delete("/business-calendars/{calendar_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_calendar(
    calendar_id: int, session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> Response:
    """409 while a policy uses the calendar."""
    config.delete_calendar(session, calendar_id=calendar_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/sla-policies", response_model=list[PolicyOut])
def list_policies(
    session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> list[PolicyOut]:
    """Policies in the order they are tried: the first whose conditions match applies."""
    return [PolicyOut.of(p) for p in config.list_policies(session)]


@router.post("/sla-policies", response_model=PolicyOut, status_code=status.HTTP_201_CREATED)
def create_policy(
    data: PolicyIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> PolicyOut:
    return PolicyOut.of(config.save_policy(session, workspace_id=principal.workspace_id, data=data))


@router.get("/sla-policies/{policy_id}", response_model=PolicyOut)
def get_policy(
    policy_id: int, session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> PolicyOut:
    return PolicyOut.of(config.get_policy(session, policy_id=policy_id))


@router.put("/sla-policies/{policy_id}", response_model=PolicyOut)
def replace_policy(
    policy_id: int,
    data: PolicyIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> PolicyOut:
    """Applies to tickets changed from now on; running clocks keep their targets."""
    return PolicyOut.of(
        config.save_policy(
            session, workspace_id=principal.workspace_id, data=data, policy_id=policy_id
        )
    )


@router.delete("/sla-policies/{policy_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_policy(
    policy_id: int, session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> Response:
    config.delete_policy(session, policy_id=policy_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tickets/{ticket_id}/sla", response_model=TicketSlaOut)
def ticket_sla(
    ticket_id: int, session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> TicketSlaOut:
    """Every SLA target of the ticket (running, paused, fulfilled, breached) and the metric
    events they were built from."""
    ticket = get_ticket(session, ticket_id=ticket_id)
    risky = service.at_risk_target_ids(session, ticket=ticket, now=utcnow())
    return TicketSlaOut(
        ticket_id=ticket.id,
        policy_id=ticket.sla_policy_id,
        next_due_at=ticket.next_sla_due_at,
        breached=ticket.sla_breached,
        at_risk=bool(risky),
        targets=[
            SlaTargetOut.of(t, at_risk=t.id in risky)
            for t in service.ticket_targets(session, ticket_id=ticket.id)
        ],
        events=[SlaEventOut.of(e) for e in service.ticket_sla_events(session, ticket_id=ticket.id)],
    )
