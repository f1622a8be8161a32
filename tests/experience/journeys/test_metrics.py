"""The Ibis journey metrics on embedded DuckDB, on small hand-computed cases (the parity suite
checks Spark gives the same rows on larger generated data)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import ibis.expr.types as ir
import pytest
from ibis.backends import BaseBackend

from cxhub.analytics import engine
from cxhub.experience.journeys import metrics
from cxhub.experience.journeys.analytics import run_analytics

D = datetime
SINCE, UNTIL = D(2026, 1, 1), D(2026, 2, 1)
STAGES = [{"key": k} for k in ("awareness", "consideration", "purchase", "adoption")]


@pytest.fixture(scope="module")
def backend() -> Iterator[BaseBackend]:
    with engine.connected(engine.EngineConfig()) as connected:
        yield connected


def entries(*rows: tuple[int, int, datetime]) -> ir.Table:
    return engine.record_table(
        {
            "contact_id": [r[0] for r in rows],
            "position": [r[1] for r in rows],
            "entered_at": [r[2] for r in rows],
        },
        metrics.ENTRY_SCHEMA,
    )


def touchpoints(*rows: tuple[Any, ...]) -> ir.Table:
    """(contact_id, kind, occurred_at[, sentiment, score]); channel = kind's first word."""
    full = [(*r, None, None)[:5] for r in rows]
    return engine.record_table(
        {
            "contact_id": [r[0] for r in full],
            "channel": [str(r[1]).split("_")[0] for r in full],
            "kind": [r[1] for r in full],
            "occurred_at": [r[2] for r in full],
            "sentiment": [r[3] for r in full],
            "score": [r[4] for r in full],
        },
        metrics.TOUCHPOINT_SCHEMA,
    )


def rows(backend: BaseBackend, table: ir.Table, *order: str) -> list[dict[str, Any]]:
    result = backend.to_pyarrow(table).to_pylist()
    return sorted(result, key=lambda r: [str(r[k]) for k in order]) if order else result


def test_funnel_cohort_is_customers_with_an_entry_in_the_window(backend: BaseBackend) -> None:
    table = entries(
        (1, 0, D(2026, 1, 2)),
        (1, 1, D(2026, 1, 5)),
        (1, 2, D(2026, 1, 9)),
        (2, 0, D(2025, 12, 1)),
        (2, 1, D(2026, 1, 3)),  # started before, active in the window
        (3, 0, D(2025, 11, 1)),  # nothing in the window: not in the cohort
        (4, 0, D(2026, 1, 31, 23, 59, 59)),  # just inside
        (5, 0, D(2026, 2, 1)),  # `until` is excluded
        (4, 3, D(2026, 2, 2)),  # after `until`: not counted as reached
    )
    counts = rows(
        backend, metrics.furthest_stage_counts(table, since=SINCE, until=UNTIL), "furthest"
    )
    assert counts == [
        {"furthest": 0, "customers": 1},
        {"furthest": 1, "customers": 1},
        {"furthest": 2, "customers": 1},
    ]
    result = run_analytics(
        backend,
        stages=STAGES,
        entries=table,
        touchpoints=touchpoints(),
        since=SINCE,
        until=UNTIL,
        parts=("funnel",),
    )
    assert [s.reached for s in result.funnel] == [3, 2, 1, 0]
    assert [s.drop_off for s in result.funnel] == [1, 1, 1, 0]


def test_time_in_stage_median_and_p90_of_those_who_left(backend: BaseBackend) -> None:
    day = timedelta(days=1)
    start = D(2026, 1, 1)
    # five customers in awareness for 1, 2, 3, 4 and 10 days, a sixth still there
    table = entries(
        *[(c, 0, start) for c in range(1, 7)],
        *[(c, 1, start + d * day) for c, d in zip(range(1, 6), (1, 2, 3, 4, 10), strict=True)],
    )
    [aware, considering] = rows(
        backend, metrics.time_in_stage(table, since=SINCE, until=UNTIL), "position"
    )
    assert (aware["entered"], aware["left"]) == (6, 5)
    assert aware["median_seconds"] == 3 * 86_400
    # continuous p90 of 1, 2, 3, 4, 10 days: 4 + 0.6 × (10 − 4) = 7.6 days
    assert aware["p90_seconds"] == pytest.approx(7.6 * 86_400)
    assert (considering["entered"], considering["left"], considering["median_seconds"]) == (
        5,
        0,
        None,
    )


