"""Deterministic journey data for the parity suite: stage entries and touchpoints of a few
hundred customers over 60 days, with the edge cases where engines tend to differ: entries and
touchpoints exactly on the window bounds, ties in time (same customer, same instant), skipped
stages, customers who never leave a stage, touchpoints without a contact, scores at the NPS
class edges (6, 7, 8, 9) and sentiments at the negative threshold (-0.25)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

SINCE = datetime(2026, 2, 1)
UNTIL = datetime(2026, 3, 15)
KINDS = ["page_view", "email_open", "call", "meeting", "mention", "nps_response", "chat", "页面"]


@dataclass(frozen=True)
class JourneyData:
    entries: dict[str, list[Any]]
    touchpoints: dict[str, list[Any]]


def write_journey_data(*, seed: int = 26, customers: int = 400) -> JourneyData:
    rng = random.Random(seed)
    entries: dict[str, list[Any]] = {"contact_id": [], "position": [], "entered_at": []}
    points: dict[str, list[Any]] = {
        k: [] for k in ("contact_id", "channel", "kind", "occurred_at", "sentiment", "score")
    }
    start = SINCE - timedelta(days=20)
    for contact in range(1, customers + 1):
        at = start + timedelta(
            seconds=rng.randint(0, 60 * 86_400), microseconds=rng.randint(0, 999)
        )
        position = 0
        while position < 7 and at < UNTIL + timedelta(days=5):
            entries["contact_id"].append(contact)
            entries["position"].append(position)
            entries["entered_at"].append(at)
            position += rng.choice([1, 1, 1, 2])  # sometimes a stage is skipped
            if rng.random() < 0.25:
                break
            at += timedelta(seconds=rng.randint(3600, 20 * 86_400))
        moment = start + timedelta(seconds=rng.randint(0, 60 * 86_400))
        for _ in range(rng.randint(0, 14)):
            kind = rng.choice(KINDS)
            moment += timedelta(seconds=rng.choice([0, 0, 60, 3600, 86_400]))  # ties included
            points["contact_id"].append(None if rng.random() < 0.03 else contact)
            points["channel"].append(rng.choice(["web", "email", "phone", "social"]))
            points["kind"].append(kind)
            points["occurred_at"].append(moment)
            rated = kind == "nps_response"
            points["score"].append(rng.choice([0, 6, 7, 8, 9, 10]) if rated else None)
            points["sentiment"].append(
                rng.choice([-0.25, -0.5, 0.0, 0.3, None]) if kind in ("mention", "call") else None
            )
    for edge in (SINCE, UNTIL, UNTIL - timedelta(microseconds=1)):
        entries["contact_id"].append(customers + 1)
        entries["position"].append(
            len([e for e in entries["contact_id"] if e == customers + 1]) - 1
        )
        entries["entered_at"].append(edge)
        for column, value in zip(
            points, (customers + 1, "web", "page_view", edge, None, 9), strict=True
        ):
            points[column].append(value)
    return JourneyData(entries, points)
