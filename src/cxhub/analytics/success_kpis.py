"""The customer-success summary of one workspace and currency, whole or grouped by plan,
segment (tier), owner or month: read here, computed by the pure functions of
`analytics.success` and `analytics.revenue` (docs/metrics.md, "Customer success summary").

`GET /api/v1/metrics/success` and the revenue dashboard page both call `success_metrics`, so a
number on the page is the number of the API.

The *population* of a group is its accounts paying at the end of the period (of the month, when
grouped by month): health and adoption are summarised over them. An account's plan is the plan
of its largest subscription in the currency (a churned account keeps the plan it left with);
its segment is its tier; its owner its account owner.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.analytics import adoption, revenue_kpis
from cxhub.analytics.revenue import (
    MrrChange,
    Renewal,
    RenewalCandidate,
    add_months,
    months_between,
)
from cxhub.analytics.success import (
    AccountUsage,
    AdoptionSummary,
    HealthDistribution,
    RenewalRiskWindow,
    RevenueSummary,
    adoption_summary,
    health_distribution,
    monthly_revenue_summaries,
    renewal_risk,
    revenue_summary,
)
from cxhub.core.errors import NotFound
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import service as contacts
from cxhub.people import service as people
from cxhub.success.health import service as health
from cxhub.success.subscriptions.models import Subscription

RENEWAL_WINDOWS = (30, 60, 90)


class SuccessGroupBy(StrEnum):
    NONE = "none"
    PLAN = "plan"
    SEGMENT = "segment"
    OWNER = "owner"
    MONTH = "month"


@dataclass(frozen=True)
class SuccessGroup:
    key: str | None
    label: str
    revenue: RevenueSummary
    health: HealthDistribution
    adoption: AdoptionSummary
    renewals: list[RenewalRiskWindow] | None

    @property
    def accounts(self) -> int:
        return len(self.revenue.paying_at_end)


@dataclass(frozen=True)
class SuccessReport:
    currency: str | None
    first: date
    last: date
    today: date
    group_by: SuccessGroupBy
    band_order: list[str]
    total: SuccessGroup
    groups: list[SuccessGroup]
    renewals: list[Renewal]


def _end_of(month: date, now: datetime) -> datetime:
    """The end of a month as a moment (its next month's first midnight UTC), not after now."""
    return min(datetime.combine(add_months(month, 1), time(), UTC), now)


def _plans(session: Session, *, workspace_id: int, currency: str | None) -> dict[int, str]:
    """Each account's plan: its largest subscription's, preferring live ones."""
    if currency is None:
        return {}
    best: dict[int, tuple[bool, int, int, str]] = {}
    for account_id, plan, mrr, ended_on, sub_id in session.execute(
        select(
            Subscription.account_id,
            Subscription.plan,
            Subscription.mrr_cents,
            Subscription.ended_on,
            Subscription.id,
        ).where(Subscription.workspace_id == workspace_id, Subscription.currency == currency)
    ):
        rank = (ended_on is None, int(mrr), int(sub_id), str(plan))
        if account_id not in best or rank > best[account_id]:
            best[account_id] = rank
    return {account_id: rank[3] for account_id, rank in best.items()}


def _usage(
    activity: dict[int, adoption.AccountActivity],
    seats: dict[int, int | None],
    population: frozenset[int],
) -> dict[int, AccountUsage]:
    empty = adoption.AccountActivity()
    return {
        account_id: AccountUsage(
            active_users=(found := activity.get(account_id, empty)).active_users,
            events=found.events,
            previous_events=found.previous_events,
            licensed_seats=seats.get(account_id),
        )
        for account_id in population
    }


def _seats(
    session: Session, *, workspace_id: int, currency: str | None, account_ids: set[int], on: date
) -> dict[int, int | None]:
    """Licensed seats: the live subscriptions' seats, else the account's `seats` attribute."""
    live = revenue_kpis.live_seats_by_account(
        session, workspace_id=workspace_id, currency=currency, today=on
    )
    seats: dict[int, int | None] = {a: live[a] for a in account_ids if a in live}
    missing = account_ids - seats.keys()
    if missing:
        records = accounts.account_profiles(session, account_ids=missing)
        for account_id in missing:
            record = records.get(account_id)
            seats[account_id] = (
                adoption.licensed_seats_of(record.custom_attributes) if record else None
            )
    return seats


def _labeller(session: Session, group_by: SuccessGroupBy) -> Callable[[str | None], str]:
    def label_of(key: str | None) -> str:
        if key is None:
            return "none"
        if group_by == SuccessGroupBy.OWNER:
            try:
                return people.get_user(session, user_id=int(key)).name
            except NotFound:
                return key
        return key

    return label_of


def _risk_hook(
    latest: health.LatestScores,
) -> Callable[[Sequence[RenewalCandidate]], dict[int, bool]]:
    """A renewal is at risk when its account's latest band is the scorecard's worst; without a
    score its risk is unknown (left out of the answer, so it stays None)."""

    def hook(candidates: Sequence[RenewalCandidate]) -> dict[int, bool]:
        found = {}
        for candidate in candidates:
            score, band = latest.scores.get(candidate.account_id, (None, None))
            if band is not None and score is not None:
                found[candidate.subscription_id] = band == latest.worst_band
        return found

    return hook


def success_metrics(
    session: Session,
    *,
    workspace_id: int,
    currency: str | None,
    first: date,
    last: date,
    group_by: SuccessGroupBy,
    now: datetime,
    data_dir: Path,
) -> SuccessReport:
    today = now.date()
    history = revenue_kpis.mrr_history(session, workspace_id=workspace_id, currency=currency)
    end = _end_of(last, now)
    health_day = min((end - timedelta(microseconds=1)).date(), today)
    latest = health.latest_scores(session, on=health_day)
    today_scores = latest if health_day == today else health.latest_scores(session, on=today)
    _, renewals = revenue_kpis.renewals(
        session,
        workspace_id=workspace_id,
        today=today,
        currency=currency,
        windows=RENEWAL_WINDOWS,
        at_risk=_risk_hook(today_scores),
    )
    by_month: dict[date, RevenueSummary] = {}
    if group_by == SuccessGroupBy.MONTH:
        total_revenue, by_month = monthly_revenue_summaries(history, first=first, last=last)
    else:
        total_revenue = revenue_summary(history, first=first, last=last)
    everyone = {c.account_id for c in history}
    members = contacts.external_ids_by_account(session, account_ids=everyone)
    months = months_between(first, last) if group_by == SuccessGroupBy.MONTH else []
    earliest = _end_of(months[0], now) if months else end
    window_start, _ = adoption.usage_window(min(earliest, end))
    with adoption.open_events(
        session, workspace_id=workspace_id, data_dir=data_dir, start=window_start, end=end
    ) as connection:
        # Every moment's activity in one scan: the period's end and each month's end.
        month_ends = [_end_of(month, now) for month in months]
        activity = adoption.accounts_activity_at(
            connection, members=members, ends=[end, *month_ends]
        )
        seats = _seats(
            session,
            workspace_id=workspace_id,
            currency=currency,
            account_ids=set(total_revenue.paying_at_end),
            on=health_day,
        )
        usage = _usage(activity[end], seats, total_revenue.paying_at_end)
        total = SuccessGroup(
            None,
            "total",
            total_revenue,
            health_distribution(total_revenue.paying_at_end, latest.scores, latest.band_order),
            adoption_summary(usage),
            renewal_risk(renewals, RENEWAL_WINDOWS),
        )
        groups: list[SuccessGroup] = []
        if group_by == SuccessGroupBy.MONTH:
            for month, month_end in zip(months, month_ends, strict=True):
                day = min((month_end - timedelta(microseconds=1)).date(), today)
                summary = by_month[month]
                month_scores = health.latest_scores(session, on=day)
                month_seats = _seats(
                    session,
                    workspace_id=workspace_id,
                    currency=currency,
                    account_ids=set(summary.paying_at_end),
                    on=day,
                )
                month_usage = _usage(activity[month_end], month_seats, summary.paying_at_end)
                groups.append(
                    SuccessGroup(
                        month.strftime("%Y-%m"),
                        month.strftime("%Y-%m"),
                        summary,
                        health_distribution(
                            summary.paying_at_end, month_scores.scores, month_scores.band_order
                        ),
                        adoption_summary(month_usage),
                        None,
                    )
                )
        elif group_by != SuccessGroupBy.NONE:
            groups = _grouped(
                session,
                workspace_id=workspace_id,
                currency=currency,
                group_by=group_by,
                history=history,
                first=first,
                last=last,
                renewals=renewals,
                latest=latest,
                usage=usage,
            )
    return SuccessReport(
        currency, first, last, today, group_by, latest.band_order, total, groups, renewals
    )


def _grouped(
    session: Session,
    *,
    workspace_id: int,
    currency: str | None,
    group_by: SuccessGroupBy,
    history: list[MrrChange],
    first: date,
    last: date,
    renewals: list[Renewal],
    latest: health.LatestScores,
    usage: dict[int, AccountUsage],
) -> list[SuccessGroup]:
    account_ids = {c.account_id for c in history} | {r.candidate.account_id for r in renewals}
    if group_by == SuccessGroupBy.PLAN:
        plans = _plans(session, workspace_id=workspace_id, currency=currency)
        key_of: dict[int, str | None] = {a: plans.get(a) for a in account_ids}
    else:
        records = accounts.account_profiles(session, account_ids=account_ids)
        key_of = {}
        for account_id in account_ids:
            record = records.get(account_id)
            value = None
            if record is not None:
                value = record.tier if group_by == SuccessGroupBy.SEGMENT else record.owner_id
            key_of[account_id] = None if value is None else str(value)
    by_key: dict[str | None, list[MrrChange]] = defaultdict(list)
    for change in history:
        by_key[key_of.get(change.account_id)].append(change)
    for renewal in renewals:
        by_key.setdefault(key_of.get(renewal.candidate.account_id), [])
    label_of = _labeller(session, group_by)
    groups = []
    for key in sorted(by_key, key=lambda k: (k is None, k or "")):
        summary = revenue_summary(by_key[key], first=first, last=last)
        members = summary.paying_at_end
        group_renewals = [r for r in renewals if key_of.get(r.candidate.account_id) == key]
        groups.append(
            SuccessGroup(
                key,
                label_of(key),
                summary,
                health_distribution(members, latest.scores, latest.band_order),
                adoption_summary({a: u for a, u in usage.items() if a in members}),
                renewal_risk(group_renewals, RENEWAL_WINDOWS),
            )
        )
    return groups