def test_paths_collapse_repeats_and_stop_after_the_first_steps(backend: BaseBackend) -> None:
    t = D(2026, 1, 10)
    h = timedelta(hours=1)
    table = touchpoints(
        (1, "page_view", t),
        (1, "page_view", t + h),
        (1, "email_open", t + 2 * h),
        (1, "page_view", t + 3 * h),
        (1, "call", t + 4 * h),
        (2, "page_view", t),
        (2, "email_open", t + h),
        (2, "call", t + 2 * h),
        (3, "page_view", t),
        (3, "email_open", t + h),
        (3, "page_view", t + 2 * h),
        (None, "mention", t),  # no contact: not on any path
        (4, "call", D(2025, 12, 31)),  # outside the window
    )
    steps = metrics.path_steps(table, since=SINCE, until=UNTIL, steps=3)
    assert rows(backend, steps.filter(steps.contact_id == 1), "step") == [
        {"contact_id": 1, "step": 0, "label": "page_view", "next_label": "email_open"},
        {"contact_id": 1, "step": 1, "label": "email_open", "next_label": "page_view"},
        {"contact_id": 1, "step": 2, "label": "page_view", "next_label": None},
    ]
    links = rows(backend, metrics.path_links(steps), "step", "source", "target")
    assert links == [
        {"step": 0, "source": "page_view", "target": "email_open", "customers": 3},
        {"step": 1, "source": "email_open", "target": "call", "customers": 1},
        {"step": 1, "source": "email_open", "target": "page_view", "customers": 2},
    ]
    top = rows(backend, metrics.top_paths(steps, steps=3, top=5))
    assert top[0] == {
        "step_0": "page_view",
        "step_1": "email_open",
        "step_2": "page_view",
        "customers": 2,
    }
    assert top[1]["customers"] == 1
    assert top[1]["step_2"] == "call"


def test_ties_in_time_are_ordered_by_label(backend: BaseBackend) -> None:
    t = D(2026, 1, 10)
    table = touchpoints((1, "page_view", t), (1, "call", t))
    steps = rows(backend, metrics.path_steps(table, since=SINCE, until=UNTIL), "step")
    assert [s["label"] for s in steps] == ["call", "page_view"]


def test_scores_belong_to_the_stage_the_customer_was_in(backend: BaseBackend) -> None:
    stage_entries = entries((1, 0, D(2026, 1, 5)), (1, 2, D(2026, 1, 10)), (2, 0, D(2026, 1, 1)))
    table = touchpoints(
        (1, "survey", D(2026, 1, 4), None, 10),  # before the first entry: no stage
        (1, "survey", D(2026, 1, 6), -0.5, 3),  # awareness
        (1, "survey", D(2026, 1, 10), 0.5, 9),  # exactly at the next entry: purchase
        (1, "survey", D(2026, 1, 20), None, 10),  # purchase, still in it
        (2, "survey", D(2026, 1, 2), None, 7),  # awareness (passive)
        (2, "page_view", D(2026, 1, 2)),  # no score, no sentiment: not counted
    )
    by_stage = rows(
        backend,
        metrics.scores_by_stage(stage_entries, table, since=SINCE, until=UNTIL),
        "position",
    )
    assert [(r["position"], r["responses"], r["promoters"], r["detractors"]) for r in by_stage] == [
        (0, 2, 0, 1),
        (2, 2, 2, 0),
    ]
    result = run_analytics(
        backend,
        stages=STAGES,
        entries=stage_entries,
        touchpoints=table,
        since=SINCE,
        until=UNTIL,
        parts=("scores",),
    )
    assert [(key, s.nps) for key, s in result.by_stage] == [
        ("awareness", -50.0),
        ("purchase", 100.0),
    ]
    [(_channel, _kind, survey)] = [c for c in result.by_channel if c[1] == "survey"]
    assert (survey.touchpoints, survey.responses, survey.nps) == (5, 5, 40.0)
    assert survey.mean_sentiment == 0.0
    assert survey.negative_share == 0.5
