"""What each trigger looks at, turned into observations: does the condition hold for an
account now, and with which facts. Reads other domains through their services and the metric
layer (`analytics`) only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
from sqlalchemy.orm import Session

from cxhub.analytics import adoption, revenue_kpis
from cxhub.analytics.revenue import Renewal
from cxhub.analytics.ticket_topics import PLAYBOOK_TICKET_PREFIX, top_topic
from cxhub.analytics.usage_signals import AccountUsage, accounts_usage
from cxhub.core.errors import NotFound
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import service as contacts
from cxhub.service.sla.events import SlaBreached
from cxhub.service.tickets.service import get_ticket
from cxhub.success.health import service as health
from cxhub.success.health.events import HealthBandChanged
from cxhub.success.playbooks.definition import (
    HealthBandTrigger,
    NpsDetractorTrigger,
    RenewalDueTrigger,
    RepeatedTicketsTrigger,
    SeatsNearLimitTrigger,
    UsageDropTrigger,
)
from cxhub.success.playbooks.events import NpsResponseRecorded
from cxhub.success.subscriptions import service as subscriptions


@dataclass(frozen=True)
class Observation:
    """`holds` None: this observation says nothing about the condition (keep the state).
    `signal`: an event that keeps an event-driven episode alive (refreshes its clock)."""

    account_id: int
    holds: bool | None
    summary: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    signal: bool = False


def _in_bands(trigger: HealthBandTrigger, band: str | None) -> bool:
    return band is not None and band.lower() in {b.lower() for b in trigger.bands}


def health_event(
    session: Session, trigger: HealthBandTrigger, event: HealthBandChanged
) -> Observation:
    """A band change by the trigger's scorecard (the default one when it names none, like the
    hourly check); changes by other scorecards say nothing."""
    watched = trigger.scorecard_id
    if watched is None:
        default = health.find_default_scorecard(session)
        watched = default.id if default is not None else None
    if watched != event.scorecard_id:
        return Observation(event.account_id, None)
    facts = {
        "scorecard_id": event.scorecard_id,
        "day": event.day.isoformat(),
        "previous_band": event.previous_band,
        "band": event.band,
        "previous_score": event.previous_score,
        "score": event.score,
    }
    summary = f"Health moved from {event.previous_band or 'unscored'} to {event.band or 'unscored'}"
    return Observation(event.account_id, _in_bands(trigger, event.band), summary, facts)


def health_now(
    session: Session, trigger: HealthBandTrigger, account_ids: list[int]
) -> list[Observation]:
    """The latest stored band of each account (the hourly check: an account first scored in a
    watched band has no band *change* event)."""
    try:
        latest = health.latest_score_by_account(
            session, account_ids=account_ids, scorecard_id=trigger.scorecard_id
        )
    except NotFound:
        return []
    found = []
    for account_id in account_ids:
        score = latest.get(account_id)
        if score is None:
            continue
        facts = {
            "scorecard_id": score.scorecard_id,
            "day": score.day.isoformat(),
            "band": score.band,
            "score": score.score,
        }
        summary = f"Health is {score.band or 'unscored'}"
        found.append(Observation(account_id, _in_bands(trigger, score.band), summary, facts))
    return found


def nps_event(trigger: NpsDetractorTrigger, event: NpsResponseRecorded) -> Observation:
    facts = {
        "score": event.score,
        "contact_id": event.contact_id,
        "responded_at": event.responded_at.isoformat(),
    }
    detractor = event.score <= trigger.max_score
    summary = f"NPS answer {event.score}" + (" (detractor)" if detractor else "")
    return Observation(event.account_id, detractor, summary, facts, signal=detractor)


def sla_event(session: Session, event: SlaBreached) -> Observation | None:
    """A breach on a ticket of an account; tickets opened by playbooks are ignored."""
    if event.account_id is None:
        return None
    try:
        ticket = get_ticket(session, ticket_id=event.ticket_id)
    except NotFound:
        return None
    if (ticket.external_id or "").startswith(PLAYBOOK_TICKET_PREFIX):
        return None
    facts = {
        "ticket_id": event.ticket_id,
        "ticket_number": ticket.number,
        "metric": event.metric,
        "due_at": event.due_at.isoformat(),
    }
    summary = f"SLA {event.metric} breached on ticket #{ticket.number}"
    return Observation(event.account_id, True, summary, facts, signal=True)


def repeated_tickets(
    session: Session,
    trigger: RepeatedTicketsTrigger,
    *,
    workspace_id: int,
    account_id: int,
    now: datetime,
) -> Observation:
    topic = top_topic(
        session,
        workspace_id=workspace_id,
        account_id=account_id,
        since=now - timedelta(days=trigger.days),
        until=now + timedelta(seconds=1),
        tag=trigger.tag,
        ticket_type=trigger.ticket_type,
    )
    count = topic.tickets if topic else 0
    holds = count >= trigger.count
    facts: dict[str, Any] = {"days": trigger.days, "tickets": count}
    if topic is not None:
        facts |= {"topic": topic.topic, "ticket_ids": topic.ticket_ids[-50:]}
    summary = (
        f"{count} tickets about {topic.topic} in {trigger.days} days" if topic else "No tickets"
    )
    return Observation(account_id, holds, summary, facts)


def soonest_renewals(
    session: Session, trigger: RenewalDueTrigger, *, workspace_id: int, today: date
) -> dict[int, Renewal]:
    """The soonest renewal within the trigger's window of each account that has one."""
    _, due = revenue_kpis.renewals(
        session, workspace_id=workspace_id, today=today, windows=(trigger.days,)
    )
    soonest: dict[int, Renewal] = {}
    for item in due:
        soonest.setdefault(item.candidate.account_id, item)
    return soonest


