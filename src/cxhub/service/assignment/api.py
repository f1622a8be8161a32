"""Assignment routes: a team's mode, an agent's profile, and auto-assigning one ticket."""

from __future__ import annotations

from fastapi import APIRouter

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.errors import Conflict, ValidationFailed
from cxhub.core.permissions import Permission
from cxhub.service.assignment import service
from cxhub.service.assignment.models import AgentProfile, AssignmentMode, TeamAssignmentSettings
from cxhub.service.assignment.schemas import (
    AgentProfileIn,
    AgentProfileOut,
    TeamAssignmentIn,
    TeamAssignmentOut,
)
from cxhub.service.tickets import service as tickets
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.schemas import TicketOut, TicketUpdate

router = APIRouter(route_class=TransactionalRoute, tags=["assignment"])


def _team_out(settings: TeamAssignmentSettings) -> TeamAssignmentOut:
    return TeamAssignmentOut(
        team_id=settings.team_id,
        mode=settings.mode,
        last_assigned_user_id=settings.last_assigned_user_id,
    )


def _profile_out(session: DbSession, profile: AgentProfile) -> AgentProfileOut:
    return AgentProfileOut(
        user_id=profile.user_id,
        max_open_tickets=profile.max_open_tickets,
        languages=list(profile.languages),
        available=profile.available,
        last_assigned_at=profile.last_assigned_at,
        open_tickets=service.open_ticket_counts(session, [profile.user_id])[profile.user_id],
    )


@router.get("/teams/{team_id}/assignment", response_model=TeamAssignmentOut)
def get_team_assignment(
    team_id: int, session: DbSession, _: Principal = require(Permission.PEOPLE_READ)
) -> TeamAssignmentOut:
    return _team_out(service.team_settings(session, team_id=team_id))


@router.put("/teams/{team_id}/assignment", response_model=TeamAssignmentOut)
def set_team_assignment(
    team_id: int,
    data: TeamAssignmentIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> TeamAssignmentOut:
    """`manual`, `round_robin` or `least_loaded` for the team's new tickets."""
    settings = service.set_team_mode(
        session, workspace_id=principal.workspace_id, team_id=team_id, data=data
    )
    return _team_out(settings)


@router.get("/agents/{user_id}/profile", response_model=AgentProfileOut)
def get_agent_profile(
    user_id: int, session: DbSession, _: Principal = require(Permission.PEOPLE_READ)
) -> AgentProfileOut:
    return _profile_out(session, service.agent_profile(session, user_id=user_id))


@router.put("/agents/{user_id}/profile", response_model=AgentProfileOut)
def set_agent_profile(
    user_id: int,
    data: AgentProfileIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> AgentProfileOut:
    """Capacity (`max_open_tickets`, null for no limit), `languages` and `available`."""
    profile = service.set_agent_profile(
        session, workspace_id=principal.workspace_id, user_id=user_id, data=data
    )
    return _profile_out(session, profile)


@router.post("/tickets/{ticket_id}/auto-assign", response_model=TicketOut)
def auto_assign(
    ticket_id: int, session: DbSession, principal: Principal = require(Permission.TICKETS_WRITE)
) -> TicketOut:
    """Assign the ticket by its team's mode: 422 without a team or for a manual team, 409 when
    no agent has room."""
    ticket = tickets.get_ticket(session, ticket_id=ticket_id)
    if ticket.team_id is None:
        raise ValidationFailed("the ticket has no team to assign from", field="team_id")
    if service.team_settings(session, team_id=ticket.team_id).mode == AssignmentMode.MANUAL:
        raise ValidationFailed("the ticket's team assigns manually", field="team_id")
    chosen = service.assign_ticket_automatically(session, ticket=ticket)
    if chosen is None:
        raise Conflict("no agent of the team is available with room for another ticket")
    updated = tickets.update_ticket(
        session,
        ticket_id=ticket.id,
        data=TicketUpdate(assignee_id=chosen),
        actor=Actor.agent(principal.user_id),
    )
    return TicketOut.of(updated)
