"""The SLA clock with pauses; the week of Mon 13 - Fri 17 May 2024 in Rome, office hours 09-17."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxhub.service.sla.calendar import BusinessCalendar
from cxhub.service.sla.clock import SlaClock, SlaPause

H = timedelta(hours=1)
ROME = ZoneInfo("Europe/Rome")
OFFICE = BusinessCalendar("Europe/Rome", dict.fromkeys(range(5), ((time(9), time(17)),)))


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A local Rome instant in May 2024 (13 = Monday, 17 = Friday, 20 = next Monday)."""
    return datetime(2024, 5, day, hour, minute, second, tzinfo=ROME)


def clock(
    started_at: datetime,
    target: timedelta = 4 * H,
    pauses: tuple[tuple[datetime, datetime | None], ...] = (),
    fulfilled_at: datetime | None = None,
) -> SlaClock:
    return SlaClock(
        calendar=OFFICE,
        target=target,
        started_at=started_at,
        pauses=[SlaPause(paused_at, resumed_at) for paused_at, resumed_at in pauses],
        fulfilled_at=fulfilled_at,
    )


def test_running_clock_counts_business_time() -> None:
    sla = clock(at(13, 10))
    # Mon 10:00 + 4h = 14:00
    assert sla.due_at() == at(13, 14)
    assert sla.elapsed(at(13, 12)) == 2 * H
    assert sla.remaining(at(13, 12)) == 2 * H
    assert sla.state(at(13, 12)) == "running"
    assert sla.elapsed(at(13, 9)) == timedelta(0)  # before the start
    # overnight nothing counts: Mon 10-17 = 7h at any time before Tue 09:00
    assert sla.elapsed(at(14, 8)) == 7 * H


def test_breach_starts_at_the_deadline_and_remaining_goes_negative() -> None:
    sla = clock(at(13, 10))
    assert not sla.is_breached(at(13, 13, 59, 59))
    assert sla.is_breached(at(13, 14))
    assert sla.breached_at() == at(13, 14)
    assert sla.state(at(13, 15)) == "breached"
    # Mon 10-15 = 5h elapsed, target 4h: one hour overdue
    assert sla.remaining(at(13, 15)) == -H


def test_at_risk_from_the_threshold_until_breach() -> None:
    sla = clock(at(13, 10))
    # 0.8 x 4h = 3h12m, reached at Mon 13:12
    assert not sla.at_risk(at(13, 13, 11))
    assert sla.at_risk(at(13, 13, 12))
    assert sla.at_risk(at(13, 13, 30), threshold=0.5)
    assert not sla.at_risk(at(13, 14))  # breached, no longer "at risk"
    with pytest.raises(ValueError, match="threshold"):
        sla.at_risk(at(13, 12), threshold=0)


def test_clock_started_outside_hours_waits_for_the_opening() -> None:
    sla = clock(datetime(2024, 5, 18, 10, tzinfo=ROME), target=H)  # Saturday
    # nothing counts until Mon 20 May 09:00; + 1h = 10:00
    assert sla.due_at() == at(20, 10)


def test_pending_over_the_weekend() -> None:
    # Fri 15:00 start; paused Fri 16:00 (waiting on the customer) until Tue 21 May 10:00
    sla = clock(at(17, 15), pauses=((at(17, 16), at(21, 10)),))
    # Fri 15-16 = 1h; Monday is paused; Tue 10:00 + 3h = 13:00
    # (without the pause: Fri 15-17 2h + Mon 09:00 + 2h = Mon 11:00)
    assert sla.due_at() == at(21, 13)
    assert sla.elapsed(at(20, 12)) == H
    assert sla.state(at(20, 12)) == "paused"
    assert sla.state(at(21, 10)) == "running"  # resumed_at is no longer paused
    # Fri 1h + Tue 10-12 2h = 3h
    assert sla.elapsed(at(21, 12)) == 3 * H


def test_open_pause_hides_the_deadline() -> None:
    sla = clock(at(17, 15), pauses=((at(17, 16), None),))
    assert sla.due_at() is None
    assert sla.breached_at() is None
    assert sla.state(at(22, 12)) == "paused"
    # only Fri 15-16 counted, however long the pause lasts
    assert sla.elapsed(at(22, 12)) == H
    assert sla.remaining(at(22, 12)) == 3 * H