def renewals(soonest: dict[int, Renewal], *, account_ids: list[int]) -> list[Observation]:
    found = []
    for account_id in account_ids:
        renewal = soonest.get(account_id)
        if renewal is None:
            found.append(Observation(account_id, False))
            continue
        candidate = renewal.candidate
        facts = {
            "subscription_id": candidate.subscription_id,
            "plan": candidate.plan,
            "renewal_on": candidate.renewal_on.isoformat(),
            "days_until": renewal.days_until,
            "arr_cents": renewal.arr_cents,
            "currency": candidate.currency,
        }
        summary = f"Renewal of {candidate.plan} on {candidate.renewal_on.isoformat()}"
        found.append(Observation(account_id, True, summary, facts))
    return found


def adoption_observations(
    session: Session,
    triggers: list[UsageDropTrigger | SeatsNearLimitTrigger],
    *,
    connection: duckdb.DuckDBPyConnection,
    account_ids: list[int],
    now: datetime,
) -> dict[int, list[Observation]]:
    """Per trigger (by position in `triggers`), one observation per account, from one GROUP BY
    over `connection`'s usage events (`adoption.open_events` over `adoption.usage_window(now)`)
    for the whole batch."""
    result: dict[int, list[Observation]] = {i: [] for i in range(len(triggers))}
    if not triggers or not account_ids:
        return result
    seats = subscriptions.live_seats(session, account_ids=account_ids, today=now.date())
    records = accounts.get_accounts(session, account_ids=set(account_ids))
    users = contacts.external_ids_of_accounts(session, account_ids=account_ids)
    usage = accounts_usage(connection, users_by_account=users, as_of=now)
    for account_id in account_ids:
        record = records.get(account_id)
        licensed = seats.get(account_id) or adoption.licensed_seats_of(
            record.custom_attributes if record is not None else None
        )
        for index, trigger in enumerate(triggers):
            result[index].append(_adoption(trigger, account_id, usage[account_id], licensed))
    return result


def _adoption(
    trigger: UsageDropTrigger | SeatsNearLimitTrigger,
    account_id: int,
    usage: AccountUsage,
    licensed: int | None,
) -> Observation:
    if isinstance(trigger, UsageDropTrigger):
        trend = usage.usage_trend
        enough = usage.events_previous_30_days >= trigger.min_previous_events
        holds = enough and trend is not None and trend <= trigger.max_trend
        facts = {
            "events_last_30_days": usage.events_last_30_days,
            "events_previous_30_days": usage.events_previous_30_days,
            "usage_trend": trend,
        }
        drop = f"{(1 - trend) * 100:.0f}%" if trend is not None else "n/a"
        return Observation(account_id, holds, f"Usage down {drop} over 30 days", facts)
    utilisation = usage.active_seats / licensed if licensed else None
    holds = utilisation is not None and utilisation >= trigger.min_utilisation
    facts = {
        "active_seats": usage.active_seats,
        "licensed_seats": licensed,
        "seat_utilisation": utilisation,
    }
    summary = f"{usage.active_seats} of {licensed or 0} seats active"
    return Observation(account_id, holds, summary, facts)
