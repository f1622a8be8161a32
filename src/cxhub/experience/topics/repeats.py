"""Repeat contacts: the same customer coming back about the same topic (docs/metrics.md).

Pure arithmetic. A *contact* is a ticket in a topic, dated by the first of its customer texts
in that topic. A contact is a *repeat* when the same customer had another contact in the same
topic that started within the `window_days` before it (strictly earlier; on the same instant
the lower ticket id counts as earlier). Repeat contact rate = repeats / contacts.

Example (window 7 days): Ann opens tickets about "refund" on the 1st, 5th and 20th: the 5th is
a repeat (4 days after the 1st), the 20th is not (15 days after the 5th); Bob's single ticket
is not. Contacts 4, repeats 1, rate 0.25.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise


@dataclass(frozen=True)
class Contact:
    ticket_id: int
    contact_id: int | None
    started_at: datetime


def repeat_ticket_ids(contacts: Iterable[Contact], *, window_days: int) -> set[int]:
    """The tickets that are repeats of an earlier ticket of the same customer (one topic)."""
    window = timedelta(days=window_days)
    by_customer: dict[int, list[Contact]] = defaultdict(list)
    for contact in contacts:
        if contact.contact_id is not None:
            by_customer[contact.contact_id].append(contact)
    repeats: set[int] = set()
    for history in by_customer.values():
        history.sort(key=lambda c: (c.started_at, c.ticket_id))
        for previous, current in pairwise(history):
            if current.started_at - previous.started_at <= window:
                repeats.add(current.ticket_id)
    return repeats


def first_texts(rows: Iterable[tuple[int, int | None, datetime]]) -> list[Contact]:
    """(ticket id, contact id, written at) of a topic's texts -> one contact per ticket."""
    first: dict[int, Contact] = {}
    for ticket_id, contact_id, written_at in rows:
        known = first.get(ticket_id)
        if known is None or written_at < known.started_at:
            first[ticket_id] = Contact(ticket_id, contact_id, written_at)
    return list(first.values())
