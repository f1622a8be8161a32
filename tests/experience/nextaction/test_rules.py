"""The next-best-action scoring rules by hand (docs/experience.md): scores, ordering, and when a
decided action comes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cxhub.experience.nextaction.rules import (
    ActionKind,
    Decision,
    Signal,
    customer_key,
    rank,
    score_signal,
    visible,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _ticket(ticket_id: int, *, breached: bool, priority: str = "normal") -> Signal:
    facts = {"ticket_id": ticket_id, "number": ticket_id, "breached": breached}
    facts |= {"priority": priority, "status": "open", "due_at": None, "hours": 4}
    return Signal(ActionKind.REPLY_TICKET, str(ticket_id), 1, 9, facts)


@pytest.mark.parametrize(
    ("signal", "score"),
    [
        (_ticket(1, breached=True), 90.0),
        (_ticket(1, breached=True, priority="urgent"), 98.0),
        (_ticket(1, breached=False, priority="high"), 85.0),
        (Signal(ActionKind.CALL_DETRACTOR, "5", 1, 9, {"score": 0, "answer_id": 5}), 84.0),
        (Signal(ActionKind.CALL_DETRACTOR, "5", 1, 9, {"score": 6, "answer_id": 5}), 72.0),
        (
            Signal(ActionKind.START_RENEWAL, "3", None, 9, {"days_left": 15, "window_days": 60}),
            75.0,  # 60 + 20·(1 − 15/60)
        ),
        (
            Signal(
                ActionKind.START_RENEWAL,
                "3",
                None,
                9,
                {"days_left": 60, "window_days": 60, "at_risk": True},
            ),
            75.0,  # 60 + 0 + 15
        ),
        (
            Signal(
                ActionKind.REENGAGE_SENTIMENT,
                "1",
                1,
                9,
                {"recent_mean": -0.5, "previous_mean": 0.3, "negative": 3, "texts": 4},
            ),
            63.0,  # 55 + 10·0.8
        ),
        (
            Signal(
                ActionKind.REENGAGE_SENTIMENT,
                "1",
                1,
                9,
                {"recent_mean": -0.9, "previous_mean": 0.9, "negative": 3, "texts": 4},
            ),
            73.0,  # 55 + min(20, 18)
        ),
        (Signal(ActionKind.OFFER_EXPANSION, "seats", None, 9, {"best_band": True}), 55.0),
        (Signal(ActionKind.SEND_GUIDE, "sso", None, 9, {"feature": "sso", "article_id": 4}), 35.0),
    ],
)
def test_scores_by_hand(signal: Signal, score: float) -> None:
    assert score_signal(signal).score == pytest.approx(score)


def test_rank_orders_by_score_then_kind_and_keeps_one_per_key() -> None:
    renewal = Signal(ActionKind.START_RENEWAL, "3", None, 9, {"days_left": 0, "window_days": 60})
    detractor = Signal(ActionKind.CALL_DETRACTOR, "5", 1, 9, {"score": 2, "answer_id": 5})
    ranked = rank(
        [renewal, _ticket(7, breached=False), detractor, _ticket(7, breached=True)], {}, now=NOW
    )
    # ticket 7 once (breached, 90); renewal 80 ties detractor 80: the kind order decides.
    assert [(a.key, a.score) for a in ranked] == [
        ("reply_ticket:7", 90.0),
        ("call_detractor:5", 80.0),
        ("start_renewal:3", 80.0),
    ]
    assert ranked[0].customer_key == "contact:1"
    assert ranked[2].customer_key == "account:9"


def test_customer_key_falls_back_to_the_account_or_the_contact() -> None:
    assert customer_key(ActionKind.CALL_DETRACTOR, None, 9) == "account:9"
    assert customer_key(ActionKind.START_RENEWAL, 1, 9) == "account:9"
    assert customer_key(ActionKind.REPLY_TICKET, 1, None) == "contact:1"


def test_decided_actions_come_back_only_when_their_signal_changes() -> None:
    action = score_signal(_ticket(7, breached=False))
    same = Decision("dismissed", action.fingerprint, None)
    changed = Decision("dismissed", "breached=False;due=earlier;status=open", None)
    assert not visible(action, same, now=NOW)
    assert visible(action, changed, now=NOW)
    assert not visible(action, Decision("taken", action.fingerprint, None), now=NOW)
    snoozed = Decision("snoozed", action.fingerprint, NOW + timedelta(days=1))
    assert not visible(action, snoozed, now=NOW)
    assert visible(action, snoozed, now=NOW + timedelta(days=1))
    slot = (action.customer_key, action.key)
    assert rank([_ticket(7, breached=False)], {slot: same}, now=NOW) == []
    assert len(rank([_ticket(7, breached=True)], {slot: same}, now=NOW)) == 1


def test_reason_fills_in_the_facts() -> None:
    action = score_signal(_ticket(12, breached=True))
    assert action.reason.format(**action.facts) == "Ticket #12 has breached its SLA: reply now."
    assert action.link == "/tickets/12"
