"""Revenue metric routes: `GET /api/v1/metrics/revenue`, `…/revenue/cohorts`, `/metrics/renewals`.

Every figure is in one currency (docs/revenue.md): a workspace billing in several must name one.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from cxhub.analytics import revenue_kpis
from cxhub.analytics.revenue import (
    EARLIEST_MONTH,
    LATEST_MONTH,
    Cohort,
    MonthMovements,
    PeriodRetention,
    Renewal,
    add_months,
    month_of,
    parse_month,
)
from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.errors import ValidationFailed
from cxhub.core.permissions import Permission

router = APIRouter(route_class=TransactionalRoute, tags=["metrics"])

MAX_MONTHS = 120
MonthParam = Annotated[
    str | None, Query(pattern=r"^\d{4}-\d{2}$", examples=["2026-03"], description="YYYY-MM")
]
CurrencyParam = Annotated[
    str | None, Query(min_length=3, max_length=3, examples=["EUR"], description="ISO 4217")
]


class MonthRevenue(BaseModel):
    month: str = Field(examples=["2026-03"])
    start_mrr_cents: int
    end_mrr_cents: int
    new_cents: int
    reactivation_cents: int
    expansion_cents: int
    contraction_cents: int
    churn_cents: int
    accounts_at_start: int
    accounts_at_end: int
    new_accounts: int
    reactivated_accounts: int
    expanded_accounts: int
    contracted_accounts: int
    churned_accounts: int
    grr: float | None = Field(description="Percent; null when nothing was paying at the start.")
    nrr: float | None = Field(description="Percent; null when nothing was paying at the start.")
    logo_churn: float | None = Field(description="Percent of the accounts paying at the start.")

    @classmethod
    def of(cls, item: MonthMovements) -> MonthRevenue:
        m = item.movements
        return cls(
            month=item.month.strftime("%Y-%m"),
            start_mrr_cents=m.start_mrr,
            end_mrr_cents=m.end_mrr,
            new_cents=m.new,
            reactivation_cents=m.reactivation,
            expansion_cents=m.expansion,
            contraction_cents=m.contraction,
            churn_cents=m.churn,
            accounts_at_start=m.accounts_at_start,
            accounts_at_end=m.accounts_at_end,
            new_accounts=m.new_accounts,
            reactivated_accounts=m.reactivated_accounts,
            expanded_accounts=m.expanded_accounts,
            contracted_accounts=m.contracted_accounts,
            churned_accounts=m.churned_accounts,
            grr=m.grr,
            nrr=m.nrr,
            logo_churn=m.logo_churn,
        )


class PeriodRevenue(BaseModel):
    """The accounts paying at the start of `from`, followed to the end of `to`."""

    start_mrr_cents: int
    end_mrr_cents: int = Field(description="All accounts' MRR at the end of `to`.")
    cohort_end_mrr_cents: int
    accounts_at_start: int
    churned_accounts: int
    grr: float | None
    nrr: float | None
    logo_churn: float | None

    @classmethod
    def of(cls, period: PeriodRetention, end_mrr: int) -> PeriodRevenue:
        return cls(
            start_mrr_cents=period.start_mrr,
            end_mrr_cents=end_mrr,
            cohort_end_mrr_cents=period.cohort_end_mrr,
            accounts_at_start=period.accounts_at_start,
            churned_accounts=period.churned_accounts,
            grr=period.grr,
            nrr=period.nrr,
            logo_churn=period.logo_churn,
        )


class RevenueMetricsOut(BaseModel):
    workspace_id: int
    currency: str | None = Field(description="null when the workspace has no subscriptions.")
    start: str = Field(serialization_alias="from")
    end: str = Field(serialization_alias="to")
    months: list[MonthRevenue]
    period: PeriodRevenue


class CohortCellOut(BaseModel):
    months_since_start: int
    paying_accounts: int
    mrr_cents: int
    logo_retention: float | None
    revenue_retention: float | None


class CohortOut(BaseModel):
    start_month: str
    accounts: int
    start_mrr_cents: int
    cells: list[CohortCellOut]

    @classmethod
    def of(cls, cohort: Cohort) -> CohortOut:
        return cls(
            start_month=cohort.start_month.strftime("%Y-%m"),
            accounts=cohort.accounts,
            start_mrr_cents=cohort.start_mrr,
            cells=[
                CohortCellOut(
                    months_since_start=c.months_since_start,
                    paying_accounts=c.paying_accounts,
                    mrr_cents=c.mrr,
                    logo_retention=c.logo_retention,
                    revenue_retention=c.revenue_retention,
                )
                for c in cohort.cells
            ],
        )


class CohortsOut(BaseModel):
    workspace_id: int
    currency: str | None
    start: str = Field(serialization_alias="from")
    end: str = Field(serialization_alias="to")
    cohorts: list[CohortOut]


class RenewalWindowOut(BaseModel):
    days: int
    subscriptions: dict[str, int] = Field(description="Per currency.")
    arr_cents: dict[str, int] = Field(description="ARR due (12 × MRR) per currency.")


class RenewalOut(BaseModel):
    subscription_id: int
    account_id: int
    plan: str
    currency: str
    mrr_cents: int
    arr_cents: int
    renewal_on: date
    days_until: int
    at_risk: bool | None = Field(description="null until health scores provide a risk signal.")

    @classmethod
    def of(cls, renewal: Renewal) -> RenewalOut:
        c = renewal.candidate
        return cls(
            subscription_id=c.subscription_id,
            account_id=c.account_id,
            plan=c.plan,
            currency=c.currency,
            mrr_cents=c.mrr_cents,
            arr_cents=renewal.arr_cents,
            renewal_on=c.renewal_on,
            days_until=renewal.days_until,
            at_risk=renewal.at_risk,
        )


class RenewalsOut(BaseModel):
    workspace_id: int
    today: date
    windows: list[RenewalWindowOut]
    renewals: list[RenewalOut]


def _parsed_month(text: str, name: str) -> date:
    try:
        return parse_month(text)
    except ValueError:
        raise ValidationFailed(f"{name} is not a month (YYYY-MM)", field=name) from None


def month_period(start: str | None, end: str | None) -> tuple[date, date]:
    """The months `from`–`to` of a report (default: the 12 months up to this one), within
    EARLIEST_MONTH–LATEST_MONTH and at most MAX_MONTHS long; ValidationFailed (422) otherwise."""
    last = _parsed_month(end, "to") if end else month_of(datetime.now(UTC).date())
    _check_bounds(last, "to")
    first = _parsed_month(start, "from") if start else max(add_months(last, -11), EARLIEST_MONTH)
    _check_bounds(first, "from")
    if first > last:
        raise ValidationFailed("from must not be after to", field="from")
    if add_months(first, MAX_MONTHS) <= last:
        raise ValidationFailed(f"the period may span at most {MAX_MONTHS} months", field="from")
    return first, last


def _check_bounds(month: date, name: str) -> None:
    if not EARLIEST_MONTH <= month <= LATEST_MONTH:
        raise ValidationFailed(
            f"{name} must fall between {EARLIEST_MONTH:%Y-%m} and {LATEST_MONTH:%Y-%m}", field=name
        )


@router.get("/metrics/revenue", response_model=RevenueMetricsOut, response_model_by_alias=True)
def revenue_metrics(
    session: DbSession,
    start: Annotated[MonthParam, Query(alias="from")] = None,
    end: Annotated[MonthParam, Query(alias="to")] = None,
    currency: CurrencyParam = None,
    principal: Principal = require(Permission.SUCCESS_READ),
) -> RevenueMetricsOut:
    """MRR movements month by month (new, reactivation, expansion, contraction, churn), start and
    end MRR, GRR, NRR and logo churn, for the months `from`–`to` (both included; default the
    last 12 months). Definitions: docs/metrics.md."""
    first, last = month_period(start, end)
    workspace_id = principal.workspace_id
    chosen = revenue_kpis.choose_currency(session, workspace_id=workspace_id, currency=currency)
    months, period = revenue_kpis.revenue_months(
        session, workspace_id=workspace_id, currency=chosen, first=first, last=last
    )
    return RevenueMetricsOut(
        workspace_id=workspace_id,
        currency=chosen,
        start=first.strftime("%Y-%m"),
        end=last.strftime("%Y-%m"),
        months=[MonthRevenue.of(m) for m in months],
        period=PeriodRevenue.of(period, months[-1].movements.end_mrr),
    )


@router.get("/metrics/revenue/cohorts", response_model=CohortsOut, response_model_by_alias=True)
def revenue_cohorts(
    session: DbSession,
    start: Annotated[MonthParam, Query(alias="from")] = None,
    end: Annotated[MonthParam, Query(alias="to")] = None,
    currency: CurrencyParam = None,
    principal: Principal = require(Permission.SUCCESS_READ),
) -> CohortsOut:
    """Accounts by the month they started paying (`from`–`to`) × months since: the share still
    paying and their revenue retention, up to `to`."""
    first, last = month_period(start, end)
    workspace_id = principal.workspace_id
    chosen = revenue_kpis.choose_currency(session, workspace_id=workspace_id, currency=currency)
    cohorts = revenue_kpis.revenue_cohorts(
        session, workspace_id=workspace_id, currency=chosen, first=first, last=last
    )
    return CohortsOut(
        workspace_id=workspace_id,
        currency=chosen,
        start=first.strftime("%Y-%m"),
        end=last.strftime("%Y-%m"),
        cohorts=[CohortOut.of(c) for c in cohorts],
    )


@router.get("/metrics/renewals", response_model=RenewalsOut)
def renewals(
    session: DbSession,
    today: date | None = Query(default=None, description="Default: today (UTC)."),
    currency: CurrencyParam = None,
    principal: Principal = require(Permission.SUCCESS_READ),
) -> RenewalsOut:
    """Open subscriptions renewing in the next 30, 60 and 90 days with the ARR due, totalled per
    currency (never across currencies), soonest first."""
    day = today or datetime.now(UTC).date()
    code = None
    if currency is not None:
        code = revenue_kpis.choose_currency(
            session, workspace_id=principal.workspace_id, currency=currency
        )
    windows, items = revenue_kpis.renewals(
        session, workspace_id=principal.workspace_id, today=day, currency=code
    )
    return RenewalsOut(
        workspace_id=principal.workspace_id,
        today=day,
        windows=[
            RenewalWindowOut(days=w.days, subscriptions=w.subscriptions, arr_cents=w.arr_cents)
            for w in windows
        ],
        renewals=[RenewalOut.of(r) for r in items],
    )
