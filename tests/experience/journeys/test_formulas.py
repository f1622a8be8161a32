"""Funnel, NPS/sentiment summaries and Sankey shaping on hand-computed cases."""

from __future__ import annotations

import pytest

from cxhub.experience.journeys.formulas import funnel, sankey, score_summary

STAGES = [
    {"key": k, "name": k.title()} for k in ("awareness", "consideration", "purchase", "advocacy")
]


def test_funnel_counts_reached_as_furthest_stage_or_beyond() -> None:
    # 10 customers stopped at awareness, 5 at consideration, 3 at purchase, 2 reached advocacy:
    # reached = 20, 10, 5, 2.
    result = funnel(STAGES, {0: 10, 1: 5, 2: 3, 3: 2})
    assert [s.reached for s in result] == [20, 10, 5, 2]
    assert [s.drop_off for s in result] == [10, 5, 3, 0]
    assert result[0].conversion_to_next == pytest.approx(0.5)
    assert result[1].conversion_to_next == pytest.approx(0.5)
    assert result[2].conversion_to_next == pytest.approx(0.4)
    assert result[3].conversion_to_next is None  # the last stage converts to nothing
    assert result[3].conversion_from_start == pytest.approx(0.1)
    assert result[2].drop_off_rate == pytest.approx(0.6)
    assert result[3].drop_off_rate is None


def test_skipped_stages_count_as_passed_and_unknown_positions_are_ignored() -> None:
    # one customer jumped straight to purchase; position 9 belongs to a removed stage
    result = funnel(STAGES, {2: 1, 9: 4})
    assert [s.reached for s in result] == [1, 1, 1, 0]
    assert result[0].conversion_to_next == 1.0


def test_empty_funnel_has_no_rates() -> None:
    result = funnel(STAGES, {})
    assert all(s.reached == 0 for s in result)
    assert all(s.conversion_to_next is None and s.conversion_from_start is None for s in result)


def test_score_summary_nps_mean_and_negative_share() -> None:
    # answers 10, 9, 8, 6, 0: promoters 2, detractors 2 -> NPS 0; mean 33/5
    # sentiments 0.5, -0.5, -0.1: mean -0.0333, negative (< -0.25) 1 of 3
    summary = score_summary(
        {
            "touchpoints": 7,
            "responses": 5,
            "promoters": 2,
            "detractors": 2,
            "score_sum": 33,
            "sentiment_count": 3,
            "sentiment_sum": -0.1,
            "negative": 1,
        }
    )
    assert summary.nps == 0.0
    assert summary.mean_score == pytest.approx(6.6)
    assert summary.mean_sentiment == pytest.approx(-0.1 / 3)
    assert summary.negative_share == pytest.approx(1 / 3)
    three_promoters_one_detractor = score_summary({"responses": 4, "promoters": 3, "detractors": 1})
    assert three_promoters_one_detractor.nps == 50.0
    assert score_summary({}).nps is None
    assert score_summary({}).mean_sentiment is None


def test_sankey_numbers_nodes_by_step_and_label() -> None:
    nodes = [
        {"step": 1, "label": "call", "customers": 2},
        {"step": 0, "label": "page_view", "customers": 3},
        {"step": 1, "label": "mention", "customers": 1},
    ]
    links = [
        {"step": 0, "source": "page_view", "target": "mention", "customers": 1},
        {"step": 0, "source": "page_view", "target": "call", "customers": 2},
    ]
    result = sankey(nodes, links)
    assert [(n["step"], n["label"]) for n in result["nodes"]] == [
        (0, "page_view"),
        (1, "call"),
        (1, "mention"),
    ]
    assert result["links"] == [
        {"source": 0, "target": 1, "value": 2},
        {"source": 0, "target": 2, "value": 1},
    ]
