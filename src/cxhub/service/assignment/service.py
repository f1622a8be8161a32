"""Automatic assignment: which agent of a ticket's team gets it, by the team's mode.

Candidates are the team's active members whose role may work tickets, who are available and
below their capacity (unsolved tickets: new, open, pending, on hold). Among them, those who speak
the ticket's language (primary subtags compared: `it-IT` ↔ `it`) are preferred; when none does,
anyone with capacity gets it — an unanswered ticket is worse than one in a second language.

- `round_robin`: the next candidate by user id after the team's cursor (wrapping around);
- `least_loaded`: fewest unsolved tickets, ties to whoever waited longest since an assignment.

The team's settings row is read `FOR UPDATE` (PostgreSQL; SQLite writers are serialised by
`BEGIN IMMEDIATE`), so concurrent assignments in one team take turns and see each other's loads.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.permissions import Permission, role_allows
from cxhub.people.models import TeamMembership, User
from cxhub.people.service import get_team, get_user
from cxhub.service.assignment.models import AgentProfile, AssignmentMode, TeamAssignmentSettings
from cxhub.service.assignment.schemas import AgentProfileIn, TeamAssignmentIn
from cxhub.service.tickets.filters import UNSOLVED
from cxhub.service.tickets.models import Ticket

_NEVER = datetime.min.replace(tzinfo=UTC)


def primary_language(tag: str | None) -> str | None:
    """`pt-BR` → `pt`; None for no tag."""
    if not tag:
        return None
    return tag.replace("_", "-").split("-", 1)[0].lower() or None


def team_settings(session: Session, *, team_id: int, lock: bool = False) -> TeamAssignmentSettings:
    """The team's settings; an unsaved `manual` row when none were stored yet."""
    get_team(session, team_id=team_id)
    statement = select(TeamAssignmentSettings).where(TeamAssignmentSettings.team_id == team_id)
    found = session.scalar(statement.with_for_update() if lock else statement)
    return found or TeamAssignmentSettings(team_id=team_id, mode=AssignmentMode.MANUAL)


def set_team_mode(
    session: Session, *, workspace_id: int, team_id: int, data: TeamAssignmentIn
) -> TeamAssignmentSettings:
    settings = team_settings(session, team_id=team_id)
    settings.mode = data.mode
    if settings.id is None:
        settings.workspace_id = workspace_id
        session.add(settings)
    session.flush()
    return settings


def agent_profile(session: Session, *, user_id: int) -> AgentProfile:
    """The agent's profile; an unsaved default (available, no limit) when none was stored."""
    get_user(session, user_id=user_id)
    found = session.scalar(select(AgentProfile).where(AgentProfile.user_id == user_id))
    return found or AgentProfile(
        user_id=user_id, max_open_tickets=None, languages=[], available=True
    )


def set_agent_profile(
    session: Session, *, workspace_id: int, user_id: int, data: AgentProfileIn
) -> AgentProfile:
    profile = agent_profile(session, user_id=user_id)
    profile.max_open_tickets = data.max_open_tickets
    profile.languages = list(dict.fromkeys(tag.lower() for tag in data.languages))
    profile.available = data.available
    if profile.id is None:
        profile.workspace_id = workspace_id
        session.add(profile)
    session.flush()
    return profile


def open_ticket_counts(session: Session, user_ids: list[int]) -> dict[int, int]:
    """Unsolved tickets per agent (one range of `ix_tickets_assignee_status` each)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Ticket.assignee_id, func.count())
        .where(Ticket.assignee_id.in_(user_ids), Ticket.status.in_(UNSOLVED))
        .group_by(Ticket.assignee_id)
    )
    counts = dict.fromkeys(user_ids, 0)
    for user_id, count in rows:
        if user_id is not None:
            counts[user_id] = int(count)
    return counts


def _candidates(
    session: Session, *, team_id: int, language: str | None
) -> tuple[list[int], dict[int, int], dict[int, AgentProfile]]:
    members = session.scalars(
        select(User)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team_id, User.is_active.is_(True))
        .order_by(User.id)
    )
    workers = [u.id for u in members if role_allows(u.role, Permission.TICKETS_WRITE)]
    profiles = {
        p.user_id: p
        for p in session.scalars(select(AgentProfile).where(AgentProfile.user_id.in_(workers)))
    }
    loads = open_ticket_counts(session, workers)

    def has_room(user_id: int) -> bool:
        profile = profiles.get(user_id)
        if profile is None:
            return True
        limit = profile.max_open_tickets
        return profile.available and (limit is None or loads[user_id] < limit)

    eligible = [user_id for user_id in workers if has_room(user_id)]
    speakers = [
        user_id
        for user_id in eligible
        if user_id in profiles
        and language in {primary_language(tag) for tag in profiles[user_id].languages}
    ]
    return (speakers if language and speakers else eligible), loads, profiles


def assign_ticket_automatically(session: Session, *, ticket: Ticket) -> int | None:
    """Choose the agent for `ticket` by its team's mode and record the turn (round-robin
    cursor, the agent's `last_assigned_at`); None for no team, a manual team or nobody with
    room. The caller sets the assignee (tickets service), which publishes the assignment."""
    if ticket.team_id is None:
        return None
    settings = team_settings(session, team_id=ticket.team_id, lock=True)
    if settings.mode == AssignmentMode.MANUAL:
        return None
    candidates, loads, profiles = _candidates(
        session, team_id=ticket.team_id, language=primary_language(ticket.language)
    )
    if not candidates:
        return None
    if settings.mode == AssignmentMode.ROUND_ROBIN:
        cursor = settings.last_assigned_user_id or 0
        chosen = next((u for u in candidates if u > cursor), candidates[0])
        settings.last_assigned_user_id = chosen
    else:

        def waited(user_id: int) -> datetime:
            profile = profiles.get(user_id)
            return (profile.last_assigned_at if profile else None) or _NEVER

        chosen = min(candidates, key=lambda u: (loads[u], waited(u), u))
    profile = profiles.get(chosen)
    if profile is None:
        profile = AgentProfile(workspace_id=ticket.workspace_id, user_id=chosen, languages=[])
        session.add(profile)
    profile.last_assigned_at = utcnow()
    session.flush()
    return chosen
