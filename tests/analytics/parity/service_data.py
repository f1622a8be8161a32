"""Generated ticket-shaped rows for the service KPI parity tests, and a plain-Python reference of
the live pass over them (the definitions of docs/metrics.md, one row at a time).

Edge cases on purpose: tickets without a first reply or business time, spam and merged tickets
(with targets and ratings that must not count), cancelled SLA targets, times exactly at UTC
midnight and at the period bounds, sub-second times, a team and an assignee with a single
ticket, NULL team / assignee, unrated surveys."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cxhub.analytics.service_kpis import KpiGroup, summarise
from cxhub.analytics.service_rollups.live import GroupBy
from cxhub.analytics.service_rollups.tally import KpiTally

FIRST = datetime(2026, 3, 1)  # naive UTC, as the engine tables hold times
DAYS = 10
START = FIRST + timedelta(days=2)
END = FIRST + timedelta(days=8, hours=6)
CHANNELS = ["email", "web", "chat"]
PRIORITIES = ["low", "normal", "high", "urgent"]
SLA_METRICS = ["first_reply", "next_reply", "resolution"]

Rows = dict[str, list[Any]]


@dataclass(frozen=True)
class ServiceData:
    tickets: Rows
    sla_targets: Rows
    csat: Rows


def _moment(rng: random.Random) -> datetime:
    roll = rng.random()
    day = FIRST + timedelta(days=rng.randrange(DAYS))
    if roll < 0.08:
        return day  # exactly UTC midnight
    if roll < 0.1:
        return rng.choice([START, END])  # exactly at a bound
    return day + timedelta(seconds=rng.randrange(86400), microseconds=rng.randrange(10**6))


def generate(tickets: int = 600, seed: int = 7) -> ServiceData:
    rng = random.Random(seed)
    t: Rows = {
        name: []
        for name in (
            "id",
            "channel",
            "priority",
            "team_id",
            "assignee_id",
            "is_spam",
            "merged_into_id",
            "created_at",
            "first_replied_at",
            "solved_at",
            "reopen_count",
            "agent_reply_count",
            "first_reply_business_seconds",
            "resolution_business_seconds",
        )
    }
    s: Rows = {
        n: []
        for n in ("ticket_id", "metric", "started_at", "fulfilled_at", "breached_at", "cancelled")
    }
    c: Rows = {n: [] for n in ("ticket_id", "score", "rated_at")}
    for number in range(1, tickets + 1):
        created = _moment(rng)
        replied = (
            created
            + timedelta(seconds=rng.randrange(0, 2 * 86400), microseconds=rng.randrange(10**6))
            if rng.random() < 0.75
            else None
        )
        solved = (
            created
            + rng.choice(
                [
                    timedelta(0),
                    timedelta(
                        seconds=rng.randrange(60, 5 * 86400), microseconds=rng.randrange(10**6)
                    ),
                ]
            )
            if rng.random() < 0.6
            else None
        )
        row = {
            "id": number,
            "channel": rng.choice(CHANNELS),
            "priority": rng.choice(PRIORITIES),
            "team_id": 99 if number == 5 else rng.choice([None, 1, 2, 3]),  # 99: one ticket
            "assignee_id": 77 if number == 6 else rng.choice([None, 10, 11, 12]),
            "is_spam": rng.random() < 0.06,
            "merged_into_id": 1 if number > 1 and rng.random() < 0.06 else None,
            "created_at": created,
            "first_replied_at": replied,
            "solved_at": solved,
            "reopen_count": rng.choice([0, 0, 0, 1, 2]),
            "agent_reply_count": rng.choice([0, 1, 1, 2, 3]),
            "first_reply_business_seconds": rng.choice([None, rng.randrange(0, 90000)]),
            "resolution_business_seconds": rng.choice([None, rng.randrange(0, 400000)]),
        }
        for name, value in row.items():
            t[name].append(value)
        for _ in range(rng.randrange(0, 3)):
            started = created + timedelta(seconds=rng.randrange(0, 86400))
            outcome = rng.random()
            s["ticket_id"].append(number)
            s["metric"].append(rng.choice(SLA_METRICS))
            s["started_at"].append(started)
            s["fulfilled_at"].append(started + timedelta(minutes=30) if outcome < 0.6 else None)
            s["breached_at"].append(
                started + timedelta(minutes=61) if 0.4 < outcome < 0.9 else None
            )
            s["cancelled"].append(rng.random() < 0.12)
        if solved is not None and rng.random() < 0.6:
            c["ticket_id"].append(number)
            c["score"].append(rng.choice([None, 1, 2, 3, 4, 5, 5]))
            c["rated_at"].append(solved + timedelta(hours=rng.randrange(0, 40)))
    return ServiceData(t, s, c)


def _records(rows: Rows) -> list[dict[str, Any]]:
    names = list(rows)
    return [dict(zip(names, values, strict=True)) for values in zip(*rows.values(), strict=True)]


def _key(record: dict[str, Any], time_column: str, group_by: GroupBy) -> str | None:
    if group_by == GroupBy.NONE:
        return None
    if group_by == GroupBy.DAY:
        return record[time_column].date().isoformat()
    column = {
        GroupBy.CHANNEL: "channel",
        GroupBy.PRIORITY: "priority",
        GroupBy.TEAM: "team_id",
        GroupBy.ASSIGNEE: "assignee_id",
    }[group_by]
    value = record[column]
    return None if value is None else str(value)


def _seconds(later: datetime, earlier: datetime) -> float:
    delta = later - earlier
    return (delta.days * 86400 * 10**6 + delta.seconds * 10**6 + delta.microseconds) / 1e6


def reference(
    data: ServiceData, start: datetime, end: datetime, group_by: GroupBy
) -> dict[str | None, KpiGroup]:
    """The live pass's answer, computed row by row in Python (no engine)."""
    tallies: dict[str | None, KpiTally] = {}
    tickets = {
        r["id"]: r
        for r in _records(data.tickets)
        if r["merged_into_id"] is None and not r["is_spam"]
    }

    def tally(key: str | None) -> KpiTally:
        return tallies.setdefault(key, KpiTally())

    for r in tickets.values():
        if start <= r["created_at"] < end:
            group = tally(_key(r, "created_at", group_by))
            group.created += 1
            if r["first_replied_at"] is not None:
                group.add_duration("first_reply", _seconds(r["first_replied_at"], r["created_at"]))
            if r["first_reply_business_seconds"] is not None:
                group.add_duration("first_reply_business", float(r["first_reply_business_seconds"]))
        if r["solved_at"] is not None and start <= r["solved_at"] < end:
            group = tally(_key(r, "solved_at", group_by))
            group.solved += 1
            group.reopened += r["reopen_count"] > 0
            group.one_touch += r["agent_reply_count"] == 1
            group.add_duration("resolution", _seconds(r["solved_at"], r["created_at"]))
            if r["resolution_business_seconds"] is not None:
                group.add_duration("resolution_business", float(r["resolution_business_seconds"]))
    for target in _records(data.sla_targets):
        ticket = tickets.get(target["ticket_id"])
        if ticket is None or target["cancelled"] or not start <= target["started_at"] < end:
            continue
        merged = {**ticket, "started_at": target["started_at"]}
        achieved = target["fulfilled_at"] is not None and target["breached_at"] is None
        tally(_key(merged, "started_at", group_by)).add_sla(
            target["metric"], int(achieved), int(target["breached_at"] is not None)
        )
    for rating in _records(data.csat):
        ticket = tickets.get(rating["ticket_id"])
        if ticket is None or rating["score"] is None or not start <= rating["rated_at"] < end:
            continue
        group = tally(_key({**ticket, "rated_at": rating["rated_at"]}, "rated_at", group_by))
        group.csat_ratings += 1
        group.csat_satisfied += rating["score"] >= 4
    return {key: summarise(key, value) for key, value in tallies.items()}
