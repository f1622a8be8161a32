"""Business calendars: the hours during which an SLA clock is allowed to tick.

An SLA promises "a first reply within 4 business hours", so the clock must know when the team
works. A `BusinessCalendar` holds the weekly opening hours as local wall-clock times of one IANA
time zone plus whole-day holidays; the functions below turn that into real (UTC) instants.

This module is pure: no database, no clock reads, no I/O. Every function takes timezone-aware
datetimes, rejects naive ones with `ValueError`, and returns UTC datetimes.

Rules, decided once so every caller agrees:

* **24:00.** An interval's `end=None` means "until midnight" (24:00, the start of the next local
  day). `time(0, 0)` is never an end: `(time(9), time(0))` is rejected as inverted.
* **Half-open.** An interval `09:00-17:00` is open at 09:00 and closed at 17:00.
* **DST.** Each local wall time is resolved with zoneinfo's `fold=0`: an ambiguous time (fall-back)
  is its first occurrence; a nonexistent time (spring-forward gap) is read with the offset in force
  before the gap, which lands it later by the size of the gap (02:30 becomes 03:30). An interval
  lasts the real time between its two resolved instants, so 00:00-24:00 lasts 23 hours on a
  spring-forward day and 25 on a fall-back day. If this resolution makes an interval end before it
  starts, or overlap the previous interval of the same day, the overlap is dropped: no real instant
  is ever counted twice, and a day's intervals never spill outside that local day.
* **Holidays** are local dates; the whole local day is closed.
* **No endless search.** A calendar with no open hours in its week is rejected on construction.
  Searches forward (`add_business_time`, `next_business_start`) give up with `ValueError` after
  `MAX_SEARCH_DAYS` (about 20 years), which only holidays covering decades could reach.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OpeningInterval = tuple[time, time | None]
"""A local opening interval `(opens, closes)`; `closes=None` means 24:00 (end of the day)."""

MAX_SEARCH_DAYS = 20 * 366
"""How many local days a forward search walks before deciding the time can never be found."""

_ONE_DAY = timedelta(days=1)
_Segment = tuple[datetime, datetime]


@dataclass(frozen=True)
class BusinessCalendar:
    """Weekly opening hours in one time zone, minus whole-day holidays.

    `weekly_hours` maps a weekday (0 = Monday ... 6 = Sunday) to its local opening intervals;
    a missing weekday is closed. Several intervals per day express a lunch break:
    `{0: ((time(9), time(12)), (time(13), time(17, 30)))}`. Intervals are sorted on construction
    and must not overlap (touching is fine). The stored mapping is read-only.
    """

    time_zone: str
    weekly_hours: Mapping[int, tuple[OpeningInterval, ...]]
    holidays: frozenset[date] = frozenset()
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, OSError) as error:
            raise ValueError(f"unknown time zone {self.time_zone!r}") from error
        week = _normalise_week(self.weekly_hours)
        holidays = frozenset(self.holidays)
        for holiday in holidays:
            if isinstance(holiday, datetime) or not isinstance(holiday, date):
                raise ValueError(f"holiday {holiday!r} must be a date (a whole local day)")
        object.__setattr__(self, "weekly_hours", MappingProxyType(week))
        object.__setattr__(self, "holidays", holidays)
        # computed once: the calendar is a cache key for every day's opening segments
        object.__setattr__(
            self, "_hash", hash((self.time_zone, tuple(sorted(week.items())), holidays))
        )

    def __hash__(self) -> int:
        return self._hash

    @classmethod
    def always(cls, time_zone: str = "UTC") -> BusinessCalendar:
        """A 24/7 calendar: every instant is business time (for "calendar hours" policies)."""
        return cls(time_zone=time_zone, weekly_hours={day: ((time(0), None),) for day in range(7)})

    @property
    def zone(self) -> ZoneInfo:
        """The zoneinfo object of `time_zone` (zoneinfo caches instances, so this is cheap)."""
        return ZoneInfo(self.time_zone)


def is_business_time(calendar: BusinessCalendar, at: datetime) -> bool:
    """Whether the calendar is open at the instant `at`."""
    at = _to_utc("at", at)
    for opens, _closes in _segments_from(calendar, at, MAX_SEARCH_DAYS):
        return opens <= at
    return False


def next_business_start(calendar: BusinessCalendar, at: datetime) -> datetime:
    """The earliest open instant at or after `at`: `at` itself when the calendar is open."""
    at = _to_utc("at", at)
    for opens, _closes in _segments_from(calendar, at, MAX_SEARCH_DAYS):
        return max(opens, at)
    raise ValueError(f"the calendar does not open within {MAX_SEARCH_DAYS} days of {at}")


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """The business time inside `[start, end)`; zero when `end <= start`."""
    start = _to_utc("start", start)
    end = _to_utc("end", end)
    total = timedelta(0)
    if end <= start:
        return total
    # local dates of start and end differ from their UTC distance by at most a day or two
    max_days = (end - start).days + 3
    for opens, closes in _segments_from(calendar, start, max_days):
        if opens >= end:
            break
        total += min(closes, end) - max(opens, start)
    return total


def add_business_time(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The earliest instant by which `duration` of business time has elapsed since `start`.

    Counting starts at the next opening when `start` is outside hours. A zero duration needs no
    time to elapse, so the answer is `start` itself even outside hours. A positive duration always
    ends inside (or at the close of) an open interval. Negative durations are rejected.
    Walks day by day (each day's segments are cached), so a year-long duration costs a few hundred
    steps; it gives up with `ValueError` after `MAX_SEARCH_DAYS`.
    """
    start = _to_utc("start", start)
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    remaining = duration
    if not remaining:
        return start
    for opens, closes in _segments_from(calendar, start, MAX_SEARCH_DAYS):
        counted_from = max(opens, start)
        available = closes - counted_from
        if available >= remaining:
            return counted_from + remaining
        remaining -= available
    raise ValueError(f"{duration} of business time does not fit in {MAX_SEARCH_DAYS} days")


