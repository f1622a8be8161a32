"""The demo's helpdesk history: tickets of the last ~120 days with their threads, status
changes, SLA clocks and CSAT ratings, as plain records (no database).

Each ticket is planned as a whole (the customer writes, an agent answers within or outside the
SLA target, asks for details, escalates, solves; the customer sometimes comes back) and then
*played* up to the reference time with the same rules as the ticket services, so its status fits
its age: old tickets are closed, last week's solved, today's new, open or pending. Playing the
same steps through `SlaReplay` gives the SLA targets and events the service would have stored;
the web-form acknowledgement and the "solved 4 days → closed" automation are applied as the
stored trigger and automation would have. What would have reached a customer's timeline
(ticket created, every message, every status change, CSAT ratings) is recorded as timeline
entries, the way the ticket services write them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cxhub.demo.helpdesk import (
    ACK_TEMPLATE,
    CLOSE_AFTER_HOURS,
    ESCALATION_TEAM,
    OUTAGE_TAG,
    POLICIES,
    TEAM_MODES,
    business_calendar,
    policy_for,
)
from cxhub.demo.phrases import (
    CSAT_COMMENTS,
    INTERNAL_NOTES,
    SUPPORT_LINES,
    SUPPORT_TOPICS,
    support_language,
)
from cxhub.demo.records import AccountRecord, ContactRecord, whole_second
from cxhub.demo.sla_replay import SOLVED, SlaReplay, TargetRecord
from cxhub.demo.staff import COUNTRY_REGION, VENDOR_NAME
from cxhub.demo.touchpoints import FEATURES
from cxhub.service.assignment.models import AssignmentMode
from cxhub.service.automations.templates import render_template
from cxhub.service.sla.calendar import BusinessCalendar, add_business_time

DEFAULT_TICKETS = 2_400
HISTORY_DAYS = 120
CSAT_THROTTLE = timedelta(days=7)
CSAT_WINDOW = timedelta(days=30)

# topic → (weight, tags, ticket type, usual priority)
_TOPICS: dict[str, tuple[float, tuple[str, ...], str, str]] = {
    "login": (14, ("login", "account"), "problem", "normal"),
    "billing": (8, ("billing",), "question", "high"),
    "invoice": (9, ("billing", "invoice"), "question", "low"),
    "export": (12, ("how-to", "export"), "question", "low"),
    "performance": (10, ("performance", "bug"), "incident", "high"),
    "data": (10, ("data-quality",), "problem", "normal"),
    "sso": (7, ("sso", "setup"), "question", "normal"),
    "seats": (8, ("seats", "sales"), "task", "normal"),
    "integration": (9, ("integration", "bug"), "incident", "high"),
    "feature_request": (7, ("feature-request",), "task", "low"),
}
_BUGS = frozenset({"performance", "integration", "data"})
_CHANNELS = {"email": 0.42, "web": 0.24, "chat": 0.16, "phone": 0.08, "api": 0.10}
_PERSONA_WEIGHT = {"champion": 4.0, "user": 2.0, "buyer": 1.0, "occasional": 0.6, "consumer": 1.0}
_TIER_WEIGHT = {"enterprise": 1.6, "mid_market": 1.2, "smb": 1.0}
_SUPPORT_TEAM = {"emea": "Support EMEA", "apac": "Support APAC", "americas": "Support Americas"}


@dataclass(eq=False)
class MessageRecord:
    at: datetime
    author: str  # customer | agent | system
    agent_key: str | None
    public: bool
    channel: str
    body: str


@dataclass(eq=False)
class TimelineEntry:
    """One `record_interaction` a ticket service would have made (`source_type="ticket"`)."""

    kind: str
    channel: str
    at: datetime
    summary: str
    payload: dict[str, Any]
    number_of: TicketRecord  # whose number goes into payload["ticket_number"]
    message: MessageRecord | None = None
    sentiment: float | None = None


@dataclass(eq=False)
class CsatRecord:
    requested_at: datetime
    channel: str
    assignee_key: str | None
    score: int | None = None
    comment: str | None = None
    rated_at: datetime | None = None


@dataclass(eq=False)
class TicketRecord:
    contact_index: int
    account_external_id: str | None
    subject: str
    channel: str
    language: str
    priority: str
    ticket_type: str
    tags: list[str]
    team: str
    assignee_key: str | None
    created_at: datetime
    policy_key: str
    status: str = "new"
    number: int = 0
    updated_at: datetime | None = None
    status_changed_at: datetime | None = None
    first_replied_at: datetime | None = None
    last_customer_message_at: datetime | None = None
    last_agent_reply_at: datetime | None = None
    solved_at: datetime | None = None
    closed_at: datetime | None = None
    reopen_count: int = 0
    agent_reply_count: int = 0
    merged_into: TicketRecord | None = None
    messages: list[MessageRecord] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    sla_targets: list[TargetRecord] = field(default_factory=list)
    next_sla_due_at: datetime | None = None
    sla_breached: bool = False
    csat: CsatRecord | None = None


class _Player:
    """Applies planned steps to a ticket record with the ticket services' rules."""

    def __init__(self, ticket: TicketRecord, sla: SlaReplay) -> None:
        self.t = ticket
        self.sla = sla

    def _entry(
        self, kind: str, at: datetime, summary: str, payload: dict[str, Any], **extra: Any
    ) -> None:
        channel = extra.pop("channel", self.t.channel)
        self.t.timeline.append(TimelineEntry(kind, channel, at, summary, payload, self.t, **extra))

    def _message(
        self, at: datetime, author: str, agent: str | None, body: str, *, public: bool, channel: str
    ) -> None:
        message = MessageRecord(at, author, agent, public, channel, body)
        self.t.messages.append(message)
        kind = "ticket.note" if not public else f"ticket.{author}_message"
        self._entry(
            kind,
            at,
            " ".join(body.split())[:300],
            {"public": public},
            channel=channel,
            message=message,
        )

    def _status(self, at: datetime, status: str) -> None:
        previous, t = self.t.status, self.t
        if previous == status:
            return
        t.status, t.status_changed_at, t.updated_at = status, at, at
        if status == "solved":
            t.solved_at = at
        elif status == "closed":
            t.closed_at = at
            t.solved_at = t.solved_at or at
        elif previous == "solved":
            t.solved_at = None
            t.reopen_count += 1
        self._entry(
            "ticket.status_changed", at, f"{previous} → {status}", {"from": previous, "to": status}
        )

    def create(self, body: str, ack: str | None, assigned: bool) -> None:
        t, at = self.t, self.t.created_at
        t.updated_at = t.status_changed_at = t.last_customer_message_at = at
        self._entry(
            "ticket.created", at, t.subject[:500], {"status": "new", "priority": t.priority}
        )
        self._message(at, "customer", None, body, public=True, channel=t.channel)
        if ack is not None:  # the web-form trigger's reply, as the system, status unchanged
            self._message(at, "system", None, ack, public=True, channel="web")
        if assigned:  # the team's round-robin / least-loaded mode picked the agent
            t.status = "open"
        self.sla.created(at)

    def agent_reply(self, at: datetime, agent: str, body: str, status: str | None) -> None:
        t = self.t
        if t.assignee_key is None:  # a manual team: the agent takes the ticket first
            t.assignee_key = agent
            before = t.status
            self._status(at, "open")
            self.sla.change(
                "ticket_updated",
                at,
                before=before,
                after=t.status,
                public=False,
                first_replied=False,
            )
        before = t.status
        channel = "email" if t.channel == "email" else "web"
        self._message(at, "agent", agent, body, public=True, channel=channel)
        t.first_replied_at = t.first_replied_at or at
        t.last_agent_reply_at = at
        t.agent_reply_count += 1
        t.updated_at = at
        target = status or ("open" if t.status == "new" else None)
        if target is not None:
            self._status(at, target)
        self.sla.change(
            "agent_replied", at, before=before, after=t.status, public=True, first_replied=True
        )

    def note(self, at: datetime, agent: str, body: str) -> None:
        self._message(at, "agent", agent, body, public=False, channel="web")
        self.t.updated_at = at

    def customer_reply(self, at: datetime, body: str) -> None:
        t = self.t
        before = t.status
        self._message(at, "customer", None, body, public=True, channel=t.channel)
        t.last_customer_message_at = t.updated_at = at
        if t.status in ("pending", "on_hold", "solved"):
            self._status(at, "open")
        self.sla.change(
            "customer_replied",
            at,
            before=before,
            after=t.status,
            public=True,
            first_replied=t.first_replied_at is not None,
        )

    def close(self, at: datetime) -> None:
        if self.t.status != "solved":
            return
        self._status(at, "closed")
        self.sla.change(
            "ticket_updated", at, before="solved", after="closed", public=False, first_replied=True
        )

    def merge_into(self, target: TicketRecord, at: datetime, agent: str) -> None:
        """`merge_tickets`: the thread and timeline move to the target, the source closes."""
        source = self.t
        source.merged_into = target
        source.status = "closed"
        target.messages.extend(source.messages)
        target.timeline.extend(source.timeline)
        source.messages, source.timeline = [], []
        target.tags = list(dict.fromkeys(target.tags + source.tags))
        self.sla.cancel_all(at)


