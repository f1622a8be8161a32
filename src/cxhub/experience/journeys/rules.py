"""Stage rules, pure: which stage a signal (a touchpoint, a page view, a product event, a domain
event, a renewal window) moves a customer to. No database here, so every rule is tested with
plain values.

A journey moves customers **forward only**: a signal that matches stage k moves a customer whose
current stage is before k to k (skipped stages count as passed in the funnel); when several
stages match, the furthest wins. Forward-only makes re-applying a signal harmless, so the scan
of page views can re-read an overlapping window without double entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SignalSource = Literal["touchpoint", "page_view", "track", "event", "renewal"]


class StageRule(BaseModel):
    """One condition; every field given must hold. `on` names the signal kind:

    - `touchpoint`: a recorded touchpoint (`channel`, `kind`, `min_score`/`max_score`,
      `page_contains` against its URL);
    - `page_view`: a Segment `page` call (`page_contains` against the page name);
    - `track`: a Segment `track` call (`event` = the event name, case-insensitive);
    - `event`: a domain event of the customer's account (`event`, e.g. `subscription.started`);
    - `renewal`: the account's active subscription renews within `within_days`.
    """

    model_config = ConfigDict(extra="forbid")
    on: SignalSource
    channel: str | None = Field(default=None, max_length=32)
    kind: str | None = Field(default=None, max_length=64)
    page_contains: str | None = Field(default=None, min_length=1, max_length=200)
    event: str | None = Field(default=None, min_length=1, max_length=200)
    min_score: int | None = Field(default=None, ge=0, le=10)
    max_score: int | None = Field(default=None, ge=0, le=10)
    within_days: int | None = Field(default=None, ge=1, le=3650)

    @model_validator(mode="after")
    def _fits_its_signal(self) -> StageRule:
        if self.on in ("track", "event") and not self.event:
            raise ValueError(f"a rule on {self.on} names its event")
        if self.on == "renewal" and self.within_days is None:
            raise ValueError("a renewal rule says within_days")
        low, high = self.min_score, self.max_score
        if low is not None and high is not None and low > high:
            raise ValueError("min_score is above max_score")
        return self


@dataclass(frozen=True)
class Signal:
    """Something that happened to one customer, in the terms rules match on."""

    source: SignalSource
    occurred_at: datetime
    channel: str | None = None
    kind: str | None = None
    page: str | None = None
    event: str | None = None
    score: int | None = None
    days_to_renewal: int | None = None


def _contains(text: str | None, part: str) -> bool:
    return text is not None and part.lower() in text.lower()


def rule_matches(rule: StageRule, signal: Signal) -> bool:
    if rule.on != signal.source:
        return False
    if rule.channel is not None and rule.channel != signal.channel:
        return False
    if rule.kind is not None and rule.kind != signal.kind:
        return False
    if rule.page_contains is not None and not _contains(signal.page, rule.page_contains):
        return False
    if rule.event is not None and (signal.event or "").lower() != rule.event.lower():
        return False
    if rule.min_score is not None and (signal.score is None or signal.score < rule.min_score):
        return False
    if rule.max_score is not None and (signal.score is None or signal.score > rule.max_score):
        return False
    if rule.within_days is not None:
        days = signal.days_to_renewal
        if days is None or not 0 <= days <= rule.within_days:
            return False
    return True


def target_position(
    stage_rules: Sequence[Sequence[StageRule]], signal: Signal, *, current: int | None
) -> int | None:
    """The furthest stage position (0-based) a rule of which matches `signal`, if it is after
    `current` (None: the customer is in no stage yet); None when the signal moves nothing."""
    matched = [
        position
        for position, rules in enumerate(stage_rules)
        if any(rule_matches(rule, signal) for rule in rules)
    ]
    if not matched:
        return None
    furthest = max(matched)
    if current is not None and furthest <= current:
        return None
    return furthest


DEFAULT_STAGES: list[dict[str, object]] = [
    {
        "key": "awareness",
        "name": "Awareness",
        "rules": [
            {"on": "page_view"},
            {"on": "touchpoint", "kind": "mention"},
        ],
    },
    {
        "key": "consideration",
        "name": "Consideration",
        "rules": [
            {"on": "page_view", "page_contains": "pricing"},
            {"on": "touchpoint", "kind": "meeting"},
        ],
    },
    {
        "key": "purchase",
        "name": "Purchase",
        "rules": [
            {"on": "event", "event": "subscription.started"},
        ],
    },
    {
        "key": "onboarding",
        "name": "Onboarding",
        "rules": [
            {"on": "track", "event": "Onboarding Started"},
        ],
    },
    {
        "key": "adoption",
        "name": "Adoption",
        "rules": [
            {"on": "track", "event": "Onboarding Completed"},
        ],
    },
    {"key": "renewal", "name": "Renewal", "rules": [{"on": "renewal", "within_days": 90}]},
    {"key": "advocacy", "name": "Advocacy", "rules": [{"on": "touchpoint", "min_score": 9}]},
]
