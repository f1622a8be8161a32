"""A customer's path prefix: their first collapsed touchpoint steps, kept up to date one
touchpoint at a time (ADR 0030). Pure values, no database, so every case is tested by hand.

The path of a customer is the definition of `metrics.path_steps`: their touchpoints in the
order (occurred_at, label), repeats of one label in a row collapsed into one step. A prefix
holds the first `MAX_PATH_STEPS` steps, each with the time of the touchpoint that started it,
and the last touchpoint seen (time and label), which is where the final step's run ends.

`extend` adds one touchpoint and answers the new prefix, or `None` when the prefix alone cannot
tell the answer (a touchpoint of another kind landing inside an earlier run splits it, and
where the run resumes is not stored): the caller then recomputes that customer from all their
touchpoints with `collapse`. Adding a touchpoint that is already counted never changes a
prefix, so re-reading an overlapping window (the periodic scan) is harmless.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

MAX_PATH_STEPS = 10


@dataclass(frozen=True)
class Step:
    label: str
    started_at: datetime


@dataclass(frozen=True)
class PathPrefix:
    """`steps` are the first (at most `MAX_PATH_STEPS`) collapsed steps; `last_at`/`last_label`
    is the customer's latest touchpoint in path order (the end of the last step's run)."""

    steps: tuple[Step, ...]
    last_at: datetime
    last_label: str

    @property
    def started_at(self) -> datetime:
        return self.steps[0].started_at

    @property
    def full(self) -> bool:
        return len(self.steps) >= MAX_PATH_STEPS

    def labels(self) -> tuple[str, ...]:
        return tuple(step.label for step in self.steps)


def _key(at: datetime, label: str) -> tuple[datetime, str]:
    return (at, label)


def collapse(touchpoints: Iterable[tuple[datetime, str]]) -> PathPrefix | None:
    """The prefix of a customer's whole list of (occurred_at, label) touchpoints, in any
    order; `None` for no touchpoints."""
    ordered = sorted(touchpoints)
    if not ordered:
        return None
    steps: list[Step] = []
    for at, label in ordered:
        if steps and steps[-1].label == label:
            continue
        if len(steps) == MAX_PATH_STEPS:
            break
        steps.append(Step(label, at))
    last_at, last_label = ordered[-1]
    return PathPrefix(tuple(steps), last_at, last_label)


def start(at: datetime, label: str) -> PathPrefix:
    """The prefix of a customer whose first touchpoint this is."""
    return PathPrefix((Step(label, at),), at, label)


def extend(prefix: PathPrefix, at: datetime, label: str) -> PathPrefix | None:
    """`prefix` with one more touchpoint, or `None` when only a recompute can tell."""
    key = _key(at, label)
    steps = prefix.steps
    if key >= _key(prefix.last_at, prefix.last_label):
        # At or after everything seen: the path grows forward (the common case).
        if label == steps[-1].label or prefix.full:
            return PathPrefix(steps, at, label)
        return PathPrefix((*steps, Step(label, at)), at, label)
    first = steps[0]
    if key < _key(first.started_at, first.label):
        # Before the start: a new first step, or an earlier start of the first one.
        if label == first.label:
            moved = (Step(label, at), *steps[1:])
        else:
            moved = (Step(label, at), *steps)[:MAX_PATH_STEPS]
        return PathPrefix(moved, prefix.last_at, prefix.last_label)
    # Inside the path: find the step whose run the touchpoint falls in.
    index = max(i for i, s in enumerate(steps) if _key(s.started_at, s.label) <= key)
    if label == steps[index].label:
        return prefix  # one more of the same kind inside its own run: nothing changes
    if prefix.full and index == len(steps) - 1:
        return prefix  # after the start of the last kept step: only later steps change
    return None
