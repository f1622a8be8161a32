"""Running SLA clocks on tickets.

After every ticket change `refresh_ticket_sla` (called from `tickets.hooks`) keeps the ticket's
targets in step: it picks the policy, starts, pauses, resumes and fulfils targets, writes an
`SlaEvent` for each step, recomputes deadlines with the pure `SlaClock`, and denormalises the
nearest deadline into `Ticket.next_sla_due_at`. Breaches are found by the periodic
`sla.check_breaches` job (`check_breaches`), and also when a target is fulfilled late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.events import publish
from cxhub.service.sla.calendar import BusinessCalendar, business_time_between
from cxhub.service.sla.calendars import calendar_of, known_calendar
from cxhub.service.sla.clock import SlaClock, SlaPause
from cxhub.service.sla.events import SlaBreached
from cxhub.service.sla.models import BusinessCalendarRecord, SlaEvent, SlaPolicy, TicketSlaTarget
from cxhub.service.sla.policy_match import PolicyConditions, SlaMetric, TicketFacts, select_policy
from cxhub.service.tickets.hooks import TicketChange, account_of
from cxhub.service.tickets.models import Ticket, TicketStatus
from cxhub.service.tickets.status import DEFAULT_PAUSING

SOLVED = frozenset({TicketStatus.SOLVED, TicketStatus.CLOSED})
#: Calendars already at hand during one refresh, by record id.
Calendars = dict[int, BusinessCalendar]


def _facts(session: Session, ticket: Ticket, *, with_tier: bool = True) -> TicketFacts:
    tier = None
    if with_tier and ticket.account_id is not None:
        account = account_of(session, ticket)
        tier = account.tier if account is not None else None
    return TicketFacts(
        priority=ticket.priority.value,
        channel=ticket.channel.value,
        account_tier=tier,
        ticket_type=ticket.ticket_type,
        tags=frozenset(ticket.tags),
    )


def policy_for(
    session: Session, ticket: Ticket, calendars: Calendars | None = None
) -> SlaPolicy | None:
    """The active policy that applies to the ticket. Each policy's calendar's `updated_at`
    comes along (an outer join): a calendar this process has built as it is now goes into
    `calendars`, and the refresh reads no calendar row."""
    rows = session.execute(
        select(SlaPolicy, BusinessCalendarRecord.updated_at)
        .outerjoin(BusinessCalendarRecord, BusinessCalendarRecord.id == SlaPolicy.calendar_id)
        .where(SlaPolicy.active.is_(True))
        .order_by(SlaPolicy.position, SlaPolicy.id)
    ).all()
    if not rows:
        return None
    policies = [policy for policy, _ in rows]
    if calendars is not None:
        for policy, calendar_updated_at in rows:
            if policy.calendar_id is not None and calendar_updated_at is not None:
                known = known_calendar(policy.calendar_id, calendar_updated_at)
                if known is not None:
                    calendars[policy.calendar_id] = known
    candidates = [(p, PolicyConditions(**p.conditions)) for p in policies]
    # The account is read only when a policy is conditioned on its tier (one query saved on
    # every ticket change of the usual workspace, whose policies never are).
    with_tier = any(conditions.account_tiers for _, conditions in candidates)
    return select_policy(candidates, _facts(session, ticket, with_tier=with_tier))


def _event(session: Session, target: TicketSlaTarget, kind: str, at: datetime) -> None:
    session.add(
        SlaEvent(
            workspace_id=target.workspace_id,
            ticket_id=target.ticket_id,
            target_id=target.id,
            metric=target.metric,
            kind=kind,
            occurred_at=at,
        )
    )


def _start(
    session: Session,
    ticket: Ticket,
    policy: SlaPolicy,
    metric: SlaMetric,
    at: datetime,
    opened: list[TicketSlaTarget] | None = None,
) -> TicketSlaTarget | None:
    minutes = policy.targets.get(metric.value)
    if not minutes:
        return None
    target = TicketSlaTarget(
        workspace_id=ticket.workspace_id,
        ticket_id=ticket.id,
        policy_id=policy.id,
        metric=metric.value,
        target_minutes=int(minutes),
        started_at=at,
        pauses=[],
    )
    session.add(target)
    session.flush()
    _event(session, target, "activated", at)
    if opened is not None:
        opened.append(target)
    return target


def _close(
    session: Session,
    ticket: Ticket,
    policy: SlaPolicy | None,
    target: TicketSlaTarget,
    at: datetime,
    *,
    cancelled: bool,
    calendars: Calendars | None = None,
) -> None:
    if target.paused_at is not None:
        target.pauses = [*target.pauses, [target.paused_at.isoformat(), at.isoformat()]]
        target.paused_at = None
    target.closed = True
    target.cancelled = cancelled
    if cancelled:
        _event(session, target, "cancelled", at)
        return
    target.fulfilled_at = at
    _event(session, target, "fulfilled", at)
    clock = _clock(target, policy, session, calendars)
    target.due_at = clock.due_at()
    crossed = clock.breached_at()
    if crossed is not None and target.breached_at is None:
        _mark_breached(session, ticket, target, crossed)


def _calendar(session: Session, policy: SlaPolicy | None, calendars: Calendars) -> BusinessCalendar:
    """The policy's calendar (24/7 UTC without one). `calendars` keeps the ones already read in
    this call: the session's identity map holds unmodified rows only weakly, so `session.get`
    of a calendar nothing references any more is a query again, once per target."""
    if policy is None or policy.calendar_id is None:
        return calendar_of(None)
    calendar = calendars.get(policy.calendar_id)
    if calendar is None:
        calendar = calendar_of(session.get(BusinessCalendarRecord, policy.calendar_id))
        calendars[policy.calendar_id] = calendar
    return calendar


def _clock(
    target: TicketSlaTarget,
    policy: SlaPolicy | None,
    session: Session,
    calendars: Calendars | None = None,
) -> SlaClock:
    calendar = _calendar(session, policy, {} if calendars is None else calendars)
    pauses = [
        SlaPause(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in target.pauses
    ]
    if target.paused_at is not None:
        pauses.append(SlaPause(target.paused_at))
    return SlaClock(
        calendar=calendar,
        target=timedelta(minutes=target.target_minutes),
        started_at=target.started_at,
        pauses=pauses,
        fulfilled_at=target.fulfilled_at,
    )


def _open_targets(session: Session, ticket: Ticket) -> list[TicketSlaTarget]:
    return list(
        session.scalars(
            select(TicketSlaTarget)
            .where(TicketSlaTarget.ticket_id == ticket.id, TicketSlaTarget.closed.is_(False))
            .order_by(TicketSlaTarget.id)
        )
    )


def _initial_targets(
    session: Session,
    ticket: Ticket,
    policy: SlaPolicy,
    at: datetime,
    opened: list[TicketSlaTarget],
) -> None:
    if ticket.status in SOLVED:
        return
    if ticket.first_replied_at is None:
        _start(session, ticket, policy, SlaMetric.FIRST_REPLY, ticket.created_at, opened)
    elif (ticket.last_customer_message_at or ticket.created_at) > (
        ticket.last_agent_reply_at or ticket.created_at
    ):
        first = ticket.last_customer_message_at or at
        _start(session, ticket, policy, SlaMetric.NEXT_REPLY, first, opened)
    else:
        last = ticket.last_agent_reply_at or at
        _start(session, ticket, policy, SlaMetric.PERIODIC_UPDATE, last, opened)
    _start(session, ticket, policy, SlaMetric.RESOLUTION, ticket.created_at, opened)


def refresh_ticket_sla(session: Session, *, ticket: Ticket, change: TicketChange) -> None:
    """Runs inside every writing ticket transaction (on SQLite under the one write lock), so
    it reads the ticket's open targets once and keeps track of the ones it closes and starts,
    and reads a calendar at most once, instead of asking the database again for each step."""
    at = change.at
    calendars: Calendars = {}
    policy = policy_for(session, ticket, calendars)
    # Targets are only ever started here, under a policy whose id is then stamped on the
    # ticket, and a ticket whose policy goes away has them closed here as well: a ticket with
    # no policy before or now has none open (no query for workspaces without SLAs).
    targets = (
        _open_targets(session, ticket)
        if policy is not None or ticket.sla_policy_id is not None
        else []
    )
    policy_id = policy.id if policy is not None else None
    if policy_id != ticket.sla_policy_id or (policy is not None and change.before is None):
        # the old policy's targets are cancelled, which needs no clock (so not the old policy)
        for target in targets:
            _close(session, ticket, None, target, at, cancelled=True)
        ticket.sla_policy_id = policy_id
        if policy is not None:
            _initial_targets(session, ticket, policy, at, targets)
    elif policy is not None:
        _advance(session, ticket, policy, targets, change, calendars)
    _recompute(session, ticket, policy, [t for t in targets if not t.closed], calendars)


def _advance(
    session: Session,
    ticket: Ticket,
    policy: SlaPolicy,
    targets: list[TicketSlaTarget],
    change: TicketChange,
    calendars: Calendars,
) -> None:
    """Move the open `targets` on after `change`; the targets it starts are added to them."""
    at = change.at
    by_metric = {t.metric: t for t in targets}
    message = change.message
    if change.event == "agent_replied" and message is not None and message.is_public:
        for metric in (SlaMetric.FIRST_REPLY, SlaMetric.NEXT_REPLY, SlaMetric.PERIODIC_UPDATE):
            if metric.value in by_metric:
                replied = by_metric.pop(metric.value)
                _close(session, ticket, policy, replied, at, cancelled=False, calendars=calendars)
        if ticket.status not in SOLVED:
            started = _start(session, ticket, policy, SlaMetric.PERIODIC_UPDATE, at, targets)
            if started is not None:
                by_metric[started.metric] = started
    elif (
        change.event == "customer_replied"
        and ticket.first_replied_at is not None
        and SlaMetric.NEXT_REPLY.value not in by_metric
        and ticket.status not in SOLVED
    ):
        started = _start(session, ticket, policy, SlaMetric.NEXT_REPLY, at, targets)
        if started is not None:
            by_metric[started.metric] = started
    before = change.before.status if change.before is not None else None
    if before is None or before == ticket.status:
        return
    if ticket.status in SOLVED:
        for target in by_metric.values():
            cancel = target.metric != SlaMetric.RESOLUTION.value
            _close(session, ticket, policy, target, at, cancelled=cancel, calendars=calendars)
        return
    if before in SOLVED:  # reopened: a new resolution cycle (and a reply is owed)
        _start(session, ticket, policy, SlaMetric.RESOLUTION, at, targets)
        if change.event != "customer_replied":
            _start(session, ticket, policy, SlaMetric.NEXT_REPLY, at, targets)
        return
    pausing = frozenset(TicketStatus(s) for s in policy.pause_statuses) or DEFAULT_PAUSING
    if ticket.status in pausing and before not in pausing:
        for target in by_metric.values():
            if target.paused_at is None:
                target.paused_at = at
                _event(session, target, "paused", at)
    elif ticket.status not in pausing and before in pausing:
        for target in by_metric.values():
            if target.paused_at is not None:
                target.pauses = [*target.pauses, [target.paused_at.isoformat(), at.isoformat()]]
                target.paused_at = None
                _event(session, target, "resumed", at)


def _stamp_business_times(
    session: Session, ticket: Ticket, policy: SlaPolicy | None, calendars: Calendars
) -> None:
    """Business-time first reply and resolution, on the policy's calendar (24/7 without one)."""
    needs_reply = (
        ticket.first_replied_at is not None and ticket.first_reply_business_seconds is None
    )
    if ticket.solved_at is None:
        ticket.resolution_business_seconds = None
    needs_resolution = ticket.solved_at is not None and ticket.resolution_business_seconds is None
    if not (needs_reply or needs_resolution):
        return
    calendar = _calendar(session, policy, calendars)
    if needs_reply and ticket.first_replied_at is not None:
        elapsed = business_time_between(calendar, ticket.created_at, ticket.first_replied_at)
        ticket.first_reply_business_seconds = int(elapsed.total_seconds())
    if needs_resolution and ticket.solved_at is not None:
        elapsed = business_time_between(calendar, ticket.created_at, ticket.solved_at)
        ticket.resolution_business_seconds = int(elapsed.total_seconds())


