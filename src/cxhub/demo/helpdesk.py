"""The demo's helpdesk configuration: business calendar, SLA policies, views, triggers, the
time-based automation, macros, team assignment modes and agent profiles.

The definitions are plain data so the ticket generator (`tickets`) can replay the same rules
without a database: it computes SLA deadlines with the same calendar and policy order, writes
the acknowledgement the web-form trigger would have posted, and closes tickets when the
"solved 4 days" automation would have. `configure_helpdesk` stores them through the config
services (validation included), inside the seeding transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.people.models import Team, User
from cxhub.service.assignment.models import AssignmentMode
from cxhub.service.assignment.schemas import AgentProfileIn, TeamAssignmentIn
from cxhub.service.assignment.service import set_agent_profile, set_team_mode
from cxhub.service.automations.config import save_rule
from cxhub.service.automations.models import AutomationRecord, MacroRecord, TriggerRecord
from cxhub.service.automations.schemas import AutomationIn, MacroIn, TriggerIn
from cxhub.service.sla.calendar import BusinessCalendar
from cxhub.service.sla.config import save_calendar, save_policy
from cxhub.service.sla.policy_match import PolicyConditions
from cxhub.service.sla.schemas import CalendarIn, PolicyIn
from cxhub.service.views.schemas import ViewCreate
from cxhub.service.views.service import create_view

CALENDAR_NAME = "Lumora support hours (Rome)"
CALENDAR_TIME_ZONE = "Europe/Rome"
OPENING = (time(9), time(18))
ESCALATION_TEAM = "Escalations"
OUTAGE_TAG = "outage"
OUTAGE_WORDS = ("outage", "disservizio", "故障", "gangguan")
#: The "solved 4 days → closed" automation, in hours.
CLOSE_AFTER_HOURS = 96
ACK_TEMPLATE = (
    "Hi {{ requester.first_name }}, thanks for contacting Lumora support. We received your "
    'request #{{ ticket.number }} "{{ ticket.subject }}" and an agent will reply soon.\n\n'
    "Ciao / 您好 / Halo: abbiamo ricevuto la sua richiesta, 我们已收到您的请求, "
    "permintaan Anda sudah kami terima."
)


def _easter(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def italian_holidays(year: int) -> list[date]:
    """Italy's national public holidays of `year` (4 October is one again from 2026)."""
    fixed = [(1, 1), (1, 6), (4, 25), (5, 1), (6, 2), (8, 15), (11, 1), (12, 8), (12, 25), (12, 26)]
    if year >= 2026:
        fixed.append((10, 4))
    days = [date(year, month, day) for month, day in fixed]
    days.append(_easter(year) + timedelta(days=1))  # Pasquetta
    return sorted(days)


def calendar_holidays(now: datetime) -> list[date]:
    """The holidays of every year the demo's tickets (and the weeks after seeding) touch."""
    return [
        day for year in (now.year - 1, now.year, now.year + 1) for day in italian_holidays(year)
    ]


def business_calendar(now: datetime) -> BusinessCalendar:
    return BusinessCalendar(
        time_zone=CALENDAR_TIME_ZONE,
        weekly_hours=dict.fromkeys(range(5), (OPENING,)),
        holidays=frozenset(calendar_holidays(now)),
    )


@dataclass(frozen=True)
class PolicySpec:
    key: str
    name: str
    conditions: dict[str, list[str]]
    targets: dict[str, int]  # minutes of business time per metric

    @property
    def matcher(self) -> PolicyConditions:
        return PolicyConditions(**{k: frozenset(v) for k, v in self.conditions.items()})


_PRIORITY_TARGETS = {"first_reply": 60, "next_reply": 240, "resolution": 9 * 60}
#: First match wins, in this order (the `position`). PolicyConditions are ANDed, so "enterprise
#: tier or urgent priority" is two policies with the same targets.
POLICIES: tuple[PolicySpec, ...] = (
    PolicySpec(
        "urgent",
        "Enterprise urgent: urgent priority",
        {"priorities": ["urgent"]},
        _PRIORITY_TARGETS,
    ),
    PolicySpec(
        "enterprise",
        "Enterprise urgent: enterprise accounts",
        {"account_tiers": ["enterprise"]},
        _PRIORITY_TARGETS,
    ),
    PolicySpec(
        "standard",
        "Standard",
        {},
        {"first_reply": 8 * 60, "next_reply": 8 * 60, "resolution": 3 * 9 * 60},
    ),
)