def test_several_pauses() -> None:
    pauses = (
        (at(13, 10), at(13, 11)),
        (at(13, 15), at(14, 10)),
        (at(14, 12), at(14, 12, 30)),
    )
    sla = clock(at(13, 9), target=8 * H, pauses=pauses)
    # Mon 09-10 1h + 11-15 4h = 5h; Tue 10-12 2h -> 7h; Tue 12:30 + 1h = 13:30
    assert sla.due_at() == at(14, 13, 30)
    assert sla.elapsed(at(14, 12, 15)) == 7 * H
    assert sla.state(at(14, 12, 15)) == "paused"
    # a paused clock can be at risk: 7h >= 0.8 x 8h = 6h24m
    assert sla.at_risk(at(14, 12, 15))
    assert sla.state(at(14, 13, 30)) == "breached"


def test_open_pause_after_the_target_was_crossed_keeps_the_breach() -> None:
    # Mon 09:00 + 2h = 11:00, before the pause at 12:00 began
    sla = clock(at(13, 9), target=2 * H, pauses=((at(13, 12), None),))
    assert sla.due_at() == at(13, 11)
    assert sla.breached_at() == at(13, 11)
    assert sla.state(at(13, 13)) == "breached"


def test_fulfilled_before_the_deadline_is_never_breached() -> None:
    sla = clock(at(13, 10), fulfilled_at=at(13, 13))
    assert sla.breached_at() is None
    assert sla.due_at() == at(13, 14)  # the deadline it met is still reported
    assert sla.state(at(13, 12)) == "running"
    assert sla.state(at(13, 13)) == "fulfilled"
    assert sla.state(at(15, 12)) == "fulfilled"
    # Mon 10-13 = 3h, frozen at fulfilment
    assert sla.elapsed(at(15, 12)) == 3 * H
    assert not sla.at_risk(at(13, 13, 30))


def test_fulfilled_exactly_at_the_deadline_is_met() -> None:
    sla = clock(at(13, 10), fulfilled_at=at(13, 14))
    assert sla.breached_at() is None
    assert sla.state(at(13, 14)) == "fulfilled"


def test_fulfilled_after_the_deadline_stays_breached() -> None:
    sla = clock(at(13, 10), fulfilled_at=at(13, 15))
    assert sla.breached_at() == at(13, 14)
    assert sla.state(at(13, 14, 30)) == "breached"
    assert sla.state(at(14, 12)) == "breached"
    # Mon 10-15 = 5h
    assert sla.elapsed(at(14, 12)) == 5 * H
    assert sla.remaining(at(14, 12)) == -H


def test_fulfilled_while_paused_is_met() -> None:
    # Mon 09-10 = 1h counted, then paused; the 4h target was never reached
    sla = clock(at(13, 9), pauses=((at(13, 10), None),), fulfilled_at=at(13, 16))
    assert sla.breached_at() is None
    assert sla.state(at(13, 16)) == "fulfilled"


def test_pauses_after_fulfilment_do_not_move_the_clock() -> None:
    sla = clock(at(13, 10), pauses=((at(13, 13, 30), None),), fulfilled_at=at(13, 13))
    assert sla.due_at() == at(13, 14)
    assert sla.state(at(13, 16)) == "fulfilled"


def test_replaying_a_past_now_ignores_later_facts() -> None:
    sla = clock(at(13, 10), pauses=((at(13, 13), at(13, 14)),), fulfilled_at=at(13, 16))
    # Mon 10-13 3h + 14-15 1h: due 15:00, fulfilled 16:00 late
    assert sla.breached_at() == at(13, 15)
    assert sla.state(at(13, 12)) == "running"
    assert sla.state(at(13, 13, 30)) == "paused"
    assert sla.state(at(13, 15, 30)) == "breached"


