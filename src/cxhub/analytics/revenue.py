"""Revenue metrics on plain values: MRR by month, MRR movements, GRR, NRR, logo churn, cohort
retention and the renewals pipeline (definitions and worked examples in docs/metrics.md).

No database access: `analytics.revenue_kpis` fetches the MRR history of one workspace and one
currency and hands it here. Money is integer minor units (cents); a ratio with an empty
denominator is undefined (None). Ratios are percentages, unrounded.

Months are `date`s on the first of the month. The MRR *at the end* of a month is the MRR in
effect on its last day: every change effective before the first of the next month applies. The
start of a month is the end of the previous one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from cxhub.analytics.formulas import percent

AccountMrr = Mapping[int, int]
"""account id → MRR in cents (accounts without MRR may be absent)."""


# --- months ------------------------------------------------------------------------------------


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included."""
    span = (last.year - first.year) * 12 + last.month - first.month
    return [add_months(month_of(first), i) for i in range(span + 1)]


# The months a report period may cover: far enough inside the calendar (years 1–9999) that the
# month before the first and after the last still exist.
EARLIEST_MONTH = date(1900, 1, 1)
LATEST_MONTH = date(2200, 12, 1)


def parse_month(text: str) -> date:
    """`YYYY-MM` → the first of that month; ValueError otherwise."""
    year, sep, month = text.partition("-")
    if (
        not sep
        or len(year) != 4
        or len(month) != 2
        or not ((year + month).isascii() and (year + month).isdigit())
    ):
        raise ValueError(f"{text!r} is not a month (YYYY-MM)")
    return date(int(year), int(month), 1)


# --- MRR by month --------------------------------------------------------------------------------


class MrrChange(NamedTuple):
    """One row of a subscription's MRR history: from `effective_on` on, its MRR is `mrr_cents`.
    `sequence` orders changes of the same day (the later one wins)."""

    subscription_id: int
    account_id: int
    effective_on: date
    mrr_cents: int
    sequence: int = 0


def account_mrr_by_month(
    changes: Iterable[MrrChange], *, first: date, last: date
) -> dict[date, dict[int, int]]:
    """Each account's MRR at the end of every month from `first` to `last` (accounts with MRR
    only; changes before `first` are applied too)."""
    ordered = sorted(changes, key=lambda c: (c.effective_on, c.sequence))
    current: dict[int, tuple[int, int]] = {}  # subscription → (account, cents)
    snapshots: dict[date, dict[int, int]] = {}
    position = 0
    for month in months_between(first, last):
        boundary = add_months(month, 1)
        while position < len(ordered) and ordered[position].effective_on < boundary:
            change = ordered[position]
            current[change.subscription_id] = (change.account_id, change.mrr_cents)
            position += 1
        totals: dict[int, int] = defaultdict(int)
        for account_id, cents in current.values():
            totals[account_id] += cents
        snapshots[month] = {a: cents for a, cents in totals.items() if cents > 0}
    return snapshots


# --- movements, GRR, NRR, logo churn -------------------------------------------------------------


@dataclass(frozen=True)
class MrrMovements:
    start_mrr: int = 0
    end_mrr: int = 0
    new: int = 0
    reactivation: int = 0
    expansion: int = 0
    contraction: int = 0
    churn: int = 0
    accounts_at_start: int = 0
    accounts_at_end: int = 0
    new_accounts: int = 0
    reactivated_accounts: int = 0
    expanded_accounts: int = 0
    contracted_accounts: int = 0
    churned_accounts: int = 0

    @property
    def grr(self) -> float | None:
        """(start − contraction − churn) ÷ start, percent."""
        return percent(self.start_mrr - self.contraction - self.churn, self.start_mrr)

    @property
    def nrr(self) -> float | None:
        """(start + expansion − contraction − churn) ÷ start, percent."""
        return percent(
            self.start_mrr + self.expansion - self.contraction - self.churn, self.start_mrr
        )

    @property
    def logo_churn(self) -> float | None:
        """Churned accounts ÷ accounts with MRR at the start, percent."""
        return percent(self.churned_accounts, self.accounts_at_start)


