"""Repeat contacts on the worked example of repeats.py / docs/metrics.md."""

from __future__ import annotations

from datetime import UTC, datetime

from cxhub.experience.topics.repeats import Contact, first_texts, repeat_ticket_ids


def _day(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 6, day, hour, tzinfo=UTC)


def test_worked_example() -> None:
    ann, bob = 1, 2
    contacts = [
        Contact(10, ann, _day(1)),
        Contact(11, ann, _day(5)),
        Contact(12, ann, _day(20)),
        Contact(13, bob, _day(5)),
    ]
    assert repeat_ticket_ids(contacts, window_days=7) == {11}
    assert repeat_ticket_ids(contacts, window_days=20) == {11, 12}


def test_the_window_is_inclusive_and_unknown_customers_never_repeat() -> None:
    contacts = [Contact(1, 5, _day(1)), Contact(2, 5, _day(8)), Contact(3, None, _day(8))]
    assert repeat_ticket_ids(contacts, window_days=7) == {2}
    assert repeat_ticket_ids(contacts, window_days=6) == set()


def test_same_instant_orders_by_ticket_id() -> None:
    contacts = [Contact(9, 1, _day(2)), Contact(4, 1, _day(2))]
    assert repeat_ticket_ids(contacts, window_days=1) == {9}


def test_a_ticket_is_dated_by_its_first_text() -> None:
    rows = [(7, 1, _day(3)), (7, 1, _day(1)), (8, 2, _day(2))]
    contacts = sorted(first_texts(rows), key=lambda c: c.ticket_id)
    assert contacts == [Contact(7, 1, _day(1)), Contact(8, 2, _day(2))]
