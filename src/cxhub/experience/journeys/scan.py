"""The periodic scan that moves customers on what has no domain event: Segment `page` and
`track` calls (they are stored, never published, ADR 0015) and renewal windows.

Each run re-reads the last `lookback` of usage events (Parquet days plus inbox, through
`analytics.usage_events.open_events`) and takes, per product user and page/event name, the
first call; because journeys only move forward, re-reading an overlapping window never writes
an entry twice. Product users become contacts through their external id. The run opens that
window once (`scan_window`) and hands it to both of its readers, `first_calls` here and
`paths.page_views_in` (the path rollup), so the day files are read once per run.

On SQLite a writing session holds the database's only write lock from its first statement
(ADR 0035), so the job reads in two steps: in a read-only session the window, the contacts
and the current stages, keeping only what would move someone (`moving_first_calls`,
`renewal_signals`, `paths.changing_page_views`); then, in the job's session, it writes just
those (`scan_usage`, `scan_renewals`, `paths.scan_page_views`), which re-read the few rows
they change under the lock. A preview slightly older than the write is safe because journeys
and path prefixes only take in what they have not counted yet (`service.moving_signals`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
from sqlalchemy.orm import Session

from cxhub.analytics.usage_events import open_events
from cxhub.core.pagination import PageRequest
from cxhub.customers.contacts.service import (
    contact_ids_by_external_id,
    contact_ids_of_account,
    get_contacts,
)
from cxhub.experience.journeys.paths import utc
from cxhub.experience.journeys.rules import Signal, SignalSource
from cxhub.experience.journeys.service import (
    Subject,
    SubjectSignal,
    apply_signals,
    list_journeys,
    moving_signals,
    stage_rules,
)
from cxhub.success.subscriptions.service import list_subscriptions


def _sources(session: Session) -> set[str]:
    return {
        rule.on
        for journey in list_journeys(session)
        if journey.active
        for rules in stage_rules(journey)
        for rule in rules
    }


@contextmanager
def scan_window(
    session: Session, *, workspace_id: int, data_dir: Path, now: datetime, lookback: timedelta
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The scan's usage events of `[now - lookback, now)` as DuckDB view `events`, closed on
    exit. A view although two readers query it: on two days of 1,000,000 events each, a temp
    table took the same CPU for both queries (DuckDB re-reads Parquet cheaply) and holds a copy
    of the window; what one opening saves is the second inbox read and connection."""
    connection = open_events(
        session,
        workspace_id=workspace_id,
        data_dir=data_dir,
        start=now - lookback,
        end=now,
        materialise=False,
    )
    with connection:
        yield connection


@dataclass(frozen=True)
class FirstCall:
    """A product user's first `page` or `track` call of one name in the scanned window."""

    user_id: str
    kind: str
    name: str | None
    at: datetime


def first_calls(events: duckdb.DuckDBPyConnection) -> list[FirstCall]:
    """The first call per user, type and name in `events` (the run's `scan_window`), oldest
    first. DuckDB only: no session, so it runs before the scan's write transaction."""
    rows = events.execute(
        "SELECT user_id, type, event, min(timestamp) FROM events "
        "WHERE type IN ('page', 'track') AND user_id IS NOT NULL "
        "GROUP BY user_id, type, event ORDER BY 4, 1, 3"
    ).fetchall()
    return [FirstCall(str(user), str(kind), name, utc(at)) for user, kind, name, at in rows]


def _usage_signals(
    session: Session, firsts: Sequence[FirstCall]
) -> list[tuple[FirstCall, SubjectSignal]]:
    """The first calls of users a contact holds, each with its signal about that contact."""
    contacts = contact_ids_by_external_id(session, external_ids=sorted({f.user_id for f in firsts}))
    accounts = {
        c.id: c.account_id
        for c in get_contacts(session, contact_ids=set(contacts.values())).values()
    }
    pairs = []
    for first in firsts:
        contact_id = contacts.get(first.user_id)
        if contact_id is None:
            continue
        source: SignalSource = "page_view" if first.kind == "page" else "track"
        signal = Signal(source=source, occurred_at=first.at, page=first.name, event=first.name)
        subject = Subject(contact_id, accounts.get(contact_id))
        pairs.append((first, SubjectSignal(subject, signal, f"{first.kind}:{first.name or ''}")))
    return pairs


def moving_first_calls(reader: Session, *, firsts: Sequence[FirstCall]) -> list[FirstCall]:
    """The first calls that move someone in `reader`'s snapshot (`service.moving_signals`).
    The contact lookups and current stages of every user in the window are read here, in a
    read-only session, so that `scan_usage` reads only those of the few that move while it
    holds the write lock."""
    if not {"page_view", "track"} & _sources(reader):
        return []
    pairs = _usage_signals(reader, firsts)
    moving = {id(s) for s in moving_signals(reader, signals=[s for _, s in pairs])}
    return [first for first, signal in pairs if id(signal) in moving]


def scan_usage(session: Session, *, workspace_id: int, firsts: Sequence[FirstCall]) -> int:
    """Apply page/track rules to `firsts` (all of the window's, or the `moving_first_calls`),
    answering the entries written. The users are looked up again here, in the writing
    session: a merge since the preview may have moved an external id to another contact."""
    signals = [signal for _, signal in _usage_signals(session, firsts)] if firsts else []
    return len(apply_signals(session, workspace_id=workspace_id, signals=signals))


def renewal_signals(reader: Session, *, today: date, now: datetime) -> list[SubjectSignal]:
    """The renewal signals (one per contact of each account whose active subscription renews
    soon) that move someone in `reader`'s snapshot: the subscriptions and each account's
    contacts are read here, before the scan's write transaction."""
    if "renewal" not in _sources(reader):
        return []
    days_by_account: dict[int, int] = defaultdict(lambda: 10**6)
    cursor: str | None = None
    while True:
        page = list_subscriptions(reader, page=PageRequest(limit=500, cursor=cursor))
        for subscription in page.items:
            if subscription.status == "active" and subscription.renewal_on is not None:
                days = (subscription.renewal_on - today).days
                if days >= 0:
                    account = subscription.account_id
                    days_by_account[account] = min(days_by_account[account], days)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    signals = [
        SubjectSignal(
            Subject(contact_id, account_id),
            Signal(source="renewal", occurred_at=now, days_to_renewal=days),
            "renewal",
        )
        for account_id, days in sorted(days_by_account.items())
        for contact_id in contact_ids_of_account(reader, account_id=account_id)
    ]
    return moving_signals(reader, signals=signals)


def scan_renewals(session: Session, *, workspace_id: int, signals: Sequence[SubjectSignal]) -> int:
    """Apply the `renewal_signals` to the contacts that still exist unmerged (one may have been
    merged away since the preview); answers the entries written."""
    if not signals:
        return 0
    surviving = {
        c.id
        for c in get_contacts(session, contact_ids={s.subject.contact_id for s in signals}).values()
        if c.merged_into_id is None
    }
    kept = [s for s in signals if s.subject.contact_id in surviving]
    return len(apply_signals(session, workspace_id=workspace_id, signals=kept))