def policy_for(priority: str, tier: str | None, channel: str, tags: frozenset[str]) -> PolicySpec:
    """The policy `refresh_ticket_sla` would pick (`select_policy` over POLICIES in order)."""
    from cxhub.service.sla.policy_match import TicketFacts, select_policy

    facts = TicketFacts(priority=priority, channel=channel, account_tier=tier, tags=tags)
    chosen = select_policy([(p, p.matcher) for p in POLICIES], facts)
    assert chosen is not None  # the last policy is a catch-all
    return chosen


#: Team → assignment mode. Americas and Escalations are manual: their new tickets wait in
#: "Unassigned" until an agent takes them.
TEAM_MODES: dict[str, AssignmentMode] = {
    "Support EMEA": AssignmentMode.LEAST_LOADED,
    "Support APAC": AssignmentMode.ROUND_ROBIN,
    "Support Americas": AssignmentMode.MANUAL,
    ESCALATION_TEAM: AssignmentMode.MANUAL,
}
#: Agent → (max unsolved tickets, languages).
AGENT_PROFILES: dict[str, tuple[int, list[str]]] = {
    "tom.fletcher": (40, ["en"]),
    "chiara.valli": (40, ["it", "en"]),
    "xiaoyu.lin": (40, ["zh", "en"]),
    "putu.lestari": (40, ["id", "en"]),
    "jake.morrison": (45, ["en"]),
    "sofia.ramos": (35, ["en"]),
}


def _views() -> list[ViewCreate]:
    unsolved = ["new", "open", "pending", "on_hold"]
    specs: list[dict[str, Any]] = [
        {"name": "Urgent and high, unsolved", "conditions": {"statuses": unsolved, "priorities": ["urgent", "high"]}, "sort": "next_sla_due_at"},
        {"name": "Outages", "conditions": {"tags": [OUTAGE_TAG]}, "sort": "-created_at"},
        {"name": "Waiting on the customer", "conditions": {"statuses": ["pending"]}, "sort": "-updated_at"},
        {"name": "SLA due within 4 hours", "conditions": {"statuses": unsolved, "sla_due_within_minutes": 240}, "sort": "next_sla_due_at"},
        {"name": "Billing questions", "conditions": {"statuses": unsolved, "tags": ["billing"]}, "sort": "-updated_at"},
    ]  # fmt: skip
    return [
        ViewCreate.model_validate({**spec, "shared": True, "position": 10 + index})
        for index, spec in enumerate(specs)
    ]


def _triggers(escalation_team_id: int) -> list[TriggerIn]:
    outage = {
        "name": "Outages are urgent and go to Escalations",
        "position": 0,
        "all": [{"field": "event", "op": "is", "value": "ticket_created"}],
        "any": [{"field": "subject", "op": "contains", "value": word} for word in OUTAGE_WORDS],
        "actions": [
            {"type": "set_priority", "priority": "urgent"},
            {"type": "add_tags", "tags": [OUTAGE_TAG]},
            {"type": "assign_team", "team_id": escalation_team_id},
        ],
    }
    acknowledge = {
        "name": "Acknowledge web-form requests",
        "position": 1,
        "all": [
            {"field": "event", "op": "is", "value": "ticket_created"},
            {"field": "channel", "op": "is", "value": "web"},
        ],
        "actions": [{"type": "reply_public", "body": ACK_TEMPLATE}],
    }
    return [TriggerIn.model_validate(outage), TriggerIn.model_validate(acknowledge)]


def _automation() -> AutomationIn:
    return AutomationIn.model_validate(
        {
            "name": "Close tickets solved 4 days ago",
            "position": 0,
            "all": [
                {"field": "status", "op": "is", "value": "solved"},
                {"field": "hours_since_solved", "op": "gte", "value": CLOSE_AFTER_HOURS},
            ],
            "actions": [{"type": "set_status", "status": "closed"}],
        }
    )