def _recompute(
    session: Session,
    ticket: Ticket,
    policy: SlaPolicy | None,
    open_targets: list[TicketSlaTarget],
    calendars: Calendars,
) -> None:
    """Deadlines of the still-open targets (the ones `refresh_ticket_sla` read, less those it
    closed, plus those it started), by id as `_open_targets` orders them."""
    _stamp_business_times(session, ticket, policy, calendars)
    nearest: datetime | None = None
    for target in sorted(open_targets, key=lambda t: t.id):
        target.due_at = _clock(target, policy, session, calendars).due_at()
        if target.due_at is not None and target.paused_at is None:
            nearest = target.due_at if nearest is None else min(nearest, target.due_at)
    ticket.next_sla_due_at = nearest


def _mark_breached(session: Session, ticket: Ticket, target: TicketSlaTarget, at: datetime) -> None:
    target.breached_at = at
    ticket.sla_breached = True
    _event(session, target, "breached", at)
    publish(
        session,
        SlaBreached(
            workspace_id=ticket.workspace_id,
            ticket_id=ticket.id,
            account_id=ticket.account_id,
            metric=target.metric,
            due_at=at,
        ),
    )


def check_breaches(session: Session, *, now: datetime) -> int:
    """Mark every running target whose deadline has passed; returns how many."""
    overdue = session.scalars(
        select(TicketSlaTarget).where(
            TicketSlaTarget.closed.is_(False),
            TicketSlaTarget.breached_at.is_(None),
            TicketSlaTarget.paused_at.is_(None),
            TicketSlaTarget.due_at <= now,
        )
    ).all()
    tickets = {
        ticket.id: ticket
        for ticket in session.scalars(
            select(Ticket).where(Ticket.id.in_({target.ticket_id for target in overdue}))
        )
    }
    for target in overdue:
        ticket = tickets.get(target.ticket_id)
        if ticket is not None and target.due_at is not None:
            _mark_breached(session, ticket, target, target.due_at)
    session.flush()
    return len(overdue)


