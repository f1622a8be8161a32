"""Dates, numbers, countries and languages in the viewer's locale and time zone, via Babel (CLDR).

The UI language (one of the catalogues) and the formatting locale are separate on purpose: a user
with locale `en-GB` reads English labels with day-first dates; `it-IT` gets `1 giu 2026, 14:00`
and `12.345,5`. Times are stored in UTC and shown in the user's `time_zone`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format, get_timezone_name
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol
from babel.units import format_unit

SIGNED_ONE_DECIMAL = "+#,##0.0;-#,##0.0"
PERCENT_ONE_DECIMAL = "#,##0.0%"
#: Shown for a value that is undefined (a ratio of nothing, a median of no durations), never 0.
UNDEFINED = "—"


def babel_locale(tag: str | None, fallback: str) -> Locale:
    """The most specific Babel locale for a tag like `it-IT`; the UI language otherwise."""
    for candidate in (tag, fallback, "en"):
        if not candidate:
            continue
        try:
            return Locale.parse(candidate.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            continue
    return Locale("en")


def zone(name: str | None) -> tzinfo:
    """A time zone by IANA name; UTC when unset or unknown (never an error page for bad data)."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


@dataclass(frozen=True)
class LocalFormat:
    """Formatters bound to one viewer; exposed to templates as filters."""

    locale: Locale
    time_zone: tzinfo

    def local(self, moment: datetime) -> datetime:
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        try:
            return aware.astimezone(self.time_zone)
        except OverflowError:  # year 1 or 9999 shifted past the calendar's edge: show it in UTC
            return aware.astimezone(UTC)

    def moment(self, moment: datetime | None) -> str:
        """Medium date and short time, joined by the locale's own pattern."""
        if moment is None:
            return ""
        local = self.local(moment)
        pattern = str(get_datetime_format("medium", locale=self.locale))
        return pattern.replace("{1}", format_date(local, "medium", locale=self.locale)).replace(
            "{0}", format_time(local, "short", locale=self.locale)
        )

    def day(self, moment: datetime | date | None) -> str:
        if moment is None:
            return ""
        day = self.local(moment).date() if isinstance(moment, datetime) else moment
        return format_date(day, "medium", locale=self.locale)

    def number(self, value: float | int | None) -> str:
        return "" if value is None else format_decimal(value, locale=self.locale)

    def signed(self, value: float | None) -> str:
        return (
            "" if value is None else format_decimal(value, SIGNED_ONE_DECIMAL, locale=self.locale)
        )

    def percent(self, value: float | None) -> str:
        """A 0–100 percentage with one decimal in the locale's style; "—" when undefined."""
        if value is None:
            return UNDEFINED
        return format_percent(value / 100.0, PERCENT_ONE_DECIMAL, locale=self.locale)

    def duration(self, seconds: float | None) -> str:
        """A duration in the most readable unit (minutes, hours, days) with CLDR unit names."""
        if seconds is None:
            return UNDEFINED
        if abs(seconds) < 3600:
            unit, size = "duration-minute", 60.0
        elif abs(seconds) < 48 * 3600:
            unit, size = "duration-hour", 3600.0
        else:
            unit, size = "duration-day", 86400.0
        amount = round(seconds / size, 1)
        return str(format_unit(amount, unit, length="short", locale=self.locale))

    @property
    def separators(self) -> str:
        """The decimal and group symbols (Plotly's `separators`, e.g. ",." for Italian)."""
        return get_decimal_symbol(self.locale) + get_group_symbol(self.locale)

    def iso(self, moment: datetime | None) -> str:
        return "" if moment is None else self.local(moment).isoformat()

    def zone_name(self, name: str | None) -> str:
        """A readable name ("Central European Time") for an IANA zone; the id when unknown."""
        if not name:
            return ""
        if name.upper() in ("UTC", "ETC/UTC", "Z"):
            return "UTC"
        found = zone(name)
        if found is UTC and name.upper() != "UTC":
            return name
        return f"{get_timezone_name(found, locale=self.locale)} ({name})"

    def country(self, code: str | None) -> str:
        if not code:
            return ""
        territory: str | None = self.locale.territories.get(code.upper())
        return territory or code

    def language(self, tag: str | None) -> str:
        if not tag:
            return ""
        try:
            name = Locale.parse(tag.replace("-", "_")).get_display_name(self.locale)
        except (ValueError, UnknownLocaleError):
            return tag
        return name or tag

    def value(self, raw: Any) -> str:
        """A custom attribute value: numbers localised, the rest as text."""
        if isinstance(raw, bool) or raw is None:
            return "" if raw is None else str(raw).lower()
        if isinstance(raw, int | float):
            return self.number(raw)
        if isinstance(raw, list):
            return ", ".join(self.value(item) for item in raw)
        return str(raw)
