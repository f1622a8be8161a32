"""Metric formulas on the worked examples of docs/metrics.md."""

from __future__ import annotations

import pytest

from cxhub.analytics.formulas import ces, csat_percent, duration_summary, nps, percent, percentile


def test_csat_worked_example() -> None:
    assert csat_percent([5, 4, 3, 5, 2, 4, 1, 5]) == pytest.approx(62.5)


def test_nps_worked_example() -> None:
    assert nps([10, 9, 9, 8, 7, 6, 10, 3, 9, 0]) == pytest.approx(20.0)


def test_ces_worked_example() -> None:
    assert ces([6, 5, 7, 3, 6, 2]) == pytest.approx(29 / 6)


def test_empty_denominators_are_undefined_not_zero() -> None:
    assert csat_percent([]) is None
    assert nps([]) is None
    assert ces([]) is None
    assert percent(0, 0) is None
    assert duration_summary([]) == {"count": 0, "mean": None, "median": None, "p90": None}


def test_out_of_scale_answers_are_rejected() -> None:
    with pytest.raises(ValueError, match="1–5"):
        csat_percent([0])
    with pytest.raises(ValueError, match="0–10"):
        nps([11])
    with pytest.raises(ValueError, match="1–7"):
        ces([8])


def test_percentile_interpolates_like_numpy() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    # numpy.percentile([1,2,3,4], 50) == 2.5 ; 90 -> 3.7
    assert percentile(values, 0.5) == pytest.approx(2.5)
    assert percentile(values, 0.9) == pytest.approx(3.7)
    assert percentile([7.0], 0.9) == 7.0
    summary = duration_summary([30.0, 10.0, 20.0])
    assert summary == {"count": 3, "mean": 20.0, "median": 20.0, "p90": pytest.approx(28.0)}


def test_connected_experience_score_by_hand() -> None:
    from cxhub.analytics.formulas import connected_experience_score

    # docs/metrics.md: 100 − (0.30·20 + 0.25·10 + 0.15·5 + 0.30·30) = 81.75
    assert connected_experience_score(
        repeat_rate=20, switch_rate=10, repeated_information_share=5, fcr_rate=70
    ) == pytest.approx(81.75)
    # FCR undefined: its weight drops out, 100 − (6 + 2.5 + 0.75) / 0.70
    assert connected_experience_score(
        repeat_rate=20, switch_rate=10, repeated_information_share=5, fcr_rate=None
    ) == pytest.approx(100 - 9.25 / 0.7)
    assert connected_experience_score(
        repeat_rate=0, switch_rate=0, repeated_information_share=0, fcr_rate=100
    ) == pytest.approx(100.0)
    assert connected_experience_score(
        repeat_rate=100, switch_rate=100, repeated_information_share=100, fcr_rate=0
    ) == pytest.approx(0.0)
    assert (
        connected_experience_score(
            repeat_rate=None, switch_rate=None, repeated_information_share=None, fcr_rate=None
        )
        is None
    )
    with pytest.raises(ValueError, match="percentage"):
        connected_experience_score(
            repeat_rate=120, switch_rate=0, repeated_information_share=0, fcr_rate=0
        )