def ticket_targets(session: Session, *, ticket_id: int) -> list[TicketSlaTarget]:
    return list(
        session.scalars(
            select(TicketSlaTarget)
            .where(TicketSlaTarget.ticket_id == ticket_id)
            .order_by(TicketSlaTarget.started_at, TicketSlaTarget.id)
        )
    )


def ticket_sla_events(session: Session, *, ticket_id: int) -> list[SlaEvent]:
    return list(
        session.scalars(
            select(SlaEvent)
            .where(SlaEvent.ticket_id == ticket_id)
            .order_by(SlaEvent.occurred_at, SlaEvent.id)
        )
    )


def at_risk_target_ids(
    session: Session, *, ticket: Ticket, now: datetime, threshold: float | None = None
) -> set[int]:
    """Running (or paused) targets that have used `threshold` of their time, unbreached."""
    policy = session.get(SlaPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
    calendars: Calendars = {}
    return {
        target.id
        for target in _open_targets(session, ticket)
        if target.breached_at is None
        and _clock(target, policy, session, calendars).at_risk(now, threshold or AT_RISK_THRESHOLD)
    }


def cancel_ticket_sla(session: Session, *, ticket: Ticket, at: datetime) -> None:
    """A ticket merged away or marked spam owes nothing: its running clocks are cancelled (an
    event each), so the breach check never marks them."""
    policy = session.get(SlaPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
    for target in _open_targets(session, ticket):
        _close(session, ticket, policy, target, at, cancelled=True)
    ticket.next_sla_due_at = None
    session.flush()


RunningState = Literal["running", "at_risk", "paused", "breached"]
#: Share of the target used up from which a running clock is shown "at risk".
AT_RISK_THRESHOLD = 0.8


@dataclass(frozen=True)
class RunningTarget:
    """One open SLA clock of a ticket as an agent sees it now (the workspace's SLA panel)."""

    metric: str
    target_minutes: int
    started_at: datetime
    due_at: datetime | None
    state: RunningState
    paused: bool
    at_risk: bool


def running_targets(session: Session, *, ticket_id: int, now: datetime) -> list[RunningTarget]:
    """The ticket's open targets with their state at `now`: breached, paused, at risk (at least
    80 % of the target used up) or running; read from the same clock as the deadlines."""
    found: list[RunningTarget] = []
    policies: dict[int, SlaPolicy | None] = {}
    calendars: Calendars = {}
    for target in ticket_targets(session, ticket_id=ticket_id):
        if target.closed or target.cancelled:
            continue
        if target.policy_id is not None and target.policy_id not in policies:
            policies[target.policy_id] = session.get(SlaPolicy, target.policy_id)
        policy = policies.get(target.policy_id) if target.policy_id is not None else None
        clock = _clock(target, policy, session, calendars)
        paused = target.paused_at is not None
        breached = target.breached_at is not None or clock.is_breached(now)
        at_risk = not breached and clock.at_risk(now, AT_RISK_THRESHOLD)
        state: RunningState = (
            "breached" if breached else "paused" if paused else "at_risk" if at_risk else "running"
        )
        found.append(
            RunningTarget(
                metric=target.metric,
                target_minutes=target.target_minutes,
                started_at=target.started_at,
                due_at=target.due_at,
                state=state,
                paused=paused,
                at_risk=at_risk,
            )
        )
    return found
