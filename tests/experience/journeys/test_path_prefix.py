"""The path prefix as pure values: building it, folding touchpoints in (in order, out of order,
repeats, re-reads), and a randomized check that folding in any arrival order, recomputing
when the fold says it cannot tell, equals collapsing the whole list."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from cxhub.experience.journeys.path_prefix import (
    MAX_PATH_STEPS,
    PathPrefix,
    Step,
    collapse,
    extend,
    start,
)

T = datetime(2026, 1, 10, 12, 0)
H = timedelta(hours=1)


def labels(prefix: PathPrefix | None) -> tuple[str, ...]:
    assert prefix is not None
    return prefix.labels()


def test_collapse_merges_repeats_and_orders_ties_by_label() -> None:
    prefix = collapse(
        [
            (T + 3 * H, "page_view"),
            (T, "page_view"),
            (T + H, "page_view"),
            (T + 2 * H, "email_open"),
            (T + 4 * H, "call"),
            (T + 4 * H, "call"),  # the same moment twice is one step
            (T + 5 * H, "chat"),
            (T + 5 * H, "call"),  # a tie: call before chat
        ]
    )
    assert prefix is not None
    assert prefix.steps == (
        Step("page_view", T),
        Step("email_open", T + 2 * H),
        Step("page_view", T + 3 * H),
        Step("call", T + 4 * H),
        Step("chat", T + 5 * H),
    )
    assert (prefix.started_at, prefix.last_at, prefix.last_label) == (T, T + 5 * H, "chat")
    assert collapse([]) is None


def test_collapse_keeps_only_the_first_steps() -> None:
    alternating = [(T + n * H, "call" if n % 2 else "chat") for n in range(25)]
    prefix = collapse(alternating)
    assert prefix is not None
    assert prefix.full
    assert len(prefix.steps) == MAX_PATH_STEPS
    assert prefix.steps[-1] == Step("call", T + 9 * H)
    assert (prefix.last_at, prefix.last_label) == (T + 24 * H, "chat")


def test_in_order_touchpoints_append_or_collapse() -> None:
    prefix = start(T, "page_view")
    prefix = extend(prefix, T + H, "page_view")  # a repeat: same step, later end
    assert prefix is not None
    assert labels(prefix) == ("page_view",)
    assert prefix.last_at == T + H
    prefix = extend(prefix, T + 2 * H, "email_open")
    assert labels(prefix) == ("page_view", "email_open")
    assert prefix is not None
    assert prefix.steps[1].started_at == T + 2 * H


def test_a_touchpoint_before_the_start_moves_or_prepends_the_first_step() -> None:
    prefix = collapse([(T, "page_view"), (T + H, "call")])
    assert prefix is not None
    earlier = extend(prefix, T - H, "page_view")
    assert earlier is not None
    assert earlier.steps[0] == Step("page_view", T - H)
    assert labels(earlier) == ("page_view", "call")
    before = extend(prefix, T - H, "mention")
    assert before is not None
    assert labels(before) == ("mention", "page_view", "call")
    assert before.started_at == T - H
    tie = extend(prefix, T, "call")  # same moment as the start, ordered first by label
    assert labels(tie) == ("call", "page_view", "call")


def test_re_reading_a_counted_touchpoint_changes_nothing() -> None:
    touchpoints = [(T, "page_view"), (T + H, "page_view"), (T + 2 * H, "call"), (T + 3 * H, "chat")]
    prefix = collapse(touchpoints)
    assert prefix is not None
    for at, label in touchpoints:
        assert extend(prefix, at, label) == prefix


def test_a_touchpoint_of_another_kind_inside_a_run_asks_for_a_recompute() -> None:
    prefix = collapse([(T, "page_view"), (T + 2 * H, "page_view"), (T + 3 * H, "call")])
    assert prefix is not None
    # Between two page views: the run splits, and where it resumes is not stored.
    assert extend(prefix, T + H, "email_open") is None
    # A page view inside the page-view run is just one more of the same.
    assert extend(prefix, T + H, "page_view") == prefix


def test_a_full_prefix_ignores_what_comes_after_its_last_step_starts() -> None:
    alternating = [(T + n * H, "call" if n % 2 else "chat") for n in range(12)]
    prefix = collapse(alternating)
    assert prefix is not None
    assert prefix.full
    last_start = prefix.steps[-1].started_at
    assert extend(prefix, last_start + timedelta(minutes=30), "mention") == prefix
    assert extend(prefix, T + 30 * H, "mention") is not None
    assert labels(extend(prefix, T + 30 * H, "mention")) == prefix.labels()


def fold(arrivals: list[tuple[datetime, str]]) -> tuple[PathPrefix | None, int]:
    """What the rollup does: fold each arrival, recomputing from all arrived so far when the
    fold cannot tell. Answers the prefix and how many recomputes it took."""
    prefix: PathPrefix | None = None
    seen: list[tuple[datetime, str]] = []
    recomputes = 0
    for at, label in arrivals:
        seen.append((at, label))
        folded = start(at, label) if prefix is None else extend(prefix, at, label)
        if folded is None:
            recomputes += 1
            folded = collapse(seen)
        prefix = folded
    return prefix, recomputes


def test_folding_in_any_arrival_order_equals_collapsing_everything() -> None:
    rng = random.Random(30)
    kinds = ["page_view", "page_view", "page_view", "email_open", "call", "chat"]
    recomputes = folded_out_of_order = 0
    for _ in range(600):
        count = rng.randint(1, 30)
        touchpoints = [
            (T + timedelta(minutes=rng.randint(0, 600)), rng.choice(kinds)) for _ in range(count)
        ]
        touchpoints += rng.sample(touchpoints, k=min(3, count))  # re-reads
        arrivals = rng.sample(touchpoints, k=len(touchpoints))
        if rng.random() < 0.5:  # mostly in order, one late
            arrivals = sorted(touchpoints)
            arrivals.append(arrivals.pop(rng.randrange(len(arrivals))))
        prefix, recomputed = fold(arrivals)
        assert prefix == collapse(touchpoints), arrivals
        recomputes += recomputed
        folded_out_of_order += recomputed == 0 and arrivals != sorted(arrivals)
    assert recomputes > 0  # both ways were exercised
    assert folded_out_of_order > 0