Step = tuple[datetime, str, dict[str, Any]]


class _Planner:
    def __init__(self, rng: random.Random, calendar: BusinessCalendar, now: datetime) -> None:
        self.rng = rng
        self.calendar = calendar
        self.now = now

    def business(self, start: datetime, minutes: float) -> datetime:
        return whole_second(add_business_time(self.calendar, start, timedelta(minutes=minutes)))

    def reply_after(self, start: datetime, target: int, channel: str) -> datetime:
        """An agent's reply: mostly inside the target, sometimes well past it."""
        rng = self.rng
        if channel in ("chat", "phone") and rng.random() < 0.8:
            minutes = rng.uniform(1, 12)
        elif rng.random() < 0.88:
            minutes = target * rng.uniform(0.05, 0.92)
        else:
            minutes = target * rng.uniform(1.1, 3.0)
        return self.business(start, minutes)

    def customer_after(self, start: datetime) -> datetime:
        if self.rng.random() < 0.3:  # busy people answer days later
            hours = self.rng.uniform(24, 140)
        else:
            hours = min(120.0, self.rng.lognormvariate(2.4, 1.0))
        return whole_second(start + timedelta(hours=hours))


def _pick_agent(rng: random.Random, team: str, language: str, region: str) -> str:
    if team == ESCALATION_TEAM:
        return {"emea": "tom.fletcher", "apac": "xiaoyu.lin"}.get(region, "jake.morrison")
    if team == "Support EMEA":
        if language == "it" or rng.random() < 0.2:
            return "chiara.valli"
        return "tom.fletcher"
    if team == "Support APAC":
        if language in ("zh", "id"):
            return "xiaoyu.lin" if language == "zh" else "putu.lestari"
        return rng.choice(["xiaoyu.lin", "putu.lestari"])
    return rng.choice(["jake.morrison", "sofia.ramos"])