def mrr_movements(
    previous: AccountMrr, current: AccountMrr, ever_paid_before: set[int]
) -> MrrMovements:
    """Classify each account's change from the start (`previous`) to the end (`current`) of a
    month. `ever_paid_before`: accounts that had MRR at the end of some earlier month, which
    makes a restart a reactivation rather than new business."""
    counts: dict[str, int] = defaultdict(int)
    for account_id in previous.keys() | current.keys():
        start = previous.get(account_id, 0)
        end = current.get(account_id, 0)
        if start < 0 or end < 0:
            raise ValueError(f"account {account_id}: MRR cannot be negative")
        counts["start_mrr"] += start
        counts["end_mrr"] += end
        counts["accounts_at_start"] += start > 0
        counts["accounts_at_end"] += end > 0
        if start == 0 and end > 0:
            kind = "reactivation" if account_id in ever_paid_before else "new"
            counts[kind] += end
            counts["reactivated_accounts" if kind == "reactivation" else "new_accounts"] += 1
        elif start > 0 and end == 0:
            counts["churn"] += start
            counts["churned_accounts"] += 1
        elif start > 0 and end > start:
            counts["expansion"] += end - start
            counts["expanded_accounts"] += 1
        elif start > 0 and end < start:
            counts["contraction"] += start - end
            counts["contracted_accounts"] += 1
    movements = MrrMovements(**counts)
    assert movements.end_mrr == (
        movements.start_mrr
        + movements.new
        + movements.reactivation
        + movements.expansion
        - movements.contraction
        - movements.churn
    )
    return movements


@dataclass(frozen=True)
class MonthMovements:
    month: date
    movements: MrrMovements


def monthly_movements(
    changes: Iterable[MrrChange], *, first: date, last: date
) -> list[MonthMovements]:
    """Movements of every month from `first` to `last`, rebuilt from the whole history (so a
    restart is recognised as a reactivation however long ago the account paid)."""
    history = list(changes)
    earliest = min((month_of(c.effective_on) for c in history), default=first)
    start = min(earliest, first)
    snapshots = account_mrr_by_month(history, first=start, last=last)
    ever_paid: set[int] = set()
    previous: dict[int, int] = {}
    result = []
    for month in months_between(start, last):
        current = snapshots[month]
        if month >= first:
            result.append(MonthMovements(month, mrr_movements(previous, current, ever_paid)))
        ever_paid |= current.keys()
        previous = current
    return result


@dataclass(frozen=True)
class PeriodRetention:
    """Retention of the cohort of accounts with MRR at the start of a period (docs/metrics.md):
    NRR = their MRR at the end ÷ at the start; GRR caps each account at its start MRR; logo churn
    = cohort accounts without MRR at the end ÷ cohort accounts."""

    start_mrr: int
    cohort_end_mrr: int
    capped_end_mrr: int
    accounts_at_start: int
    churned_accounts: int

    @property
    def grr(self) -> float | None:
        return percent(self.capped_end_mrr, self.start_mrr)

    @property
    def nrr(self) -> float | None:
        return percent(self.cohort_end_mrr, self.start_mrr)

    @property
    def logo_churn(self) -> float | None:
        return percent(self.churned_accounts, self.accounts_at_start)


def period_retention(start: AccountMrr, end: AccountMrr) -> PeriodRetention:
    cohort = {a: cents for a, cents in start.items() if cents > 0}
    return PeriodRetention(
        start_mrr=sum(cohort.values()),
        cohort_end_mrr=sum(end.get(a, 0) for a in cohort),
        capped_end_mrr=sum(min(end.get(a, 0), cents) for a, cents in cohort.items()),
        accounts_at_start=len(cohort),
        churned_accounts=sum(1 for a in cohort if end.get(a, 0) <= 0),
    )


# --- cohorts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortCell:
    months_since_start: int
    paying_accounts: int
    mrr: int
    logo_retention: float | None
    revenue_retention: float | None