def _to_utc(name: str, value: datetime) -> datetime:
    """Naive datetimes are ambiguous (whose wall clock?), so they are refused, not guessed."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value!r}")
    return value.astimezone(UTC)


def _segments_from(calendar: BusinessCalendar, at: datetime, max_days: int) -> Iterator[_Segment]:
    """The open segments (UTC, half-open) that end after `at`, in order, over `max_days` days."""
    # start a day early: yesterday's last interval may still be open (e.g. a 24/7 calendar)
    day = at.astimezone(calendar.zone).date() - _ONE_DAY
    for _ in range(max_days + 1):
        for segment in _day_segments(calendar, day):
            if segment[1] > at:
                yield segment
        day += _ONE_DAY


@functools.lru_cache(maxsize=8192)
def _day_segments(calendar: BusinessCalendar, day: date) -> tuple[_Segment, ...]:
    """One local day's open intervals as UTC instants, applying the DST rule of the module."""
    if day in calendar.holidays:
        return ()
    intervals = calendar.weekly_hours.get(day.weekday(), ())
    if not intervals:
        return ()
    zone = calendar.zone
    day_start = _resolve(day, time(0), zone)
    day_end = _resolve(day + _ONE_DAY, time(0), zone)
    segments: list[_Segment] = []
    floor = day_start
    for opens, closes in intervals:
        start = max(_resolve(day, opens, zone), floor)
        end = day_end if closes is None else min(_resolve(day, closes, zone), day_end)
        if end > start:
            segments.append((start, end))
            floor = end
    return tuple(segments)


def _resolve(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """A local wall time of `day` as a UTC instant, with fold=0 (see the module's DST rule)."""
    return datetime.combine(day, wall.replace(fold=0), tzinfo=zone).astimezone(UTC)


def _normalise_week(
    weekly_hours: Mapping[int, tuple[OpeningInterval, ...]],
) -> dict[int, tuple[OpeningInterval, ...]]:
    """Validate the weekly hours and return them with each day's intervals sorted."""
    week: dict[int, tuple[OpeningInterval, ...]] = {}
    for weekday, intervals in weekly_hours.items():
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            raise ValueError(f"weekday {weekday!r} is out of range: use 0 (Monday) to 6 (Sunday)")
        for interval in intervals:
            _check_interval(weekday, interval)
        ordered = tuple(sorted(((i[0], i[1]) for i in intervals), key=lambda i: i[0]))
        for previous, current in pairwise(ordered):
            if previous[1] is None or current[0] < previous[1]:
                raise ValueError(
                    f"intervals {_label(previous)} and {_label(current)} "
                    f"on weekday {weekday} overlap"
                )
        week[weekday] = ordered
    if not any(week.values()):
        raise ValueError("the calendar has no open hours in its week, so no SLA could ever elapse")
    return week


def _check_interval(weekday: int, interval: OpeningInterval) -> None:
    if len(interval) != 2:
        raise ValueError(f"an interval is (opens, closes), got {interval!r} on weekday {weekday}")
    opens, closes = interval
    for bound in (opens, closes):
        if bound is None:
            continue
        if not isinstance(bound, time):
            raise ValueError(f"interval bounds must be datetime.time, got {bound!r}")
        if bound.tzinfo is not None:
            raise ValueError("business hours are local wall-clock times: give naive times")
    if opens is None:
        raise ValueError(f"an interval must have an opening time (weekday {weekday})")
    if closes is not None and closes <= opens:
        raise ValueError(
            f"interval {_label(interval)} on weekday {weekday} does not end after it starts; "
            "for an interval running until midnight use closes=None (24:00)"
        )


def _label(interval: OpeningInterval) -> str:
    opens, closes = interval
    return f"{opens:%H:%M}-{'24:00' if closes is None else format(closes, '%H:%M')}"