def _requesters(
    contacts: list[ContactRecord], accounts: dict[str, AccountRecord]
) -> tuple[list[ContactRecord], list[float]]:
    """Who opens tickets: people at paying (or recently churned) accounts, and Pro users."""
    pool: list[ContactRecord] = []
    weights: list[float] = []
    for contact in contacts:
        account = accounts.get(contact.account_external_id or "")
        lifecycle = account.lifecycle if account else contact.lifecycle
        if lifecycle is None or lifecycle.status not in ("customer", "churned"):
            continue
        weight = _PERSONA_WEIGHT[contact.persona]
        if account is not None:
            weight *= _TIER_WEIGHT[account.tier]
        pool.append(contact)
        weights.append(weight)
    return pool, weights


def _targets_of(policy_key: str) -> dict[str, int]:
    return next(p.targets for p in POLICIES if p.key == policy_key)


def _ack_values(ticket: TicketRecord, requester_name: str) -> dict[str, str]:
    """The placeholders the acknowledgement uses (`effects.placeholder_values` on the ticket);
    the number is patched in once tickets are numbered."""
    parts = requester_name.split()
    return {
        "ticket.number": "{number}",
        "ticket.subject": ticket.subject,
        "requester.name": requester_name,
        "requester.first_name": parts[0] if parts else "",
    }


class _Running:
    def __init__(self, ticket: TicketRecord, player: _Player) -> None:
        self.ticket = ticket
        self.player = player
        self.finished = False

    def finish(self, now: datetime) -> None:
        sla = self.player.sla
        self.ticket.sla_targets = sla.targets
        self.ticket.next_sla_due_at, self.ticket.sla_breached = sla.finish(now)
        self.finished = True


