"""The next-best-action scoring rules: pure functions from a signal to a scored, explained action
(docs/experience.md, "Next best action"). No model, no database: each rule is a base priority
plus one or two documented adjustments, so a person can recompute any score by hand.

| action | base | adjustment | fingerprint (what "the signal changed" means) |
|---|---|---|---|
| reply_ticket | 90 breached, 80 due ≤ 4 h | +5 high, +8 urgent priority | breached/due time/status |
| call_detractor | 70 | +2 per point below 7 (score 0 → 84) | the answer's id |
| start_renewal | 60 | +20·(1 − days left ÷ window), +15 at-risk health | renewal date, band |
| reengage_sentiment | 55 | +10·drop in mean sentiment (−1..1 scale), at most +20 | negative count |
| offer_expansion | 45 | +10 when the health band is the best | seats used / licensed |
| send_guide | 35 | — | feature, article |

Ties are broken by kind order (the table's order), then by the action key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ActionKind(StrEnum):
    REPLY_TICKET = "reply_ticket"
    CALL_DETRACTOR = "call_detractor"
    START_RENEWAL = "start_renewal"
    REENGAGE_SENTIMENT = "reengage_sentiment"
    OFFER_EXPANSION = "offer_expansion"
    SEND_GUIDE = "send_guide"


KIND_ORDER = {kind: position for position, kind in enumerate(ActionKind)}
#: Actions about one person; the others are about the account.
CONTACT_KINDS = frozenset(
    {ActionKind.REPLY_TICKET, ActionKind.CALL_DETRACTOR, ActionKind.REENGAGE_SENTIMENT}
)

DUE_SOON_HOURS = 4
DETRACTOR_MAX = 6
RENEWAL_WINDOW_DAYS = 60
SENTIMENT_MIN_TEXTS = 2


@dataclass(frozen=True)
class Signal:
    """One observed fact that may call for an action, with who it is about."""

    kind: ActionKind
    subject: str  # the ticket id, the answer id, the subscription id, the feature…
    contact_id: int | None
    account_id: int | None
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NextAction:
    key: str
    kind: ActionKind
    customer_key: str
    contact_id: int | None
    account_id: int | None
    score: float
    reason: str  # an English message id with `{placeholders}` filled from `facts`
    facts: Mapping[str, Any]
    fingerprint: str
    link: str | None


def customer_key(kind: ActionKind, contact_id: int | None, account_id: int | None) -> str:
    if kind in CONTACT_KINDS and contact_id is not None:
        return f"contact:{contact_id}"
    if account_id is not None:
        return f"account:{account_id}"
    return f"contact:{contact_id}"


def _reply_ticket(facts: Mapping[str, Any]) -> tuple[float, str, str, str | None]:
    breached = bool(facts.get("breached"))
    score = 90.0 if breached else 80.0
    score += {"high": 5.0, "urgent": 8.0}.get(str(facts.get("priority")), 0.0)
    reason = (
        "Ticket #{number} has breached its SLA: reply now."
        if breached
        else "Ticket #{number} is due within {hours} hours: reply before it breaches."
    )
    fingerprint = f"breached={breached};due={facts.get('due_at')};status={facts.get('status')}"
    return score, reason, fingerprint, f"/tickets/{facts.get('ticket_id')}"


def _call_detractor(facts: Mapping[str, Any]) -> tuple[float, str, str, str | None]:
    score = 70.0 + 2.0 * max(0, DETRACTOR_MAX + 1 - int(facts["score"]))
    return (
        score,
        "Answered NPS {score}: call to hear what went wrong.",
        f"answer={facts.get('answer_id')}",
        None,
    )


def _start_renewal(facts: Mapping[str, Any]) -> tuple[float, str, str, str | None]:
    window = int(facts.get("window_days") or RENEWAL_WINDOW_DAYS)
    days_left = max(0, min(window, int(facts["days_left"])))
    score = 60.0 + 20.0 * (1.0 - days_left / window)
    if facts.get("at_risk"):
        score += 15.0
    return (
        score,
        "Renews on {renewal_on} ({days_left} days): start the renewal conversation.",
        f"renewal_on={facts.get('renewal_on')};at_risk={bool(facts.get('at_risk'))}",
        f"/accounts/{facts.get('account_id')}",
    )


def _reengage(facts: Mapping[str, Any]) -> tuple[float, str, str, str | None]:
    drop = max(0.0, float(facts.get("previous_mean") or 0.0) - float(facts["recent_mean"]))
    score = 55.0 + min(20.0, 10.0 * drop)
    return (
        score,
        "{negative} of {texts} recent messages were negative: re-engage.",
        f"negative={facts.get('negative')};texts={facts.get('texts')}",
        None,
    )


def _offer_expansion(facts: Mapping[str, Any]) -> tuple[float, str, str, str | None]:
    score = 45.0 + (10.0 if facts.get("best_band") else 0.0)
    return (
        score,
        "Uses {active} of {licensed} seats and is healthy: offer more seats.",
        f"seats={facts.get('active')}/{facts.get('licensed')}",
        f"/accounts/{facts.get('account_id')}",
    )


def _send_guide(facts: Mapping[str, Any]) -> tuple[float, str, str, str | None]:
    return (
        35.0,
        "Has not used {feature}: send the guide \u201c{article_title}\u201d.",
        f"feature={facts.get('feature')};article={facts.get('article_id')}",
        f"/knowledge/{facts.get('article_id')}",
    )


RULES = {
    ActionKind.REPLY_TICKET: _reply_ticket,
    ActionKind.CALL_DETRACTOR: _call_detractor,
    ActionKind.START_RENEWAL: _start_renewal,
    ActionKind.REENGAGE_SENTIMENT: _reengage,
    ActionKind.OFFER_EXPANSION: _offer_expansion,
    ActionKind.SEND_GUIDE: _send_guide,
}


def score_signal(signal: Signal) -> NextAction:
    score, reason, fingerprint, link = RULES[signal.kind](signal.facts)
    return NextAction(
        key=f"{signal.kind.value}:{signal.subject}",
        kind=signal.kind,
        customer_key=customer_key(signal.kind, signal.contact_id, signal.account_id),
        contact_id=signal.contact_id,
        account_id=signal.account_id,
        score=round(min(100.0, score), 2),
        reason=reason,
        facts=dict(signal.facts),
        fingerprint=fingerprint[:200],
        link=link,
    )


@dataclass(frozen=True)
class Decision:
    """What was decided on an action (the stored row, as plain values)."""

    status: str  # taken | dismissed | snoozed
    fingerprint: str
    snoozed_until: datetime | None


def visible(action: NextAction, decision: Decision | None, *, now: datetime) -> bool:
    """Whether an action is offered: a snoozed one comes back when the snooze ends; a taken or
    dismissed one only when its signal changed (another fingerprint)."""
    if decision is None:
        return True
    if decision.status == "snoozed":
        return decision.snoozed_until is None or decision.snoozed_until <= now
    return decision.fingerprint != action.fingerprint


def rank(
    signals: Iterable[Signal],
    decisions: Mapping[tuple[str, str], Decision],
    *,
    now: datetime,
) -> list[NextAction]:
    """Scored, visible actions, best first; one action per key (the highest-scored)."""
    best: dict[tuple[str, str], NextAction] = {}
    for signal in signals:
        action = score_signal(signal)
        slot = (action.customer_key, action.key)
        if slot not in best or action.score > best[slot].score:
            best[slot] = action
    offered = [a for slot, a in best.items() if visible(a, decisions.get(slot), now=now)]
    return sorted(offered, key=lambda a: (-a.score, KIND_ORDER[a.kind], a.key))
