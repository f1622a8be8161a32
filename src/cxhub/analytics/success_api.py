"""`GET /api/v1/metrics/success`: MRR movements, GRR, NRR, logo churn, renewals with at-risk
ARR, health band distribution and adoption, whole or grouped (docs/metrics.md, "Customer
success summary"). The revenue dashboard page shows the same `success_metrics` result."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from cxhub.analytics import revenue_kpis
from cxhub.analytics.revenue_api import CurrencyParam, MonthParam, month_period
from cxhub.analytics.success_kpis import SuccessGroup, SuccessGroupBy, success_metrics
from cxhub.api.deps import DbSession, Principal, TransactionalRoute, get_runtime, require
from cxhub.core.errors import ValidationFailed
from cxhub.core.permissions import Permission

router = APIRouter(route_class=TransactionalRoute, tags=["metrics"])

GROUP_ALIASES = {"tier": SuccessGroupBy.SEGMENT}


class RevenueOut(BaseModel):
    start_mrr_cents: int
    end_mrr_cents: int
    new_cents: int
    reactivation_cents: int
    expansion_cents: int
    contraction_cents: int
    churn_cents: int
    accounts_at_start: int
    accounts_at_end: int
    churned_accounts: int = Field(description="Of the accounts paying at the start.")
    grr: float | None = Field(description="Percent, of the accounts paying at the start.")
    nrr: float | None = Field(description="Percent, of the accounts paying at the start.")
    logo_churn: float | None = Field(description="Percent of the accounts paying at the start.")


class RenewalWindowOut(BaseModel):
    days: int
    subscriptions: int
    arr_cents: int
    at_risk_subscriptions: int = Field(description="Accounts whose latest band is the worst.")
    at_risk_arr_cents: int
    unknown_risk_subscriptions: int = Field(description="Accounts never scored.")


class BandOut(BaseModel):
    band: str
    accounts: int
    share: float | None = Field(description="Of the scored accounts, 0–1.")


class HealthOut(BaseModel):
    scored: int
    unscored: int
    average_score: float | None
    bands: list[BandOut]


class AdoptionOut(BaseModel):
    accounts: int
    active_accounts: int = Field(description="With an active user in the last 30 days.")
    active_seats: int
    licensed_seats: int
    seat_utilisation: float | None = Field(description="0–1 (may exceed 1).")
    events_last_30_days: int
    events_previous_30_days: int
    usage_trend: float | None


class SuccessGroupOut(BaseModel):
    key: str | None = Field(description="Plan, tier, owner id or YYYY-MM; null: none set.")
    label: str
    accounts: int = Field(description="Accounts paying at the end: the health/adoption base.")
    revenue: RevenueOut
    renewals: list[RenewalWindowOut] | None = Field(description="null in month groups.")
    health: HealthOut
    adoption: AdoptionOut

    @classmethod
    def of(cls, group: SuccessGroup) -> SuccessGroupOut:
        totals, retention = group.revenue.totals, group.revenue.retention
        return cls(
            key=group.key,
            label=group.label,
            accounts=group.accounts,
            revenue=RevenueOut(
                start_mrr_cents=totals.start_mrr,
                end_mrr_cents=totals.end_mrr,
                new_cents=totals.new,
                reactivation_cents=totals.reactivation,
                expansion_cents=totals.expansion,
                contraction_cents=totals.contraction,
                churn_cents=totals.churn,
                accounts_at_start=totals.accounts_at_start,
                accounts_at_end=totals.accounts_at_end,
                churned_accounts=retention.churned_accounts,
                grr=retention.grr,
                nrr=retention.nrr,
                logo_churn=retention.logo_churn,
            ),
            renewals=None
            if group.renewals is None
            else [RenewalWindowOut(**w.__dict__) for w in group.renewals],
            health=HealthOut(
                scored=group.health.scored,
                unscored=group.health.unscored,
                average_score=group.health.average_score,
                bands=[BandOut(**b.__dict__) for b in group.health.bands],
            ),
            adoption=AdoptionOut(**group.adoption.__dict__),
        )


class SuccessMetricsOut(BaseModel):
    workspace_id: int
    currency: str | None = Field(description="null when the workspace has no subscriptions.")
    start: str = Field(serialization_alias="from")
    end: str = Field(serialization_alias="to")
    group_by: str
    today: date = Field(description="Renewals are due from this day.")
    total: SuccessGroupOut
    groups: list[SuccessGroupOut]


def parse_group_by(value: str) -> SuccessGroupBy:
    try:
        return GROUP_ALIASES.get(value) or SuccessGroupBy(value)
    except ValueError:
        choices = ", ".join([g.value for g in SuccessGroupBy] + list(GROUP_ALIASES))
        raise ValidationFailed(f"group_by is one of {choices}", field="group_by") from None


@router.get("/metrics/success", response_model=SuccessMetricsOut, response_model_by_alias=True)
def success_summary(
    request: Request,
    session: DbSession,
    start: Annotated[MonthParam, Query(alias="from")] = None,
    end: Annotated[MonthParam, Query(alias="to")] = None,
    group_by: Annotated[str, Query(max_length=20)] = SuccessGroupBy.NONE.value,
    currency: CurrencyParam = None,
    principal: Principal = require(Permission.SUCCESS_READ),
) -> SuccessMetricsOut:
    """For the months `from`–`to` (default the last 12): MRR movements, GRR, NRR and logo
    churn; renewals due in 30/60/90 days with at-risk ARR; the health band distribution and
    adoption of the accounts paying at the end — for the workspace (`total`) and per
    `group_by` (none, plan, segment or tier, owner, month). Definitions: docs/metrics.md."""
    grouping = parse_group_by(group_by)
    first, last = month_period(start, end)
    workspace_id = principal.workspace_id
    chosen = revenue_kpis.choose_currency(session, workspace_id=workspace_id, currency=currency)
    report = success_metrics(
        session,
        workspace_id=workspace_id,
        currency=chosen,
        first=first,
        last=last,
        group_by=grouping,
        now=datetime.now(UTC),
        data_dir=get_runtime(request).settings.data_dir,
    )
    return SuccessMetricsOut(
        workspace_id=workspace_id,
        currency=chosen,
        start=first.strftime("%Y-%m"),
        end=last.strftime("%Y-%m"),
        group_by=grouping.value,
        today=report.today,
        total=SuccessGroupOut.of(report.total),
        groups=[SuccessGroupOut.of(g) for g in report.groups],
    )
