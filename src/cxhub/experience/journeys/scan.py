"""The periodic scan that moves customers on what has no domain event: Segment `page` and
`track` calls (they are stored, never published, ADR 0015) and renewal windows.

Each run re-reads the last `lookback` of usage events (Parquet days plus inbox, through
`analytics.usage_events.open_events`) and takes, per product user and page/event name, the
first call; because journeys only move forward, re-reading an overlapping window never writes
an entry twice. Product users become contacts through their external id. The run opens that
window once (`scan_window`) and hands it to both of its readers, `scan_usage` here and
`paths.scan_page_views` (the path rollup), so the day files are read once per run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
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
from cxhub.experience.journeys.rules import Signal, SignalSource
from cxhub.experience.journeys.service import Subject, apply_signal, list_journeys, stage_rules
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


def scan_usage(session: Session, *, workspace_id: int, events: duckdb.DuckDBPyConnection) -> int:
    """Apply page/track rules to the first calls in `events` (the run's `scan_window`);
    answers the entries written."""
    sources = _sources(session)
    if not {"page_view", "track"} & sources:
        return 0
    firsts = events.execute(
        "SELECT user_id, type, event, min(timestamp) FROM events "
        "WHERE type IN ('page', 'track') AND user_id IS NOT NULL "
        "GROUP BY user_id, type, event ORDER BY 4, 1, 3"
    ).fetchall()
    contacts = contact_ids_by_external_id(session, external_ids=sorted({r[0] for r in firsts}))
    accounts = {
        c.id: c.account_id
        for c in get_contacts(session, contact_ids=set(contacts.values())).values()
    }
    written = 0
    for user_id, kind, name, first_at in firsts:
        contact_id = contacts.get(user_id)
        if contact_id is None:
            continue
        source: SignalSource = "page_view" if kind == "page" else "track"
        at = first_at.replace(tzinfo=UTC) if first_at.tzinfo is None else first_at
        signal = Signal(source=source, occurred_at=at, page=name, event=name)
        written += len(
            apply_signal(
                session,
                workspace_id=workspace_id,
                subjects=[Subject(contact_id, accounts.get(contact_id))],
                signal=signal,
                cause=f"{kind}:{name or ''}",
            )
        )
    return written


def scan_renewals(session: Session, *, workspace_id: int, today: date, now: datetime) -> int:
    """Apply renewal rules to the accounts whose active subscription renews soon."""
    if "renewal" not in _sources(session):
        return 0
    days_by_account: dict[int, int] = defaultdict(lambda: 10**6)
    cursor: str | None = None
    while True:
        page = list_subscriptions(session, page=PageRequest(limit=500, cursor=cursor))
        for subscription in page.items:
            if subscription.status == "active" and subscription.renewal_on is not None:
                days = (subscription.renewal_on - today).days
                if days >= 0:
                    account = subscription.account_id
                    days_by_account[account] = min(days_by_account[account], days)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    written = 0
    for account_id, days in sorted(days_by_account.items()):
        subjects = [
            Subject(c, account_id) for c in contact_ids_of_account(session, account_id=account_id)
        ]
        signal = Signal(source="renewal", occurred_at=now, days_to_renewal=days)
        written += len(
            apply_signal(
                session,
                workspace_id=workspace_id,
                subjects=subjects,
                signal=signal,
                cause="renewal",
            )
        )
    return written
