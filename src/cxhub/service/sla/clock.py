"""The SLA clock: business time towards a target, with pauses, as a pure value.

A clock is rebuilt from recorded facts (when it started, when it was paused and resumed, when it
was fulfilled) every time it is read, so it never drifts and can be replayed for any past `now`.
It counts business time of its `BusinessCalendar` only, and not while paused.

Semantics, decided once:

* **Elapsed** is business time inside `[started_at, min(now, fulfilled_at))` minus the pauses.
  Facts after `now` have not happened yet as far as `now` is concerned.
* **Deadline** (`due_at`) is the earliest instant at which elapsed reaches the target, assuming no
  pause beyond those recorded. While the last pause is still open the deadline is unknown
  (`None`), unless the target had already been reached before that pause began.
* **Breach.** A clock is met when fulfilled at or before its deadline. Otherwise it is breached
  from the deadline instant on (`breached_at() == due_at()`), and it stays breached forever, also
  after a late fulfilment.
* **State precedence** at `now`: `breached` > `fulfilled` > `paused` > `running`. A late reply
  therefore still reports `breached`; `running` is reported outside business hours too.
* Everything that happens after `fulfilled_at` (e.g. a pause recorded later) no longer moves the
  clock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Literal

from cxhub.service.sla.calendar import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
)

SlaState = Literal["running", "paused", "fulfilled", "breached"]


@dataclass(frozen=True)
class SlaPause:
    """One pause of the clock (e.g. the ticket waited on the customer); open while not resumed."""

    paused_at: datetime
    resumed_at: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "paused_at", _to_utc("paused_at", self.paused_at))
        if self.resumed_at is not None:
            resumed_at = _to_utc("resumed_at", self.resumed_at)
            if resumed_at < self.paused_at:
                raise ValueError(f"a pause resumes ({resumed_at}) before it starts")
            object.__setattr__(self, "resumed_at", resumed_at)


@dataclass(frozen=True)
class SlaClock:
    """Business time towards `target` since `started_at`, not counting `pauses`.

    `pauses` must be chronological and non-overlapping, begin at or after `started_at`, and only
    the last one may be open.
    """

    calendar: BusinessCalendar
    target: timedelta
    started_at: datetime
    pauses: Sequence[SlaPause] = ()
    fulfilled_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.target <= timedelta(0):
            raise ValueError(f"an SLA target must be positive, got {self.target}")
        started_at = _to_utc("started_at", self.started_at)
        pauses = tuple(self.pauses)
        previous_end: datetime | None = started_at
        for pause in pauses:
            if previous_end is None:
                raise ValueError("only the last pause may still be open")
            if pause.paused_at < previous_end:
                raise ValueError(
                    f"pause at {pause.paused_at} starts before the clock started or before "
                    "the previous pause resumed: pauses must be chronological"
                )
            previous_end = pause.resumed_at
        object.__setattr__(self, "started_at", started_at)
        object.__setattr__(self, "pauses", pauses)
        if self.fulfilled_at is not None:
            fulfilled_at = _to_utc("fulfilled_at", self.fulfilled_at)
            if fulfilled_at < started_at:
                raise ValueError(f"fulfilled_at {fulfilled_at} is before started_at {started_at}")
            object.__setattr__(self, "fulfilled_at", fulfilled_at)

    def elapsed(self, now: datetime) -> timedelta:
        """Business time counted so far, excluding pauses and anything after fulfilment."""
        now = _to_utc("now", now)
        stop = now if self.fulfilled_at is None else min(now, self.fulfilled_at)
        total = timedelta(0)
        for window_start, window_end in self._running_windows():
            if window_start >= stop:
                break
            end = stop if window_end is None else min(window_end, stop)
            total += business_time_between(self.calendar, window_start, end)
        return total

    def remaining(self, now: datetime) -> timedelta:
        """Target minus elapsed; negative once overdue (how late the clock is)."""
        return self.target - self.elapsed(now)

    def due_at(self) -> datetime | None:
        """The deadline, assuming no further pause; `None` while an open pause hides it."""
        return self._crossing

    def breached_at(self) -> datetime | None:
        """The instant the target was crossed, or `None` if it was met (or is not yet known)."""
        crossing = self._crossing
        if crossing is None:
            return None
        if self.fulfilled_at is not None and self.fulfilled_at <= crossing:
            return None
        return crossing

    def is_breached(self, now: datetime) -> bool:
        """Whether the deadline passed unmet at or before `now`."""
        now = _to_utc("now", now)
        breached_at = self.breached_at()
        return breached_at is not None and breached_at <= now

    def is_paused(self, now: datetime) -> bool:
        """Whether a recorded pause covers `now`."""
        now = _to_utc("now", now)
        return any(
            pause.paused_at <= now and (pause.resumed_at is None or now < pause.resumed_at)
            for pause in self._effective_pauses
        )

    def state(self, now: datetime) -> SlaState:
        """The clock's state at `now`, with precedence breached > fulfilled > paused > running."""
        now = _to_utc("now", now)
        if self.is_breached(now):
            return "breached"
        if self.fulfilled_at is not None and self.fulfilled_at <= now:
            return "fulfilled"
        if self.is_paused(now):
            return "paused"
        return "running"

    def at_risk(self, now: datetime, threshold: float = 0.8) -> bool:
        """Whether `threshold` of the target is used up on a clock neither breached nor fulfilled.

        A paused clock can be at risk: it will be as soon as it resumes.
        """
        if not 0 < threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {threshold}")
        if self.state(now) in ("breached", "fulfilled"):
            return False
        return self.elapsed(now) >= self.target * threshold

    @cached_property
    def _crossing(self) -> datetime | None:
        """When elapsed reaches the target if fulfilment never came; computed once per clock."""
        counted = timedelta(0)
        for window_start, window_end in self._running_windows():
            still_needed = self.target - counted
            if window_end is not None:
                window = business_time_between(self.calendar, window_start, window_end)
                if window < still_needed:
                    counted += window
                    continue
            return add_business_time(self.calendar, window_start, still_needed)
        return None

    @cached_property
    def _effective_pauses(self) -> tuple[SlaPause, ...]:
        """The pauses that began before fulfilment; later ones cannot move a stopped clock."""
        if self.fulfilled_at is None:
            return tuple(self.pauses)
        fulfilled_at = self.fulfilled_at
        return tuple(pause for pause in self.pauses if pause.paused_at < fulfilled_at)

    def _running_windows(self) -> Iterator[tuple[datetime, datetime | None]]:
        """The real-time stretches between pauses; `None` as an end means "still running"."""
        cursor: datetime | None = self.started_at
        for pause in self._effective_pauses:
            assert cursor is not None  # validated: only the last pause may be open
            yield cursor, pause.paused_at
            cursor = pause.resumed_at
        if cursor is not None:
            yield cursor, None


def _to_utc(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")
    return value.astimezone(UTC)