def _macros() -> list[MacroIn]:
    specs: list[dict[str, Any]] = [
        {
            "name": "Ask for a screenshot (EN)",
            "actions": [
                {"type": "set_status", "status": "pending"},
                {"type": "add_tags", "tags": ["waiting_for_customer"]},
                {"type": "reply_public", "body": "Hi {{ requester.first_name }}, thanks for reaching out. Could you send a screenshot and the name of the project, so we can reproduce it?\n\n{{ agent.name }}, Lumora support"},
            ],
        },
        {
            "name": "Chiedere uno screenshot (IT)",
            "actions": [
                {"type": "set_status", "status": "pending"},
                {"type": "add_tags", "tags": ["waiting_for_customer"]},
                {"type": "reply_public", "body": "Ciao {{ requester.first_name }}, grazie per averci scritto. Può inviarci uno screenshot e il nome del progetto, così riproduciamo il problema?\n\n{{ agent.name }}, supporto Lumora"},
            ],
        },
        {
            "name": "Escalate to engineering / Passare allo sviluppo",
            "actions": [
                {"type": "set_status", "status": "on_hold"},
                {"type": "add_tags", "tags": ["engineering"]},
                {"type": "reply_public", "body": "Hi {{ requester.first_name }}, we have passed ticket #{{ ticket.number }} to our engineering team and will update you as soon as we hear back.\n\nCiao {{ requester.first_name }}, abbiamo passato il ticket #{{ ticket.number }} al team di sviluppo: la aggiorneremo appena possibile.\n\n{{ agent.name }}"},
                {"type": "add_internal_note", "body": "Escalated to engineering by {{ agent.name }}."},
            ],
        },
    ]  # fmt: skip
    return [MacroIn.model_validate(spec) for spec in specs]


@dataclass(frozen=True)
class HelpdeskIds:
    calendar_id: int
    policy_ids: dict[str, int]  # by PolicySpec.key
    team_ids: dict[str, int]  # by team name


def configure_helpdesk(
    session: Session, *, workspace_id: int, users: dict[str, User], now: datetime
) -> HelpdeskIds:
    """Store the demo's helpdesk configuration through the config services."""
    team_ids = {team.name: team.id for team in session.scalars(select(Team))}
    calendar = save_calendar(
        session,
        workspace_id=workspace_id,
        data=CalendarIn(
            name=CALENDAR_NAME,
            time_zone=CALENDAR_TIME_ZONE,
            weekly_hours={day: [("09:00", "18:00")] for day in ("mon", "tue", "wed", "thu", "fri")},
            holidays=[day.isoformat() for day in calendar_holidays(now)],
        ),
    )
    policy_ids: dict[str, int] = {}
    for position, spec in enumerate(POLICIES):
        policy = save_policy(
            session,
            workspace_id=workspace_id,
            data=PolicyIn.model_validate(
                {
                    "name": spec.name,
                    "position": position,
                    "calendar_id": calendar.id,
                    "conditions": spec.conditions,
                    "targets": spec.targets,
                }
            ),
        )
        policy_ids[spec.key] = policy.id
    admin = users["admin"]
    for view in _views():
        create_view(
            session, workspace_id=workspace_id, user_id=admin.id, data=view, may_configure=True
        )
    for trigger in _triggers(team_ids[ESCALATION_TEAM]):
        save_rule(session, TriggerRecord, workspace_id=workspace_id, data=trigger)
    save_rule(session, AutomationRecord, workspace_id=workspace_id, data=_automation())
    for position, macro in enumerate(_macros()):
        save_rule(
            session,
            MacroRecord,
            workspace_id=workspace_id,
            data=macro.model_copy(update={"position": position}),
        )
    for team, mode in TEAM_MODES.items():
        set_team_mode(
            session,
            workspace_id=workspace_id,
            team_id=team_ids[team],
            data=TeamAssignmentIn(mode=mode),
        )
    for key, (capacity, languages) in AGENT_PROFILES.items():
        set_agent_profile(
            session,
            workspace_id=workspace_id,
            user_id=users[key].id,
            data=AgentProfileIn.model_validate(
                {"max_open_tickets": capacity, "languages": languages}
            ),
        )
    return HelpdeskIds(calendar.id, policy_ids, team_ids)