def test_calendar_hours_clock_across_dst() -> None:
    always = BusinessCalendar.always("Europe/Rome")
    saturday_noon = datetime(2024, 3, 30, 12, tzinfo=ROME)  # CET, 11:00Z
    sla = SlaClock(calendar=always, target=24 * H, started_at=saturday_noon)
    # 11:00Z + 24h = Sun 31 Mar 11:00Z = 13:00 CEST (the night lost an hour)
    assert sla.due_at() == datetime(2024, 3, 31, 13, tzinfo=ROME)
    assert sla.due_at() == datetime(2024, 3, 31, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": timedelta(0)}, "must be positive"),
        ({"started_at": datetime(2024, 5, 13, 10)}, "timezone-aware"),
        ({"pauses": [SlaPause(at(13, 9))]}, "chronological"),
        (
            {"pauses": [SlaPause(at(13, 11), at(13, 13)), SlaPause(at(13, 12), at(13, 14))]},
            "chronological",
        ),
        ({"pauses": [SlaPause(at(13, 11)), SlaPause(at(13, 12), at(13, 14))]}, "last pause"),
        ({"fulfilled_at": at(13, 9)}, "before started_at"),
    ],
)
def test_invalid_clocks_are_rejected(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "calendar": OFFICE,
        "target": 4 * H,
        "started_at": at(13, 10),
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        SlaClock(**arguments)  # type: ignore[arg-type]


def test_a_pause_cannot_resume_before_it_starts() -> None:
    with pytest.raises(ValueError, match="resumes"):
        SlaPause(at(13, 12), at(13, 11))
    with pytest.raises(ValueError, match="timezone-aware"):
        clock(at(13, 10)).elapsed(datetime(2024, 5, 13, 12))


def test_worked_example_of_the_docs() -> None:
    """docs/sla-clock.md, "Worked example": keep the two in step."""
    assert clock(at(17, 15)).due_at() == at(20, 11)  # Fri 15-17 2h + Mon 09-11 2h
    pending = clock(at(17, 15), pauses=((at(17, 16), None),))
    assert pending.due_at() is None
    resumed = ((at(17, 16), at(21, 10)),)
    assert clock(at(17, 15), pauses=resumed).due_at() == at(21, 13)
    assert clock(at(17, 15), pauses=resumed).at_risk(at(21, 12, 24))
    replied = clock(at(17, 15), pauses=resumed, fulfilled_at=at(21, 12, 30))
    assert replied.elapsed(at(21, 12, 30)) == timedelta(hours=3, minutes=30)
    assert replied.breached_at() is None
    assert replied.state(at(22, 9)) == "fulfilled"
    late = clock(at(17, 15), pauses=resumed, fulfilled_at=at(21, 13, 15))
    assert late.breached_at() == at(21, 13)
    assert late.state(at(22, 9)) == "breached"


# --- properties --------------------------------------------------------------------------------

LUNCH_BREAK = BusinessCalendar(
    "America/New_York", dict.fromkeys(range(6), ((time(9), time(12)), (time(13), time(17, 30))))
)
seconds = st.integers(min_value=0, max_value=5 * 86_400).map(lambda s: timedelta(seconds=s))


@st.composite
def clocks(draw: st.DrawFn) -> SlaClock:
    """A clock starting in 2024 with up to four pauses (the last maybe open), maybe fulfilled."""
    calendar = draw(st.sampled_from([OFFICE, LUNCH_BREAK, BusinessCalendar.always("Europe/Rome")]))
    started_at = datetime(2024, 1, 1, tzinfo=UTC) + draw(seconds) * 70
    cursor, pauses = started_at, list[SlaPause]()
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        paused_at = cursor + draw(seconds)
        cursor = paused_at + draw(seconds)
        pauses.append(SlaPause(paused_at, cursor))
    last_still_open = draw(st.booleans())
    if pauses and last_still_open:
        pauses[-1] = SlaPause(pauses[-1].paused_at)
    fulfilled_at = draw(st.none() | seconds.map(lambda offset: started_at + offset * 2))
    target = draw(st.integers(min_value=1, max_value=60 * 3600).map(lambda s: timedelta(seconds=s)))
    return SlaClock(calendar, target, started_at, pauses, fulfilled_at)


@settings(max_examples=100, deadline=None)
@given(sla=clocks(), offset=seconds, later=seconds)
def test_clock_is_consistent_with_itself(
    sla: SlaClock, offset: timedelta, later: timedelta
) -> None:
    now = sla.started_at + offset * 2
    assert timedelta(0) <= sla.elapsed(now) <= sla.elapsed(now + later)
    due = sla.due_at()
    if due is not None and (sla.fulfilled_at is None or sla.fulfilled_at >= due):
        # the deadline is the first instant at which the whole target has elapsed
        assert sla.elapsed(due) == sla.target
        assert sla.elapsed(due - timedelta(microseconds=1)) < sla.target
    breached_at = sla.breached_at()
    assert sla.is_breached(now) == (breached_at is not None and now >= breached_at)
    if sla.state(now) == "breached":
        assert sla.elapsed(now) >= sla.target
    for pause in sla.pauses:
        if pause.paused_at <= now and (pause.resumed_at is None or now < pause.resumed_at):
            # nothing counts while paused
            assert sla.elapsed(pause.paused_at) == sla.elapsed(now)
