"""Plain records of the generated demo data, before any of it reaches the database.

Keeping generation (pure, seeded) apart from writing (SQL) lets tests check determinism and
shape without a database, and lets the writer choose the fastest insert path per table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

JOURNEY_STAGES = (
    "awareness",
    "consideration",
    "purchase",
    "onboarding",
    "adoption",
    "renewal",
    "advocacy",
)

YEAR = timedelta(days=365)


def whole_second(moment: datetime) -> datetime:
    """Timestamps as a CRM would show them: no random microseconds."""
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class Lifecycle:
    """Where a customer is on the journey at any moment, from the day it started paying.

    `started_at` is the first purchase (in the future for prospects, who are still evaluating);
    stages before it are awareness → consideration → purchase, after it onboarding → adoption,
    with a renewal window before each anniversary and, for happy customers past their first
    renewal, advocacy in between.
    """

    started_at: datetime
    status: str  # prospect | customer | churned | free
    churned_at: datetime | None = None
    advocate: bool = False
    mood: float = 0.2  # mean sentiment of this customer's messages, -1..1

    def stage_at(self, moment: datetime) -> str:
        before = self.started_at - moment
        if before > timedelta(days=60):
            return "awareness"
        if before > timedelta(days=21):
            return "consideration"
        if before > timedelta(0):
            return "purchase" if self.status != "free" else "consideration"
        if self.status == "free":
            return "consideration" if moment - self.started_at < timedelta(days=45) else "adoption"
        age = moment - self.started_at
        if age < timedelta(days=75):
            return "onboarding"
        into_year = age % YEAR
        if into_year > YEAR - timedelta(days=90):
            return "renewal"
        if self.advocate and age > YEAR:
            return "advocacy"
        return "adoption"

    def active_until(self, now: datetime) -> datetime:
        return self.churned_at if self.churned_at is not None else now


@dataclass(frozen=True)
class StaffMember:
    key: str
    name: str
    role: str
    locale: str
    time_zone: str
    region: str  # americas | emea | apac | global
    teams: tuple[str, ...] = ()


@dataclass
class AccountRecord:
    external_id: str
    name: str
    industry: str
    tier: str
    country: str
    locale: str
    domains: list[str]
    owner_key: str
    lifecycle: Lifecycle
    created_at: datetime
    custom_attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class ContactRecord:
    index: int
    first_name: str
    last_name: str | None
    locale: str
    time_zone: str
    utc_offset: int
    country: str
    account_external_id: str | None
    persona: str  # champion | buyer | user | occasional | consumer
    created_at: datetime
    emails: list[str] = field(default_factory=list)
    phones: list[tuple[str, str]] = field(default_factory=list)  # (number, label)
    social_handles: list[str] = field(default_factory=list)
    external_ids: list[str] = field(default_factory=list)
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    lifecycle: Lifecycle | None = None  # own journey for contacts without an account
    rich_timeline: bool = False


@dataclass(frozen=True)
class TouchpointRecord:
    contact_index: int
    account_external_id: str | None
    kind: str
    channel: str
    occurred_at: datetime
    journey_stage: str
    summary: str
    payload: dict[str, Any]
    sentiment: float | None