class TicketGenerator:
    def __init__(
        self,
        rng: random.Random,
        contacts: list[ContactRecord],
        accounts: dict[str, AccountRecord],
        now: datetime,
    ) -> None:
        self.rng = rng
        self.accounts = accounts
        self.now = now
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.calendar = business_calendar(now)
        self.plan = _Planner(rng, self.calendar, now)
        self.pool, self.weights = _requesters(contacts, accounts)
        self.merge_notes: list[tuple[MessageRecord, TimelineEntry, TicketRecord]] = []
        self.incidents = sorted(
            whole_second(now - timedelta(days=rng.uniform(2, HISTORY_DAYS - 5), hours=0)).replace(
                hour=rng.choice([7, 8, 9, 13, 14]), minute=rng.randrange(60), second=0
            )
            for _ in range(3)
        )

    def _moment(self, contact: ContactRecord, outage: bool) -> datetime:
        rng = self.rng
        if outage:
            return whole_second(rng.choice(self.incidents) + timedelta(minutes=rng.uniform(3, 180)))
        # a growing customer base: a little more support work lately than four months ago
        day = self.now - timedelta(days=HISTORY_DAYS * rng.random() ** 1.25)
        if day.weekday() >= 5 and rng.random() < 0.75:
            day -= timedelta(days=day.weekday() - 4)
        hours = (8, 9, 9, 10, 10, 11, 11, 12, 14, 14, 15, 15, 16, 16, 17, 19, 21)
        local = rng.choice(hours) - contact.utc_offset
        moment = day.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(
            hours=local, minutes=rng.randrange(60), seconds=rng.randrange(60)
        )
        return moment

    def _new_ticket(
        self, contact: ContactRecord, topic: str, at: datetime, channel: str
    ) -> tuple[TicketRecord, str, str, str]:
        rng = self.rng
        language = support_language(contact.locale)
        account = self.accounts.get(contact.account_external_id or "")
        tier = account.tier if account else None
        words = {
            "feature": rng.choice(FEATURES),
            "name": contact.first_name,
            "vendor": VENDOR_NAME,
        }
        subject, description, answer = (
            text.format(**words) for text in SUPPORT_TOPICS[topic][language]
        )
        region = COUNTRY_REGION.get(contact.country, "americas")
        if topic == "outage":
            tags, ticket_type, priority = [OUTAGE_TAG], "incident", "urgent"
            team = ESCALATION_TEAM
        else:
            _, topic_tags, ticket_type, priority = _TOPICS[topic]
            tags = list(topic_tags)
            if tier == "enterprise" and priority == "normal" and rng.random() < 0.35:
                priority = "high"
            elif priority == "high" and rng.random() < 0.08:
                priority = "urgent"
            team = _SUPPORT_TEAM[region]
        if tier == "enterprise":
            tags.append("enterprise")
        policy = policy_for(priority, tier, channel, frozenset(tags))
        auto = TEAM_MODES[team] != AssignmentMode.MANUAL
        agent = _pick_agent(rng, team, language, region)
        ticket = TicketRecord(
            contact_index=contact.index,
            account_external_id=contact.account_external_id,
            subject=subject,
            channel=channel,
            language=contact.locale if language == contact.locale.split("-")[0] else "en",
            priority=priority,
            ticket_type=ticket_type,
            tags=tags,
            team=team,
            assignee_key=agent if auto else None,
            created_at=at,
            policy_key=policy.key,
        )
        return ticket, description, answer, agent

    def _plan(self, ticket: TicketRecord, topic: str, answer: str, language: str) -> list[Step]:
        rng, plan = self.rng, self.plan
        lines = SUPPORT_LINES[language]
        targets = _targets_of(ticket.policy_key)
        first = plan.reply_after(ticket.created_at, targets["first_reply"], ticket.channel)
        steps: list[Step] = []
        roll = rng.random()
        if topic == "outage":
            steps.append((first, "reply", {"body": lines["working_on_it"], "status": None}))
            solved = plan.business(first, rng.uniform(30, 240))
            steps.append((solved, "reply", {"body": answer, "status": "solved"}))
        elif topic in _BUGS and roll < 0.3:
            steps.append((first, "reply", {"body": lines["escalated"], "status": "on_hold"}))
            steps.append(
                (first + timedelta(minutes=2), "note", {"body": rng.choice(INTERNAL_NOTES)})
            )
            fixed = plan.business(first, rng.uniform(6, 50) * 60)
            steps.append((fixed, "reply", {"body": lines["fixed"], "status": "pending"}))
            thanks = plan.customer_after(fixed)
            steps.append((thanks, "customer", {"body": lines["thanks"]}))
            steps.append(
                (
                    plan.business(thanks, rng.uniform(2, 90)),
                    "reply",
                    {"body": answer, "status": "solved"},
                )
            )
        elif roll < 0.38:
            steps.append((first, "reply", {"body": answer, "status": "solved"}))
        elif roll < 0.82:
            steps.append((first, "reply", {"body": lines["ask_details"], "status": "pending"}))
            details = plan.customer_after(first)
            steps.append((details, "customer", {"body": lines["details"]}))
            reply = plan.reply_after(details, targets["next_reply"], ticket.channel)
            steps.append((reply, "reply", {"body": answer, "status": "solved"}))
        else:
            steps.append((first, "reply", {"body": lines["working_on_it"], "status": None}))
            reply = plan.business(first, rng.uniform(20, 600))
            steps.append((reply, "reply", {"body": answer, "status": "solved"}))
        if rng.random() < 0.22:
            lo, hi = steps[0][0], steps[-1][0]
            at = whole_second(lo + (hi - lo) * rng.random())
            steps.append((at, "note", {"body": rng.choice(INTERNAL_NOTES)}))
        solved_at = steps[-1][0] if steps[-1][1] == "reply" else max(s[0] for s in steps)
        if rng.random() < 0.07:  # the customer comes back: reopened, answered, solved again
            back = whole_second(solved_at + timedelta(hours=rng.uniform(1, 60)))
            body = lines["still_broken"] if rng.random() < 0.6 else lines["more_info"]
            steps.append((back, "customer", {"body": body}))
            again = plan.reply_after(back, targets["next_reply"], ticket.channel)
            steps.append((again, "reply", {"body": lines["yes_both"], "status": "solved"}))
            solved_at = again
        close = whole_second(
            solved_at + timedelta(hours=CLOSE_AFTER_HOURS, minutes=rng.uniform(1, 60))
        )
        steps.append((close, "close", {}))
        steps.sort(key=lambda step: step[0])
        return steps

    def generate(self, count: int) -> list[TicketRecord]:
        rng = self.rng
        tickets: list[TicketRecord] = []
        topics = list(_TOPICS)
        topic_weights = [spec[0] for spec in _TOPICS.values()]
        channels, channel_weights = list(_CHANNELS), list(_CHANNELS.values())
        while len(tickets) < count:
            contact = rng.choices(self.pool, weights=self.weights)[0]
            outage = rng.random() < 0.03
            topic = "outage" if outage else rng.choices(topics, weights=topic_weights)[0]
            at = self._moment(contact, outage)
            if at < max(contact.created_at, self.start) or at > self.now - timedelta(minutes=1):
                continue
            channel = rng.choices(channels, weights=channel_weights)[0]
            tickets.extend(self._play(contact, topic, at, channel))
        tickets.sort(key=lambda t: (t.created_at, t.contact_index))
        for number, ticket in enumerate(tickets, start=1):
            ticket.number = number
        for ticket in tickets:
            for entry in ticket.timeline:
                if entry.message is not None and entry.message.author == "system":
                    shown = str(entry.number_of.number)
                    entry.message.body = entry.message.body.replace("{number}", shown)
                    entry.summary = " ".join(entry.message.body.split())[:300]
        for message, entry, source in self.merge_notes:
            message.body = f"Ticket #{source.number} was merged into this ticket."
            entry.summary = message.body
        self._surveys(tickets)
        return tickets

    def _play(
        self, contact: ContactRecord, topic: str, at: datetime, channel: str
    ) -> list[TicketRecord]:
        rng = self.rng
        ticket, description, answer, agent = self._new_ticket(contact, topic, at, channel)
        language = support_language(contact.locale)
        steps = [
            (s_at, kind, {**args, "body": args["body"].replace("{name}", contact.first_name)})
            if "body" in args
            else (s_at, kind, args)
            for s_at, kind, args in self._plan(ticket, topic, answer, language)
        ]
        played = [ticket]
        duplicate: _Running | None = None
        if rng.random() < 0.02:  # the customer writes again on another channel before an answer
            later = whole_second(at + timedelta(minutes=rng.uniform(8, 90)))
            other = "chat" if channel != "chat" else "email"
            if later < steps[0][0] and later < self.now:
                copy, copy_body, _, _ = self._new_ticket(contact, topic, later, other)
                copy.assignee_key = ticket.assignee_key
                copy.tags, copy.priority = list(ticket.tags), ticket.priority
                copy.team, copy.policy_key = ticket.team, ticket.policy_key
                copy.status = "new"
                duplicate = self._start(copy, copy_body, contact)
                played.append(copy)
        running = self._start(ticket, description, contact)
        for s_at, kind, args in steps:
            if s_at > self.now:
                break
            if kind == "reply":
                if duplicate is not None and duplicate.ticket.merged_into is None:
                    self._merge(duplicate, running, s_at - timedelta(seconds=30), agent)
                running.player.agent_reply(s_at, agent, args["body"], args["status"])
            elif kind == "note":
                running.player.note(s_at, agent, args["body"])
            elif kind == "customer":
                running.player.customer_reply(s_at, args["body"])
            elif kind == "close":
                running.player.close(s_at)
        for run in (running, duplicate):
            if run is not None and not run.finished:
                run.finish(self.now)
        return played

    def _start(self, ticket: TicketRecord, description: str, contact: ContactRecord) -> _Running:
        sla = SlaReplay(self.calendar, _targets_of(ticket.policy_key))
        player = _Player(ticket, sla)
        ack = None
        if ticket.channel == "web":
            full = f"{contact.first_name} {contact.last_name or ''}".strip()
            ack = render_template(ACK_TEMPLATE, _ack_values(ticket, full))
        player.create(description, ack, ticket.assignee_key is not None)
        return _Running(ticket, player)

    def _merge(self, source: _Running, target: _Running, at: datetime, agent: str) -> None:
        source.player.merge_into(target.ticket, at, agent)
        source.ticket.updated_at = at
        source.finish(self.now)
        target.player.note(at, agent, "")
        self.merge_notes.append(
            (target.ticket.messages[-1], target.ticket.timeline[-1], source.ticket)
        )

    def _surveys(self, tickets: list[TicketRecord]) -> None:
        """CSAT requests after the last solve (at most one per contact a week), and answers."""
        rng = self.rng
        last_asked: dict[int, datetime] = {}
        solved = [
            t for t in tickets if t.status in SOLVED and t.merged_into is None and t.solved_at
        ]
        for ticket in sorted(solved, key=lambda t: t.solved_at or t.created_at):
            assert ticket.solved_at is not None
            requested = whole_second(ticket.solved_at + timedelta(minutes=rng.uniform(1, 10)))
            previous = last_asked.get(ticket.contact_index)
            if requested > self.now or (
                previous is not None and requested - previous < CSAT_THROTTLE
            ):
                continue
            last_asked[ticket.contact_index] = requested
            channel = "web" if ticket.channel in ("chat", "web") else "email"
            survey = CsatRecord(requested, channel, ticket.assignee_key)
            ticket.csat = survey
            if rng.random() > 0.42:
                continue
            rated = whole_second(
                requested + timedelta(hours=min(700, rng.lognormvariate(1.5, 1.3)))
            )
            if rated > self.now:
                continue
            unhappy = ticket.sla_breached or ticket.reopen_count > 0
            weights = (18, 18, 20, 26, 18) if unhappy else (2, 3, 7, 30, 58)
            score = rng.choices((1, 2, 3, 4, 5), weights=weights)[0]
            language = support_language(ticket.language)
            comment = None
            if score <= 2:
                comment = rng.choice(CSAT_COMMENTS[language]["neg"])
            elif score >= 4 and rng.random() < 0.3:
                comment = rng.choice(CSAT_COMMENTS[language]["pos"])
            survey.score, survey.comment, survey.rated_at = score, comment, rated
            summary = f"CSAT {score}/5" + (f": {comment[:200]}" if comment else "")
            ticket.timeline.append(
                TimelineEntry(
                    "csat.rated",
                    "email" if channel == "email" else "web",
                    rated,
                    summary,
                    {"score": score},
                    ticket,
                    sentiment=(score - 3) / 2,
                )
            )
