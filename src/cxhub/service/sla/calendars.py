"""Stored calendars ↔ the pure `BusinessCalendar`, with validation errors callers can show."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from cxhub.core.errors import ValidationFailed
from cxhub.service.sla.calendar import BusinessCalendar, OpeningInterval
from cxhub.service.sla.models import BusinessCalendarRecord

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS_UTC = BusinessCalendar.always("UTC")


def _clock_time(text: str, *, closing: bool) -> time | None:
    if closing and text in ("24:00", "24:00:00"):
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day (HH:MM)") from None


def build_calendar(
    *, time_zone: str, weekly_hours: dict[str, Any], holidays: list[str]
) -> BusinessCalendar:
    """Turn the stored/JSON form into a calendar; any problem is a 422 naming the field."""
    try:
        week: dict[int, tuple[OpeningInterval, ...]] = {}
        for day, intervals in weekly_hours.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
            week[WEEKDAYS.index(day)] = tuple(
                (
                    _clock_time(opens, closing=False) or time(0),
                    _clock_time(closes, closing=True),
                )
                for opens, closes in intervals
            )
        days = frozenset(date.fromisoformat(text) for text in holidays)
        return BusinessCalendar(time_zone=time_zone, weekly_hours=week, holidays=days)
    except (ValueError, TypeError) as error:
        raise ValidationFailed(f"invalid business calendar: {error}", field="calendar") from None


_CACHE: dict[tuple[int, str], BusinessCalendar] = {}


def known_calendar(calendar_id: int, updated_at: datetime) -> BusinessCalendar | None:
    """The calendar already built from the record `calendar_id` as last changed at
    `updated_at`, if this process has built it: a caller that read the stamp alone (a join on
    a query it makes anyway) then needs no query of the record."""
    return _CACHE.get((calendar_id, updated_at.isoformat()))


def calendar_of(record: BusinessCalendarRecord | None) -> BusinessCalendar:
    if record is None:
        return ALWAYS_UTC
    key = (record.id, record.updated_at.isoformat())
    cached = _CACHE.get(key)
    if cached is None:
        cached = build_calendar(
            time_zone=record.time_zone, weekly_hours=record.weekly_hours, holidays=record.holidays
        )
        if len(_CACHE) > 512:
            _CACHE.clear()
        _CACHE[key] = cached
    return cached
