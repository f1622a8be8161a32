"""The raw inputs of the health score, per account (definitions and missing-data rules in
docs/health.md, "Inputs"). Read through the metric layer: aggregate statements over the service
tables (as `service_kpis`, ADR 0013), subscriptions (as `revenue_kpis`), adoption over usage
events (ADR 0015), and the timeline's and contacts' service functions. Every aggregate names its
workspace explicitly.

Set-wise: one SQL statement per input family and one Ibis aggregation over the events for all
the accounts asked for (every account of the workspace when `account_ids` is None), so the cost
does not grow with the number of batches or accounts beyond the scans themselves.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from cxhub.analytics import adoption, engine
from cxhub.analytics.formulas import csat_percent
from cxhub.analytics.usage_events import usage_on_engine
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import service as contacts
from cxhub.customers.timeline import service as timeline
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.sla.models import TicketSlaTarget
from cxhub.service.tickets.models import Ticket, TicketPriority
from cxhub.success.subscriptions.models import Subscription, SubscriptionStatus

ENGAGEMENT_KINDS = ["call", "meeting", "email.sent"]
BILLING_STATUS_VALUE = {
    SubscriptionStatus.ACTIVE.value: 1.0,
    SubscriptionStatus.TRIALING.value: 0.7,
    SubscriptionStatus.PAST_DUE.value: 0.0,
}
SUPPORT_DAYS = 30
CSAT_DAYS = 90

Inputs = dict[str, float | None]
AccountIds = list[int] | None


class SubscriptionTerms(Protocol):
    """What the inputs read of a subscription (a `Subscription` or a row of those columns)."""

    @property
    def started_on(self) -> date: ...
    @property
    def ended_on(self) -> date | None: ...
    @property
    def renewal_on(self) -> date | None: ...
    @property
    def status(self) -> str: ...
    @property
    def seats(self) -> int: ...


def _of_accounts(column: Any, account_ids: AccountIds) -> list[ColumnElement[bool]]:
    """The account filter of an aggregate: the given accounts, or any account (None)."""
    if account_ids is None:
        return [column.is_not(None)]
    return [column.in_(account_ids)]


def _support(
    session: Session, *, workspace_id: int, account_ids: AccountIds, as_of: datetime
) -> dict[int, tuple[int, int]]:
    """Tickets opened in the last 30 days and how many of them are urgent or high."""
    start = as_of - timedelta(days=SUPPORT_DAYS)
    severe = case((Ticket.priority.in_([TicketPriority.URGENT, TicketPriority.HIGH]), 1), else_=0)
    rows = session.execute(
        select(Ticket.account_id, func.count(), func.sum(severe))
        .where(
            Ticket.workspace_id == workspace_id,
            *_of_accounts(Ticket.account_id, account_ids),
            Ticket.merged_into_id.is_(None),
            Ticket.is_spam.is_(False),
            Ticket.created_at >= start,
            Ticket.created_at < as_of,
        )
        .group_by(Ticket.account_id)
    )
    return {int(a): (int(n), int(s or 0)) for a, n, s in rows}


def _sla(
    session: Session, *, workspace_id: int, account_ids: AccountIds, as_of: datetime
) -> dict[int, tuple[int, int]]:
    """SLA targets started in the last 30 days and how many of them breached."""
    start = as_of - timedelta(days=SUPPORT_DAYS)
    breached = case(
        (and_(TicketSlaTarget.breached_at.is_not(None), TicketSlaTarget.breached_at < as_of), 1),
        else_=0,
    )
    rows = session.execute(
        select(Ticket.account_id, func.count(), func.sum(breached))
        .join(Ticket, Ticket.id == TicketSlaTarget.ticket_id)
        .where(
            Ticket.workspace_id == workspace_id,
            *_of_accounts(Ticket.account_id, account_ids),
            TicketSlaTarget.cancelled.is_(False),
            TicketSlaTarget.started_at >= start,
            TicketSlaTarget.started_at < as_of,
        )
        .group_by(Ticket.account_id)
    )
    return {int(a): (int(n), int(b or 0)) for a, n, b in rows}


def _csat(
    session: Session, *, workspace_id: int, account_ids: AccountIds, as_of: datetime
) -> dict[int, float | None]:
    start = as_of - timedelta(days=CSAT_DAYS)
    scores: dict[int, list[int]] = defaultdict(list)
    rows = session.execute(
        select(Ticket.account_id, CsatSurvey.score)
        .join(Ticket, Ticket.id == CsatSurvey.ticket_id)
        .where(
            Ticket.workspace_id == workspace_id,
            *_of_accounts(Ticket.account_id, account_ids),
            CsatSurvey.score.is_not(None),
            CsatSurvey.rated_at >= start,
            CsatSurvey.rated_at < as_of,
        )
    )
    for account, score in rows:
        if account is not None and score is not None:
            scores[int(account)].append(int(score))
    return {a: csat_percent(s) for a, s in scores.items()}


def _subscriptions(
    session: Session, *, workspace_id: int, account_ids: AccountIds
) -> dict[int, list[SubscriptionTerms]]:
    found: dict[int, list[SubscriptionTerms]] = defaultdict(list)
    for row in session.execute(
        select(
            Subscription.account_id,
            Subscription.started_on,
            Subscription.ended_on,
            Subscription.renewal_on,
            Subscription.status,
            Subscription.seats,
        ).where(
            Subscription.workspace_id == workspace_id,
            *_of_accounts(Subscription.account_id, account_ids),
        )
    ):
        found[row.account_id].append(row)
    return found


def _live(subscriptions: Sequence[SubscriptionTerms], today: date) -> list[SubscriptionTerms]:
    return [
        s
        for s in subscriptions
        if s.started_on <= today and (s.ended_on is None or s.ended_on > today)
    ]


def subscription_inputs(subscriptions: Sequence[SubscriptionTerms], today: date) -> Inputs:
    """Renewal proximity and billing status; both missing for an account that never had a
    subscription. An account whose subscriptions all ended scores billing 0."""
    if not subscriptions:
        return {"renewal_days": None, "billing_status": None}
    live = _live(subscriptions, today)
    if not live:
        return {"renewal_days": None, "billing_status": 0.0}
    billing = min(BILLING_STATUS_VALUE.get(s.status, 0.0) for s in live)
    renewals = [s.renewal_on for s in live if s.renewal_on is not None and s.renewal_on >= today]
    renewal_days = float((min(renewals) - today).days) if renewals else None
    return {"renewal_days": renewal_days, "billing_status": billing}


def account_inputs(
    session: Session,
    *,
    workspace_id: int,
    account_ids: AccountIds = None,
    as_of: datetime,
    data_dir: Path,
    timings: dict[str, float] | None = None,
    engine_config: engine.EngineConfig | None = None,
) -> dict[int, Inputs]:
    """The raw inputs of each account on `as_of` (None = no data; docs/health.md), for
    `account_ids` or, when None, every account of the workspace. `timings` receives the
    seconds spent per phase (sql, events, combine). The event aggregation runs on the
    configured analytics engine (embedded DuckDB by default, ADR 0023)."""
    if account_ids is not None and not account_ids:
        return {}
    spent = timings if timings is not None else {}
    started = time.perf_counter()
    today = as_of.date()
    ws, ids = workspace_id, account_ids
    support = _support(session, workspace_id=ws, account_ids=ids, as_of=as_of)
    sla = _sla(session, workspace_id=ws, account_ids=ids, as_of=as_of)
    csat = _csat(session, workspace_id=ws, account_ids=ids, as_of=as_of)
    subscriptions = _subscriptions(session, workspace_id=ws, account_ids=ids)
    engaged = timeline.last_interaction_at(
        session, account_ids=account_ids, kinds=ENGAGEMENT_KINDS, before=as_of
    )
    attributes = accounts.custom_attributes_by_id(session, account_ids=account_ids)
    members = contacts.external_id_pairs(session, account_ids=account_ids)
    spent["sql"] = time.perf_counter() - started
    licensed: dict[int, int | None] = {}
    for account_id in account_ids if account_ids is not None else sorted(attributes):
        live = _live(subscriptions.get(account_id, []), today)
        licensed[account_id] = sum(s.seats for s in live) or adoption.licensed_seats_of(
            attributes.get(account_id)
        )
    mark = time.perf_counter()
    start, end = adoption.usage_window(as_of)
    with usage_on_engine(
        session,
        engine_config or engine.EngineConfig(),
        workspace_id=workspace_id,
        data_dir=data_dir,
        start=start,
        end=end,
    ) as (backend, events):
        usage_of = adoption.accounts_adoption_on(
            backend, events, members=members, as_of=as_of, licensed_seats=licensed
        )
    spent["events"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result: dict[int, Inputs] = {}
    for account_id, usage in usage_of.items():
        opened, severe = support.get(account_id, (0, 0))
        targets, breaches = sla.get(account_id, (0, 0))
        last_touch = engaged.get(account_id)
        inputs: Inputs = {
            "usage_trend": usage.usage_trend,
            "feature_breadth": usage.feature_breadth,
            "seat_utilisation": usage.seat_utilisation,
            "support_load": opened / max(usage.active_seats, 1),
            "urgent_share": severe / opened if opened else None,
            "sla_breaches": float(breaches) if targets else None,
            "csat": csat.get(account_id),
            "days_since_engagement": (
                (as_of - last_touch).total_seconds() / 86400 if last_touch else None
            ),
        }
        inputs |= subscription_inputs(subscriptions.get(account_id, []), today)
        result[account_id] = inputs
    spent["combine"] = time.perf_counter() - mark
    return result
