"""SLA policy selection: first match in the given order, empty conditions match anything."""

from __future__ import annotations

import pytest

from cxhub.service.sla.policy_match import (
    PolicyConditions,
    SlaMetric,
    TicketFacts,
    select_policy,
)

POLICIES = [
    (
        "enterprise urgent",
        PolicyConditions(priorities=frozenset({"urgent"}), account_tiers=frozenset({"enterprise"})),
    ),
    ("vip tagged", PolicyConditions(tags_any=frozenset({"vip", "escalated"}))),
    (
        "phone",
        PolicyConditions(
            channels=frozenset({"phone"}), ticket_types=frozenset({"incident", "problem"})
        ),
    ),
    ("default", PolicyConditions()),
]


def facts(**overrides: object) -> TicketFacts:
    values: dict[str, object] = {"priority": "normal", "channel": "email", **overrides}
    return TicketFacts(**values)  # type: ignore[arg-type]


def test_first_matching_policy_in_order_wins() -> None:
    # matches both "enterprise urgent" and "vip tagged": the earlier one wins
    ticket = facts(priority="urgent", account_tier="enterprise", tags=frozenset({"vip"}))
    assert select_policy(POLICIES, ticket) == "enterprise urgent"
    assert select_policy(list(reversed(POLICIES)), ticket) == "default"


def test_every_non_empty_condition_must_hold() -> None:
    # urgent but not enterprise: falls through to the catch-all
    assert select_policy(POLICIES, facts(priority="urgent", account_tier="smb")) == "default"
    # phone, but the type is not listed
    assert select_policy(POLICIES, facts(channel="phone", ticket_type="question")) == "default"
    assert select_policy(POLICIES, facts(channel="phone", ticket_type="incident")) == "phone"


def test_missing_facts_fail_a_condition_on_them() -> None:
    assert select_policy(POLICIES, facts(priority="urgent")) == "default"
    assert select_policy(POLICIES, facts(channel="phone")) == "default"


def test_tags_any_needs_one_shared_tag() -> None:
    assert select_policy(POLICIES, facts(tags=frozenset({"escalated", "billing"}))) == "vip tagged"
    assert select_policy(POLICIES, facts(tags=frozenset({"billing"}))) == "default"


def test_no_match_without_a_catch_all() -> None:
    assert select_policy(POLICIES[:-1], facts()) is None
    assert select_policy([], facts()) is None


def test_values_are_exact_and_case_sensitive() -> None:
    assert select_policy(POLICIES[:1], facts(priority="Urgent", account_tier="enterprise")) is None


def test_conditions_accept_any_iterable_but_not_a_bare_string() -> None:
    conditions = PolicyConditions(channels=["email", "chat"])  # type: ignore[arg-type]
    assert conditions.channels == frozenset({"email", "chat"})
    with pytest.raises(ValueError, match="not the string"):
        PolicyConditions(priorities="urgent")  # type: ignore[arg-type]


def test_policies_can_be_any_type() -> None:
    policies = [(42, PolicyConditions(priorities=frozenset({"low"}))), (7, PolicyConditions())]
    assert select_policy(policies, facts(priority="low")) == 42


def test_sla_metrics_are_strings() -> None:
    assert [metric.value for metric in SlaMetric] == [
        "first_reply",
        "next_reply",
        "periodic_update",
        "resolution",
    ]
    assert SlaMetric("resolution") is SlaMetric.RESOLUTION