@dataclass
class Cohort:
    start_month: date
    accounts: int
    start_mrr: int
    cells: list[CohortCell] = field(default_factory=list)


def cohort_table(
    snapshots: Mapping[date, AccountMrr], *, first: date | None = None, last: date | None = None
) -> list[Cohort]:
    """Accounts grouped by the month they first ended with MRR (their start month), and for each
    month since: the share still paying and their MRR ÷ their MRR in the start month (which
    can exceed 100 % with expansion). `snapshots` must run from the first month of the history;
    `first`/`last` choose the start months shown (cells always run to the last snapshot)."""
    months = sorted(snapshots)
    started: dict[int, date] = {}
    for month in months:
        for account_id, cents in snapshots[month].items():
            if cents > 0:
                started.setdefault(account_id, month)
    members: dict[date, list[int]] = defaultdict(list)
    for account_id, month in started.items():
        members[month].append(account_id)
    table = []
    for index, month in enumerate(months):
        if month not in members or (first and month < first) or (last and month > last):
            continue
        accounts = members[month]
        start_mrr = sum(snapshots[month][a] for a in accounts)
        cohort = Cohort(start_month=month, accounts=len(accounts), start_mrr=start_mrr)
        for offset, later in enumerate(months[index:]):
            values = [snapshots[later].get(a, 0) for a in accounts]
            paying = sum(1 for v in values if v > 0)
            mrr = sum(values)
            cohort.cells.append(
                CohortCell(
                    months_since_start=offset,
                    paying_accounts=paying,
                    mrr=mrr,
                    logo_retention=percent(paying, len(accounts)),
                    revenue_retention=percent(mrr, start_mrr),
                )
            )
        table.append(cohort)
    return table


# --- renewals ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalCandidate:
    subscription_id: int
    account_id: int
    plan: str
    currency: str
    mrr_cents: int
    renewal_on: date


@dataclass(frozen=True)
class Renewal:
    candidate: RenewalCandidate
    days_until: int
    arr_cents: int
    at_risk: bool | None


@dataclass
class RenewalWindow:
    days: int
    subscriptions: dict[str, int] = field(default_factory=dict)  # currency → count
    arr_cents: dict[str, int] = field(default_factory=dict)  # currency → ARR due


RiskHook = Callable[[Sequence[RenewalCandidate]], Mapping[int, bool]]
"""Says which renewing subscriptions (by id) are at risk. Health scores will provide one; until
then no hook is given and `at_risk` is None (unknown), never False."""

DEFAULT_WINDOWS = (30, 60, 90)


def renewals_pipeline(
    candidates: Iterable[RenewalCandidate],
    *,
    today: date,
    windows: Sequence[int] = DEFAULT_WINDOWS,
    at_risk: RiskHook | None = None,
) -> tuple[list[RenewalWindow], list[Renewal]]:
    """Open subscriptions renewing within the next N days (`today ≤ renewal_on < today + N`),
    per window (cumulative) and currency, with the ARR due (12 × MRR); and the renewals of the
    widest window, soonest first."""
    horizon = max(windows)
    due = sorted(
        (c for c in candidates if today <= c.renewal_on < today + timedelta(days=horizon)),
        key=lambda c: (c.renewal_on, c.subscription_id),
    )
    risk = at_risk(due) if at_risk is not None and due else {}
    renewals = [
        Renewal(
            candidate=c,
            days_until=(c.renewal_on - today).days,
            arr_cents=12 * c.mrr_cents,
            at_risk=risk.get(c.subscription_id) if at_risk is not None else None,
        )
        for c in due
    ]
    result = []
    for days in sorted(windows):
        window = RenewalWindow(days=days)
        for renewal in renewals:
            if renewal.days_until < days:
                currency = renewal.candidate.currency
                window.subscriptions[currency] = window.subscriptions.get(currency, 0) + 1
                window.arr_cents[currency] = window.arr_cents.get(currency, 0) + renewal.arr_cents
        result.append(window)
    return result, renewals
