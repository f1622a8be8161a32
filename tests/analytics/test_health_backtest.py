"""The churn backtest of health scores, computed by hand (docs/health.md, "Backtest")."""

from __future__ import annotations

from datetime import date

import pytest

from cxhub.analytics.health_backtest import (
    ScorePoint,
    average_ranks,
    backtest,
    roc_auc,
    score_at,
)

AS_OF = date(2026, 3, 1)


def test_average_ranks_share_ties() -> None:
    assert average_ranks([10, 20, 20, 5]) == [2, 3.5, 3.5, 1]


def test_auc_by_mann_whitney() -> None:
    # risk = −score; churned A(20) and C(50) against renewed 35, 60, 80, 90:
    # A beats all 4, C beats 3 → 7 of 8 pairs.
    scores = [20, 35, 50, 60, 80, 90]
    churned = [True, False, True, False, False, False]
    assert roc_auc([-s for s in scores], churned) == pytest.approx(7 / 8)
    # C tied with B at 35: that pair counts one half → 7.5 / 8.
    scores[2] = 35
    assert roc_auc([-s for s in scores], churned) == pytest.approx(7.5 / 8)
    assert roc_auc([1.0, 2.0], [True, True]) is None


def _history(*points: tuple[date, float | None, str | None]) -> list[ScorePoint]:
    return [ScorePoint(*p) for p in points]


def test_score_at_takes_the_latest_on_or_before() -> None:
    history = _history((date(2026, 2, 1), 50, "fair"), (date(2026, 3, 2), 10, "poor"))
    assert score_at(history, AS_OF) == history[0]
    assert score_at(history, date(2026, 1, 1)) is None


def test_backtest_six_accounts() -> None:
    day = date(2026, 2, 28)
    scores = {1: (20, "poor"), 2: (35, "poor"), 3: (35, "poor"), 4: (60, "fair")}
    scores |= {5: (80, "good"), 6: (90, "good")}
    histories = {a: _history((day, s, b)) for a, (s, b) in scores.items()}
    histories[7] = _history((day, 10, "poor"))  # churned before as_of: left out
    histories[8] = _history((day, None, None))  # insufficient data: unscored
    churned_on = {1: date(2026, 4, 1), 3: date(2026, 5, 30), 5: date(2026, 9, 1)}
    churned_on |= {7: date(2026, 2, 15)}  # 5 churns after the 90-day horizon: retained
    report = backtest(
        histories=histories,
        churned_on=churned_on,
        as_of=AS_OF,
        horizon_days=90,
        band_order=["poor", "fair", "good"],
    )
    assert (report.accounts, report.churned, report.unscored) == (6, 2, 1)
    assert report.base_rate == pytest.approx(1 / 3)
    assert report.auc == pytest.approx(7.5 / 8)
    poor, fair, good = report.bands
    assert (poor.accounts, poor.churned) == (3, 2)
    assert poor.churn_rate == pytest.approx(2 / 3)
    assert (fair.accounts, fair.churn_rate) == (1, 0)
    assert (good.accounts, good.churn_rate) == (2, 0)
    assert report.worst_band == "poor"
    assert report.worst_band_lift == pytest.approx(2.0)


def test_backtest_without_accounts() -> None:
    report = backtest(
        histories={}, churned_on={}, as_of=AS_OF, horizon_days=30, band_order=["poor"]
    )
    assert report.auc is None
    assert report.base_rate is None
    assert report.worst_band_lift is None
    with pytest.raises(ValueError, match="positive"):
        backtest(histories={}, churned_on={}, as_of=AS_OF, horizon_days=0, band_order=[])
