"""Does the health score predict churn? A backtest on plain values (no database):
docs/health.md ("Backtest").

Each account's score at `as_of` is its latest stored score on or before that day. An account
churned when its churn day (the day its last subscription ended) falls in
`(as_of, as_of + horizon]`; accounts that had already churned on `as_of` are left out, and so
are accounts without a score (no history, or "insufficient data").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class ScorePoint:
    day: date
    score: float | None
    band: str | None


@dataclass(frozen=True)
class BandOutcome:
    band: str
    accounts: int
    churned: int
    churn_rate: float | None


@dataclass(frozen=True)
class BacktestReport:
    as_of: date
    horizon_days: int
    accounts: int
    churned: int
    unscored: int
    base_rate: float | None
    auc: float | None
    bands: list[BandOutcome]
    worst_band: str | None
    worst_band_lift: float | None


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks of `values`; tied values share the mean of their ranks."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        rank = (start + end) / 2 + 1
        for position in range(start, end + 1):
            ranks[order[position]] = rank
        start = end + 1
    return ranks


def roc_auc(risk: Sequence[float], positive: Sequence[bool]) -> float | None:
    """ROC AUC by the Mann-Whitney U statistic: the probability that a random positive has a
    higher risk than a random negative, ties counting one half. None without both classes."""
    if len(risk) != len(positive):
        raise ValueError("risk and positive must have the same length")
    positives = sum(1 for p in positive if p)
    negatives = len(positive) - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = average_ranks(risk)
    rank_sum = sum(r for r, p in zip(ranks, positive, strict=True) if p)
    u = rank_sum - positives * (positives + 1) / 2
    return u / (positives * negatives)


def score_at(history: Sequence[ScorePoint], day: date) -> ScorePoint | None:
    known = [p for p in history if p.day <= day]
    return max(known, key=lambda p: p.day) if known else None


def backtest(
    *,
    histories: Mapping[int, Sequence[ScorePoint]],
    churned_on: Mapping[int, date | None],
    as_of: date,
    horizon_days: int,
    band_order: Sequence[str],
) -> BacktestReport:
    """`band_order` lists the scorecard's bands worst first (the lowest `min_score`)."""
    if horizon_days <= 0:
        raise ValueError("horizon_days must be positive")
    horizon_end = as_of + timedelta(days=horizon_days)
    scores: list[float] = []
    outcomes: list[bool] = []
    bands: list[str | None] = []
    unscored = 0
    for account_id in sorted(set(histories) | set(churned_on)):
        churn_day = churned_on.get(account_id)
        if churn_day is not None and churn_day <= as_of:
            continue  # already gone
        point = score_at(histories.get(account_id, ()), as_of)
        if point is None or point.score is None:
            unscored += 1
            continue
        scores.append(point.score)
        outcomes.append(churn_day is not None and churn_day <= horizon_end)
        bands.append(point.band)
    churned = sum(outcomes)
    base_rate = churned / len(outcomes) if outcomes else None
    per_band = []
    for band in band_order:
        members = [o for o, b in zip(outcomes, bands, strict=True) if b == band]
        lost = sum(members)
        per_band.append(
            BandOutcome(band, len(members), lost, lost / len(members) if members else None)
        )
    worst = per_band[0] if per_band else None
    lift = (
        worst.churn_rate / base_rate
        if worst is not None and worst.churn_rate is not None and base_rate
        else None
    )
    return BacktestReport(
        as_of=as_of,
        horizon_days=horizon_days,
        accounts=len(outcomes),
        churned=churned,
        unscored=unscored,
        base_rate=base_rate,
        auc=roc_auc([-s for s in scores], outcomes),
        bands=per_band,
        worst_band=worst.band if worst else None,
        worst_band_lift=lift,
    )
