"""Stage rules: which stage a signal moves a customer to (forward only, furthest match)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from cxhub.experience.journeys.rules import (
    DEFAULT_STAGES,
    Signal,
    StageRule,
    rule_matches,
    target_position,
)

AT = datetime(2026, 5, 1, tzinfo=UTC)
RULES = [[StageRule.model_validate(r) for r in s["rules"]] for s in DEFAULT_STAGES]  # type: ignore[attr-defined]


def _signal(**fields: object) -> Signal:
    return Signal(occurred_at=AT, **fields)  # type: ignore[arg-type]


def test_default_rules_move_through_the_seven_stages() -> None:
    assert [s["key"] for s in DEFAULT_STAGES] == [
        "awareness",
        "consideration",
        "purchase",
        "onboarding",
        "adoption",
        "renewal",
        "advocacy",
    ]
    cases = [
        (_signal(source="page_view", page="Home"), 0),
        (_signal(source="page_view", page="Pricing plans"), 1),
        (_signal(source="touchpoint", channel="in_person", kind="meeting"), 1),
        (_signal(source="event", event="subscription.started"), 2),
        (_signal(source="track", event="onboarding started"), 3),
        (_signal(source="track", event="Onboarding Completed"), 4),
        (_signal(source="renewal", days_to_renewal=90), 5),
        (_signal(source="touchpoint", channel="email", kind="nps_response", score=9), 6),
    ]
    for signal, expected in cases:
        assert target_position(RULES, signal, current=None) == expected, signal


def test_journeys_only_move_forward() -> None:
    pricing = _signal(source="page_view", page="/pricing")
    assert target_position(RULES, pricing, current=0) == 1
    assert target_position(RULES, pricing, current=1) is None  # already there
    assert target_position(RULES, pricing, current=2) is None  # never back


def test_non_matching_signals_move_nothing() -> None:
    assert (
        target_position(RULES, _signal(source="renewal", days_to_renewal=91), current=None) is None
    )
    assert (
        target_position(RULES, _signal(source="renewal", days_to_renewal=-1), current=None) is None
    )
    detractor = _signal(source="touchpoint", channel="email", kind="nps_response", score=8)
    assert target_position(RULES, detractor, current=None) is None
    assert (
        target_position(RULES, _signal(source="track", event="Report Built"), current=None) is None
    )


def test_every_given_field_must_hold() -> None:
    rule = StageRule(on="touchpoint", channel="phone", kind="call", min_score=7, max_score=8)
    good = _signal(source="touchpoint", channel="phone", kind="call", score=8)
    assert rule_matches(rule, good)
    assert not rule_matches(
        rule, _signal(source="touchpoint", channel="email", kind="call", score=8)
    )
    assert not rule_matches(
        rule, _signal(source="touchpoint", channel="phone", kind="call", score=9)
    )
    assert not rule_matches(rule, _signal(source="touchpoint", channel="phone", kind="call"))
    assert not rule_matches(
        rule, _signal(source="page_view", channel="phone", kind="call", score=8)
    )


def test_rules_that_cannot_match_are_refused() -> None:
    with pytest.raises(ValidationError):
        StageRule(on="track")  # a track rule names its event
    with pytest.raises(ValidationError):
        StageRule(on="renewal")
    with pytest.raises(ValidationError):
        StageRule(on="touchpoint", min_score=9, max_score=3)
    with pytest.raises(ValidationError):
        StageRule.model_validate({"on": "touchpoint", "colour": "red"})
