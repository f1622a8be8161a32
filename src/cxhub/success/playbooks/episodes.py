"""The once-per-episode rule, pure.

A condition *episode* is a stretch of time during which a playbook's trigger condition holds
for one account. The playbook fires when an episode opens, never again while it lasts (however
often the account is re-scored or the event repeats), and re-arms when the condition clears.
"""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    FIRE = "fire"  # the condition started holding: open an episode and run the actions
    CONTINUE = "continue"  # still holding: the open episode goes on, nothing runs
    CLEAR = "clear"  # stopped holding: close the episode, the playbook re-arms
    IDLE = "idle"  # not holding and no episode: nothing to do


def next_step(*, episode_open: bool, holds: bool | None) -> Step:
    """What to do for one playbook × account. `holds` is None when the observation says
    nothing about the condition (e.g. an event about another scorecard): keep the state."""
    if holds is None:
        return Step.CONTINUE if episode_open else Step.IDLE
    if holds:
        return Step.CONTINUE if episode_open else Step.FIRE
    return Step.CLEAR if episode_open else Step.IDLE
