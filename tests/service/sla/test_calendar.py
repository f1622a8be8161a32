"""Business calendars, with every expected instant computed by hand in a comment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxhub.service.sla.calendar import (
    BusinessCalendar,
    OpeningInterval,
    add_business_time,
    business_time_between,
    is_business_time,
    next_business_start,
)

H = timedelta(hours=1)
ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")
JAKARTA = ZoneInfo("Asia/Jakarta")


def weekdays(
    time_zone: str,
    *intervals: OpeningInterval,
    days: range = range(5),
    holidays: frozenset[date] = frozenset(),
) -> BusinessCalendar:
    """Same opening intervals on each of `days` (Mon-Fri by default); 09-17 when none given."""
    hours = intervals or ((time(9), time(17)),)
    return BusinessCalendar(time_zone, dict.fromkeys(days, hours), holidays)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- office hours, weekends, holidays, lunch breaks ------------------------------------------


def test_friday_afternoon_plus_four_hours_lands_on_monday_noon() -> None:
    calendar = weekdays("Europe/Rome")
    friday = datetime(2024, 5, 17, 16, tzinfo=ROME)
    # Fri 16-17 = 1h; weekend closed; Mon 09:00 + 3h = 12:00 (CEST, so 10:00 UTC)
    due = add_business_time(calendar, friday, 4 * H)
    assert due == datetime(2024, 5, 20, 12, tzinfo=ROME)
    assert due.tzinfo is UTC
    assert due == utc(2024, 5, 20, 10)
    assert business_time_between(calendar, friday, due) == 4 * H


def test_a_holiday_is_closed_all_day() -> None:
    # Thu 25 April 2024 is Liberation Day in Italy
    calendar = weekdays("Europe/Rome", holidays=frozenset({date(2024, 4, 25)}))
    wednesday = datetime(2024, 4, 24, 15, tzinfo=ROME)
    # Wed 15-17 = 2h; Thu closed; Fri 09:00 + 2h = 11:00
    assert add_business_time(calendar, wednesday, 4 * H) == datetime(2024, 4, 26, 11, tzinfo=ROME)
    assert not is_business_time(calendar, datetime(2024, 4, 25, 10, tzinfo=ROME))
    # Wed 15:00 -> Fri 15:00: Wed 2h + Thu 0h + Fri 09-15 6h = 8h
    end = datetime(2024, 4, 26, 15, tzinfo=ROME)
    assert business_time_between(calendar, wednesday, end) == 8 * H


def test_friday_plus_four_hours_skips_a_monday_holiday() -> None:
    calendar = weekdays("Europe/Rome", holidays=frozenset({date(2024, 5, 20)}))
    friday = datetime(2024, 5, 17, 16, tzinfo=ROME)
    # Fri 16-17 = 1h; Sat, Sun, Mon (holiday) closed; Tue 09:00 + 3h = 12:00
    assert add_business_time(calendar, friday, 4 * H) == datetime(2024, 5, 21, 12, tzinfo=ROME)


LUNCH_BREAK = weekdays("Europe/Rome", (time(9), time(12)), (time(13), time(17, 30)))


def test_lunch_break_is_not_counted() -> None:
    monday = datetime(2024, 5, 20, 11, tzinfo=ROME)
    # Mon 11-12 = 1h; lunch 12-13 closed; 13:00 + 1h = 14:00
    assert add_business_time(LUNCH_BREAK, monday, 2 * H) == datetime(2024, 5, 20, 14, tzinfo=ROME)
    # exactly the rest of the morning: the earliest instant is the close itself, 12:00
    assert add_business_time(LUNCH_BREAK, monday, H) == datetime(2024, 5, 20, 12, tzinfo=ROME)
    # Mon 10:00 -> Tue 10:00: Mon 10-12 2h + 13-17:30 4.5h + Tue 09-10 1h = 7.5h
    assert business_time_between(
        LUNCH_BREAK, datetime(2024, 5, 20, 10, tzinfo=ROME), datetime(2024, 5, 21, 10, tzinfo=ROME)
    ) == timedelta(hours=7, minutes=30)


def test_intervals_are_half_open() -> None:
    assert is_business_time(LUNCH_BREAK, datetime(2024, 5, 20, 9, tzinfo=ROME))
    assert is_business_time(LUNCH_BREAK, datetime(2024, 5, 20, 11, 59, 59, tzinfo=ROME))
    assert not is_business_time(LUNCH_BREAK, datetime(2024, 5, 20, 12, tzinfo=ROME))
    assert not is_business_time(LUNCH_BREAK, datetime(2024, 5, 20, 12, 30, tzinfo=ROME))
    assert is_business_time(LUNCH_BREAK, datetime(2024, 5, 20, 13, tzinfo=ROME))
    lunch = datetime(2024, 5, 20, 12, 30, tzinfo=ROME)
    assert next_business_start(LUNCH_BREAK, lunch) == datetime(2024, 5, 20, 13, tzinfo=ROME)


def test_intervals_are_sorted_on_construction() -> None:
    shuffled = weekdays("Europe/Rome", (time(13), time(17, 30)), (time(9), time(12)))
    assert shuffled == LUNCH_BREAK
    assert hash(shuffled) == hash(LUNCH_BREAK)


# --- starting outside hours, zero durations ----------------------------------------------------


def test_counting_starts_at_the_next_opening() -> None:
    calendar = weekdays("Europe/Rome")
    saturday = datetime(2024, 5, 18, 10, tzinfo=ROME)
    # closed until Mon 09:00; + 1h = 10:00
    assert add_business_time(calendar, saturday, H) == datetime(2024, 5, 20, 10, tzinfo=ROME)
    early = datetime(2024, 5, 21, 7, tzinfo=ROME)  # Tue before opening: 09:00 + 30 min
    assert add_business_time(calendar, early, H / 2) == datetime(2024, 5, 21, 9, 30, tzinfo=ROME)
    late = datetime(2024, 5, 21, 20, tzinfo=ROME)  # Tue after closing: Wed 09:00 + 1h
    assert add_business_time(calendar, late, H) == datetime(2024, 5, 22, 10, tzinfo=ROME)
    # Sat 10:00 is closed; next opening Mon 09:00 CEST = 07:00 UTC
    assert next_business_start(calendar, saturday) == utc(2024, 5, 20, 7)
    # already open: the instant itself
    open_instant = datetime(2024, 5, 20, 10, tzinfo=ROME)
    assert next_business_start(calendar, open_instant) == open_instant
    assert business_time_between(calendar, saturday, datetime(2024, 5, 19, 23, tzinfo=ROME)) == (
        timedelta(0)
    )


def test_zero_duration_returns_start_even_outside_hours() -> None:
    calendar = weekdays("Europe/Rome")
    saturday = datetime(2024, 5, 18, 10, tzinfo=ROME)
    assert add_business_time(calendar, saturday, timedelta(0)) == saturday


def test_end_before_start_is_zero() -> None:
    calendar = BusinessCalendar.always()
    assert business_time_between(calendar, utc(2024, 1, 2), utc(2024, 1, 1)) == timedelta(0)


def test_interval_until_midnight_joins_the_next_day() -> None:
    # end=None is 24:00: Mon 20:00-24:00 and Tue 00:00-06:00 make one night shift
    calendar = BusinessCalendar("Europe/Rome", {0: ((time(20), None),), 1: ((time(0), time(6)),)})
    assert is_business_time(calendar, datetime(2024, 5, 20, 23, 59, 59, tzinfo=ROME))
    assert is_business_time(calendar, datetime(2024, 5, 21, 0, tzinfo=ROME))
    monday_late = datetime(2024, 5, 20, 23, 30, tzinfo=ROME)
    # Mon 23:30-24:00 = 30 min, Tue 00:00 + 30 min = 00:30
    assert add_business_time(calendar, monday_late, H) == datetime(2024, 5, 21, 0, 30, tzinfo=ROME)
    # Mon 23:00 -> Tue 01:00 = 1h + 1h
    assert (
        business_time_between(
            calendar, datetime(2024, 5, 20, 23, tzinfo=ROME), datetime(2024, 5, 21, 1, tzinfo=ROME)
        )
        == 2 * H
    )


def test_long_duration_is_fast_and_exact() -> None:
    calendar = weekdays("Europe/Rome")
    # 2000h / 8h = 250 business days = 50 weeks: Mon 8 Jan 2024 + 49 weeks = Mon 16 Dec,
    # the 250th day is Fri 20 Dec, ending at its close 17:00
    start = datetime(2024, 1, 8, 9, tzinfo=ROME)
    assert add_business_time(calendar, start, 2000 * H) == datetime(2024, 12, 20, 17, tzinfo=ROME)


def test_search_gives_up_after_twenty_years() -> None:
    monday_hour = BusinessCalendar("UTC", {0: ((time(9), time(10)),)})
    # one hour a week: 1100 hours need 1100 weeks, about 21 years
    with pytest.raises(ValueError, match="does not fit"):
        add_business_time(monday_hour, utc(2024, 1, 1), 1100 * H)


# --- daylight saving time ----------------------------------------------------------------------

ROME_ALWAYS = BusinessCalendar.always("Europe/Rome")
NEW_YORK_ALWAYS = BusinessCalendar.always("America/New_York")


def test_rome_spring_forward_day_lasts_23_hours() -> None:
    # Sun 31 Mar 2024, 02:00 CET -> 03:00 CEST. 00:00 CET = Sat 23:00Z; Mon 00:00 CEST = Sun 22:00Z
    sunday = datetime(2024, 3, 31, tzinfo=ROME)
    monday = datetime(2024, 4, 1, tzinfo=ROME)
    assert business_time_between(ROME_ALWAYS, sunday, monday) == 23 * H
    # Sat 12:00 CET (11:00Z) -> Sun 12:00 CEST (10:00Z) = 23h
    assert (
        business_time_between(
            ROME_ALWAYS,
            datetime(2024, 3, 30, 12, tzinfo=ROME),
            datetime(2024, 3, 31, 12, tzinfo=ROME),
        )
        == 23 * H
    )
    # Sat 23:00Z + 24h = Sun 23:00Z = Mon 01:00 CEST
    assert add_business_time(ROME_ALWAYS, sunday, 24 * H) == datetime(2024, 4, 1, 1, tzinfo=ROME)


def test_rome_fall_back_day_lasts_25_hours() -> None:
    # Sun 27 Oct 2024, 03:00 CEST -> 02:00 CET. 00:00 CEST = Sat 22:00Z; Mon 00:00 CET = Sun 23:00Z
    sunday = datetime(2024, 10, 27, tzinfo=ROME)
    monday = datetime(2024, 10, 28, tzinfo=ROME)
    assert business_time_between(ROME_ALWAYS, sunday, monday) == 25 * H
    # Sat 12:00 CEST = 10:00Z; + 24h = Sun 10:00Z = 11:00 CET
    saturday_noon = datetime(2024, 10, 26, 12, tzinfo=ROME)
    due = add_business_time(ROME_ALWAYS, saturday_noon, 24 * H)
    assert due == datetime(2024, 10, 27, 11, tzinfo=ROME)
    assert due == utc(2024, 10, 27, 10)


def test_rome_office_hours_keep_eight_hours_on_dst_weekends() -> None:
    daily = weekdays("Europe/Rome", days=range(7))
    # Sat 30 Mar 16-17 = 1h; Sun 31 Mar (spring forward) 09:00 CEST + 1h = 10:00 CEST = 08:00Z
    saturday = datetime(2024, 3, 30, 16, tzinfo=ROME)
    assert add_business_time(daily, saturday, 2 * H) == utc(2024, 3, 31, 8)
    sunday, monday = datetime(2024, 3, 31, tzinfo=ROME), datetime(2024, 4, 1, tzinfo=ROME)
    assert business_time_between(daily, sunday, monday) == 8 * H
    # Sun 27 Oct (fall back): still 09-17, 8h; 09:00 CET = 08:00Z
    autumn = datetime(2024, 10, 27, tzinfo=ROME), datetime(2024, 10, 28, tzinfo=ROME)
    assert business_time_between(daily, *autumn) == 8 * H
    assert next_business_start(daily, autumn[0]) == utc(2024, 10, 27, 8)
    # Mon-Fri: Fri 29 Mar 16:00 CET + 2h = Mon 1 Apr 10:00 CEST = 08:00Z (offset changed)
    office = weekdays("Europe/Rome")
    assert add_business_time(office, datetime(2024, 3, 29, 16, tzinfo=ROME), 2 * H) == (
        utc(2024, 4, 1, 8)
    )


def test_rome_nonexistent_and_ambiguous_wall_times_use_fold_zero() -> None:
    night = weekdays("Europe/Rome", (time(2, 30), time(4)), days=range(7))
    # ordinary day: 1.5h
    assert business_time_between(
        night, datetime(2024, 3, 30, tzinfo=ROME), datetime(2024, 3, 31, tzinfo=ROME)
    ) == timedelta(hours=1, minutes=30)
    # spring forward: 02:30 does not exist; fold=0 reads it at +01:00 = 01:30Z (03:30 CEST);
    # 04:00 CEST = 02:00Z, so 30 min
    spring = datetime(2024, 3, 31, tzinfo=ROME), datetime(2024, 4, 1, tzinfo=ROME)
    assert business_time_between(night, *spring) == timedelta(minutes=30)
    assert next_business_start(night, spring[0]) == utc(2024, 3, 31, 1, 30)
    # fall back: 02:30 happens twice; fold=0 is the first, 02:30 CEST = 00:30Z;
    # 04:00 CET = 03:00Z, so 2.5h of real time
    autumn = datetime(2024, 10, 27, tzinfo=ROME), datetime(2024, 10, 28, tzinfo=ROME)
    assert business_time_between(night, *autumn) == timedelta(hours=2, minutes=30)
    # an interval lying wholly in the gap is empty that day: 02:00 (fold=0, +01:00) = 01:00Z,
    # 03:00 CEST = 01:00Z
    gap = weekdays("Europe/Rome", (time(2), time(3)), days=range(7))
    assert business_time_between(gap, *spring) == timedelta(0)


def test_intervals_that_dst_makes_overlap_are_not_counted_twice() -> None:
    calendar = weekdays(
        "America/New_York", (time(1), time(2, 30)), (time(3), time(4)), days=range(7)
    )
    # spring forward: 01:00 EST = 06:00Z; 02:30 does not exist, fold=0 reads it as EST = 07:30Z;
    # 03:00 EDT = 07:00Z is inside the first interval, so the second is clipped to 07:30Z-08:00Z;
    # in total 06:00Z-08:00Z = 2h, not 1.5h + 1h
    spring = datetime(2024, 3, 10, tzinfo=NEW_YORK), datetime(2024, 3, 11, tzinfo=NEW_YORK)
    assert business_time_between(calendar, *spring) == 2 * H
    assert add_business_time(calendar, spring[0], 2 * H) == utc(2024, 3, 10, 8)


def test_new_york_24h_calendar_across_both_transitions() -> None:
    # Sun 10 Mar 2024 02:00 EST -> 03:00 EDT: 00:00 EST = 05:00Z, Mon 00:00 EDT = 04:00Z
    spring = datetime(2024, 3, 10, tzinfo=NEW_YORK), datetime(2024, 3, 11, tzinfo=NEW_YORK)
    assert business_time_between(NEW_YORK_ALWAYS, *spring) == 23 * H
    # Sun 3 Nov 2024 02:00 EDT -> 01:00 EST: 00:00 EDT = 04:00Z, Mon 00:00 EST = 05:00Z
    autumn = datetime(2024, 11, 3, tzinfo=NEW_YORK), datetime(2024, 11, 4, tzinfo=NEW_YORK)
    assert business_time_between(NEW_YORK_ALWAYS, *autumn) == 25 * H
    # Sat 22:00 EST = Sun 03:00Z; + 5h = 08:00Z = 04:00 EDT (the wall clock moved 6h)
    saturday_night = datetime(2024, 3, 9, 22, tzinfo=NEW_YORK)
    assert add_business_time(NEW_YORK_ALWAYS, saturday_night, 5 * H) == utc(2024, 3, 10, 8)


def test_new_york_office_hours_across_both_transitions() -> None:
    office = weekdays("America/New_York")
    # Fri 8 Mar 16:00 EST + 2h: Fri 1h, Mon 11 Mar 09:00 EDT + 1h = 10:00 EDT = 14:00Z
    friday = datetime(2024, 3, 8, 16, tzinfo=NEW_YORK)
    assert add_business_time(office, friday, 2 * H) == utc(2024, 3, 11, 14)
    # Fri 1 Nov 16:00 EDT + 2h: Mon 4 Nov 10:00 EST = 15:00Z
    friday = datetime(2024, 11, 1, 16, tzinfo=NEW_YORK)
    assert add_business_time(office, friday, 2 * H) == utc(2024, 11, 4, 15)
    # the repeated hour counts twice on a 01:00-02:00 interval: 01:00 EDT = 05:00Z,
    # 02:00 EST = 07:00Z, so 2h; in spring 01:00 EST = 06:00Z and 02:00 does not exist,
    # fold=0 reads it as EST = 07:00Z (03:00 EDT), so 1h
    small_hours = weekdays("America/New_York", (time(1), time(2)), days=range(7))
    autumn = datetime(2024, 11, 3, tzinfo=NEW_YORK), datetime(2024, 11, 4, tzinfo=NEW_YORK)
    assert business_time_between(small_hours, *autumn) == 2 * H
    spring = datetime(2024, 3, 10, tzinfo=NEW_YORK), datetime(2024, 3, 11, tzinfo=NEW_YORK)
    assert business_time_between(small_hours, *spring) == H


def test_jakarta_has_no_dst() -> None:
    office = weekdays("Asia/Jakarta", (time(8), time(16)))
    # Fri 29 Mar 15:00 WIB + 3h: Fri 15-16 1h, Mon 1 Apr 08:00 + 2h = 10:00 WIB = 03:00Z
    friday = datetime(2024, 3, 29, 15, tzinfo=JAKARTA)
    assert add_business_time(office, friday, 3 * H) == utc(2024, 4, 1, 3)
    # input in another zone gives the same answer: Fri 15:00 WIB = 08:00Z
    assert add_business_time(office, utc(2024, 3, 29, 8), 3 * H) == utc(2024, 4, 1, 3)
    always = BusinessCalendar.always("Asia/Jakarta")
    day = datetime(2024, 3, 31, tzinfo=JAKARTA), datetime(2024, 4, 1, tzinfo=JAKARTA)
    assert business_time_between(always, *day) == 24 * H


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weekly_hours", "message"),
    [
        ({7: ((time(9), time(17)),)}, "weekday 7 is out of range"),
        ({-1: ((time(9), time(17)),)}, "out of range"),
        ({0: ((time(17), time(9)),)}, "does not end after it starts"),
        ({0: ((time(9), time(0)),)}, "use closes=None"),
        ({0: ((time(9), time(12)), (time(11), time(13)))}, "overlap"),
        ({0: ((time(20), None), (time(21), time(22)))}, "overlap"),
        ({0: ((time(9, tzinfo=UTC), time(17)),)}, "naive times"),
        ({}, "no open hours"),
        ({0: ()}, "no open hours"),
    ],
)
def test_invalid_weekly_hours_are_rejected(
    weekly_hours: dict[int, tuple[OpeningInterval, ...]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar("UTC", weekly_hours)


def test_touching_intervals_are_allowed() -> None:
    calendar = BusinessCalendar("UTC", {0: ((time(9), time(12)), (time(12), time(17)))})
    monday = utc(2024, 5, 20, 9)
    assert add_business_time(calendar, monday, 8 * H) == utc(2024, 5, 20, 17)


def test_unknown_time_zone_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        BusinessCalendar.always("Mars/Olympus")


def test_holidays_must_be_dates() -> None:
    with pytest.raises(ValueError, match="must be a date"):
        weekdays("UTC", holidays=frozenset({datetime(2024, 1, 1, tzinfo=UTC)}))


def test_naive_datetimes_and_negative_durations_are_rejected() -> None:
    calendar = BusinessCalendar.always()
    naive = datetime(2024, 1, 1)  # the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        is_business_time(calendar, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(calendar, utc(2024, 1, 1), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        next_business_start(calendar, naive)
    with pytest.raises(ValueError, match="negative"):
        add_business_time(calendar, utc(2024, 1, 1), -H)


def test_weekly_hours_are_read_only() -> None:
    calendar = weekdays("UTC")
    with pytest.raises(TypeError):
        calendar.weekly_hours[6] = ((time(9), time(17)),)  # type: ignore[index]


# --- properties --------------------------------------------------------------------------------

PROPERTY_CALENDARS = [
    LUNCH_BREAK,
    weekdays("Europe/Rome", holidays=frozenset({date(2024, 3, 29), date(2024, 12, 25)})),
    NEW_YORK_ALWAYS,
    weekdays("Asia/Jakarta", (time(8), time(16)), days=range(6)),
    # DST-hostile: wall times inside the gap and the repeated hour, and a 24:00 end
    weekdays(
        "America/New_York",
        (time(1), time(2, 30)),
        (time(3), time(4)),
        (time(22), None),
        days=range(7),
    ),
]

calendars = st.sampled_from(PROPERTY_CALENDARS)
# instants to the microsecond: anywhere in 2023-2025, or within three days of a DST transition
TRANSITIONS = [
    datetime(2024, 3, 10, 7, tzinfo=UTC),  # New York spring forward
    datetime(2024, 11, 3, 6, tzinfo=UTC),  # New York fall back
    datetime(2024, 3, 31, 1, tzinfo=UTC),  # Rome spring forward
    datetime(2024, 10, 27, 1, tzinfo=UTC),  # Rome fall back
]
THREE_DAYS = 3 * 86_400 * 10**6
instants = st.one_of(
    st.integers(min_value=0, max_value=3 * 365 * 86_400 * 10**6).map(
        lambda micros: datetime(2023, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
    ),
    st.builds(
        lambda transition, micros: transition + timedelta(microseconds=micros),
        st.sampled_from(TRANSITIONS),
        st.integers(min_value=-THREE_DAYS, max_value=THREE_DAYS),
    ),
)
durations = st.integers(min_value=0, max_value=400 * 3600).map(lambda s: timedelta(seconds=s))
bounded = settings(max_examples=150, deadline=None)


@bounded
@given(calendar=calendars, start=instants, duration=durations)
def test_adding_then_measuring_gives_the_duration_back(
    calendar: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = add_business_time(calendar, start, duration)
    assert due >= start
    assert business_time_between(calendar, start, due) == duration
    if duration:
        # the earliest such instant: the last microsecond before it was counted
        assert is_business_time(calendar, due - timedelta(microseconds=1))


@bounded
@given(calendar=calendars, start=instants, first=durations, second=durations)
def test_adding_is_monotonic_and_composes(
    calendar: BusinessCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    shorter, longer = sorted((first, second))
    assert add_business_time(calendar, start, shorter) <= add_business_time(calendar, start, longer)
    # adding in two steps lands at the same instant as adding the sum
    middle = add_business_time(calendar, start, first)
    assert add_business_time(calendar, middle, second) == add_business_time(
        calendar, start, first + second
    )


@bounded
@given(calendar=calendars, a=instants, b=instants, c=instants, duration=durations)
def test_measuring_is_additive_and_monotonic_in_start(
    calendar: BusinessCalendar, a: datetime, b: datetime, c: datetime, duration: timedelta
) -> None:
    a, b, c = sorted((a, b, c))
    whole = business_time_between(calendar, a, c)
    assert whole == business_time_between(calendar, a, b) + business_time_between(calendar, b, c)
    assert timedelta(0) <= whole <= c - a
    assert add_business_time(calendar, a, duration) <= add_business_time(calendar, b, duration)
    opening = next_business_start(calendar, a)
    assert opening >= a
    assert is_business_time(calendar, opening)
    assert business_time_between(calendar, a, opening) == timedelta(0)
