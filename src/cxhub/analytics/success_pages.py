"""Customer-success pages: an account's health and usage, the revenue dashboard and the
expansion list (docs/web-ui.md).

Every number comes from the function the API answers with: `success.health.service.account_health`
(`GET /accounts/{id}/health`), `adoption.account_adoption` (`GET /accounts/{id}/usage`),
`success_kpis.success_metrics` (`GET /metrics/success`) and `success.expansion.service`
(`GET /expansion`). Charts are drawn by plotly.js from the installed `plotly` package
(`static/dashboard.js`, as on the service dashboard), with the data as tables underneath.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from cxhub.analytics import adoption, revenue_kpis
from cxhub.analytics.health import Scorecard
from cxhub.analytics.health_breakdown import component_scores_of_stored
from cxhub.analytics.pages import CHART_PAGE_HEADERS
from cxhub.analytics.revenue import (
    EARLIEST_MONTH,
    LATEST_MONTH,
    add_months,
    month_of,
    parse_month,
)
from cxhub.analytics.revenue_charts import revenue_charts
from cxhub.analytics.success_charts import (
    HealthPoint,
    health_charts,
    money,
    month_label,
    usage_charts,
)
from cxhub.analytics.success_kpis import SuccessGroupBy, success_metrics
from cxhub.analytics.success_messages import MESSAGES
from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.errors import ValidationFailed
from cxhub.core.permissions import Permission, Role
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import service as contacts
from cxhub.success.expansion import service as expansion
from cxhub.success.health import service as health
from cxhub.web.assets import plotly_js_url
from cxhub.web.auth import page_permission
from cxhub.web.shell import NavItem, Viewer, render, shell_of

__all__ = ["MESSAGES", "NAV", "router"]

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

SUCCESS_ROLES = frozenset({Role.CSM, Role.ADMIN, Role.ANALYST})
NAV = (
    NavItem(
        "Revenue",
        "/success/revenue",
        Permission.SUCCESS_READ,
        order=40,
        roles=SUCCESS_ROLES,
        icon="chart",
    ),
    NavItem(
        "Expansion",
        "/success/expansion",
        Permission.SUCCESS_READ,
        order=41,
        roles=SUCCESS_ROLES,
        icon="star",
    ),
)

CanReadSuccess = Annotated[Viewer, page_permission(Permission.SUCCESS_READ)]
CanReadCustomers = Annotated[Viewer, page_permission(Permission.CUSTOMERS_READ)]

MAX_MONTHS = 36
DEFAULT_MONTHS = 12
EXPANSION_PAGE_SIZE = 200

# Error messages (English message ids, translated when shown).
BAD_MONTH = "Enter months as year-month, for example 2026-03."
MONTHS_REVERSED = "The first month must not be after the last."
TOO_MANY_MONTHS = "Show at most 36 months."
ERROR_MESSAGES = (BAD_MONTH, MONTHS_REVERSED, TOO_MANY_MONTHS)
ACTION_LABELS = {"add_seats": "Add seats", "upgrade_plan": "Upgrade plan", "add_on": "Add-on"}


def _chart_context(viewer: Viewer) -> dict[str, Any]:
    return {"plotly_url": plotly_js_url(), "separators": viewer.fmt.separators}


def _scorecard(session: Session, scorecard_id: int | None) -> Scorecard | None:
    if scorecard_id is None:
        return None
    return health.definition_of(health.get_scorecard(session, scorecard_id=scorecard_id))


@router.get("/accounts/{account_id}/health", response_class=HTMLResponse)
def account_health_page(
    request: Request, account_id: int, session: DbSession, viewer: CanReadSuccess
) -> HTMLResponse:
    account = accounts.get_account(session, account_id=account_id)
    found = health.account_health(session, account_id=account.id)
    card = _scorecard(session, found.scorecard_id)
    labels = {c.metric: c.label or c.metric for c in card.components} if card else {}
    bands = [(b.name, b.min_score) for b in card.bands] if card else []
    points = [
        HealthPoint(
            row.day.isoformat(),
            row.score,
            component_scores_of_stored(row.components),
        )
        for row in found.history
    ]
    translate = shell_of(request).translator(viewer.language)
    context = {
        "account": account,
        "health": found,
        "labels": labels,
        "charts": health_charts(
            points, labels=labels, fmt=viewer.fmt, translate=translate, bands=bands
        ),
    } | _chart_context(viewer)
    return render(request, "success/health.html", context, headers=CHART_PAGE_HEADERS)


@router.get("/accounts/{account_id}/usage", response_class=HTMLResponse)
def account_usage_page(
    request: Request, account_id: int, session: DbSession, viewer: CanReadCustomers
) -> HTMLResponse:
    principal = viewer.principal
    assert principal is not None
    account = accounts.get_account(session, account_id=account_id)
    moment = datetime.now(UTC)
    start, end = adoption.usage_window(moment)
    user_ids = contacts.external_ids_of_account(session, account_id=account.id)
    live = revenue_kpis.live_seats(
        session, workspace_id=principal.workspace_id, account_id=account.id, today=moment.date()
    )
    with adoption.open_events(
        session,
        workspace_id=principal.workspace_id,
        data_dir=get_runtime(request).settings.data_dir,
        start=start,
        end=end,
    ) as connection:
        usage = adoption.account_adoption(
            connection,
            user_ids=user_ids,
            as_of=moment,
            licensed_seats=live or adoption.licensed_seats_of(account.custom_attributes),
        )
        trend = adoption.account_active_users_trend(connection, user_ids=user_ids, as_of=moment)
    translate = shell_of(request).translator(viewer.language)
    context = {
        "account": account,
        "usage": usage,
        "product_users": len(user_ids),
        "charts": usage_charts(trend, usage, fmt=viewer.fmt, translate=translate),
    } | _chart_context(viewer)
    return render(request, "success/usage.html", context, headers=CHART_PAGE_HEADERS)


def _months(first: str, last: str, today: date) -> tuple[date, date]:
    """The months of the revenue dashboard; ValueError with a message id otherwise."""
    try:
        end = parse_month(last.strip()) if last.strip() else month_of(today)
        start = parse_month(first.strip()) if first.strip() else add_months(end, 1 - DEFAULT_MONTHS)
    except (ValueError, OverflowError):
        raise ValueError(BAD_MONTH) from None
    if not EARLIEST_MONTH <= start <= LATEST_MONTH or not EARLIEST_MONTH <= end <= LATEST_MONTH:
        raise ValueError(BAD_MONTH)
    if start > end:
        raise ValueError(MONTHS_REVERSED)
    if add_months(start, MAX_MONTHS) <= end:
        raise ValueError(TOO_MANY_MONTHS)
    return start, end


@router.get("/success/revenue", response_class=HTMLResponse)
def revenue_dashboard(
    request: Request,
    session: DbSession,
    viewer: CanReadSuccess,
    first: Annotated[str, Query(alias="from", max_length=20)] = "",
    last: Annotated[str, Query(alias="to", max_length=20)] = "",
    currency: Annotated[str | None, Query(max_length=3)] = None,
) -> HTMLResponse:
    principal = viewer.principal
    assert principal is not None
    now = datetime.now(UTC)
    context: dict[str, Any] = {"first": first, "last": last, "error": None}
    try:
        start, end = _months(first, last, now.date())
        chosen = revenue_kpis.choose_currency(
            session, workspace_id=principal.workspace_id, currency=currency
        )
    except ValidationFailed as error:
        context["error"] = error.detail
        return render(request, "success/revenue.html", context, status_code=400)
    except ValueError as error:
        context["error"] = str(error)
        return render(request, "success/revenue.html", context, status_code=400)
    report = success_metrics(
        session,
        workspace_id=principal.workspace_id,
        currency=chosen,
        first=start,
        last=end,
        group_by=SuccessGroupBy.MONTH,
        now=now,
        data_dir=get_runtime(request).settings.data_dir,
    )
    total = report.total
    totals = total.revenue.totals
    translate = shell_of(request).translator(viewer.language)

    def amount(cents: int | None) -> str:
        return money(viewer.fmt, cents, chosen)

    charts = revenue_charts(
        start_mrr=totals.start_mrr,
        movements={
            "new": totals.new,
            "reactivation": totals.reactivation,
            "expansion": totals.expansion,
            "contraction": totals.contraction,
            "churn": totals.churn,
        },
        end_mrr=totals.end_mrr,
        months=[m for g in report.groups for m in g.revenue.months],
        renewals=total.renewals or [],
        health=total.health,
        money=amount,
        fmt=viewer.fmt,
        translate=translate,
    )
    names = accounts.account_profiles(
        session, account_ids={r.candidate.account_id for r in report.renewals}
    )
    context |= {
        "first": start.strftime("%Y-%m"),
        "last": end.strftime("%Y-%m"),
        "period": (month_label(viewer.fmt, start), month_label(viewer.fmt, end)),
        "currency": chosen,
        "report": report,
        "total": total,
        "amount": amount,
        "charts": charts,
        "renewals": report.renewals,
        "names": {a: r.name for a, r in names.items()},
    } | _chart_context(viewer)
    return render(request, "success/revenue.html", context, headers=CHART_PAGE_HEADERS)


@router.get("/success/expansion", response_class=HTMLResponse)
def expansion_list(
    request: Request,
    session: DbSession,
    viewer: CanReadSuccess,
    action: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    principal = viewer.principal
    assert principal is not None
    context: dict[str, Any] = {"action": action, "actions": ACTION_LABELS, "error": None}
    if action and action not in ACTION_LABELS:
        context["error"] = "Choose a kind of opportunity from the list."
        return render(request, "success/expansion.html", context, status_code=400)
    runtime = get_runtime(request)
    try:
        report = expansion.opportunities(
            session,
            workspace_id=principal.workspace_id,
            as_of=datetime.now(UTC),
            data_dir=runtime.settings.data_dir,
            actions={action} if action else None,
            limit=EXPANSION_PAGE_SIZE,
            stored=True,  # the snapshot of the day (ADR 0044)
            writer=runtime.session_factory,
        )
    except ValidationFailed as error:
        context["error"] = error.detail
        return render(request, "success/expansion.html", context, status_code=400)
    context |= {
        "report": report,
        "opportunities": report.opportunities,
        "total": report.total,
        "upside": report.arr_upside_cents,
        "amount": lambda cents: money(viewer.fmt, cents, report.currency),
    }
    return render(request, "success/expansion.html", context)
