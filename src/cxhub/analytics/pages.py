"""The service dashboard (`/service/dashboard`): KPI tiles, charts and a breakdown table.

Every number comes from `service_kpis` (the same function as `GET /api/v1/metrics/service`); this
module only picks the period, asks for the groupings it shows, and turns the groups into tiles,
chart series (drawn by plotly.js in the browser, `static/dashboard.js`) and drill-down links into
the inbox (or the ticket list API where the inbox has no matching filter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from cxhub.analytics.dashboard_charts import CHANNEL_LABELS, Chart, build_charts
from cxhub.analytics.service_kpis import MAX_PERIOD, GroupBy, KpiGroup, check_period, service_kpis
from cxhub.api.deps import DbSession, TransactionalRoute
from cxhub.core.db import utcnow
from cxhub.core.pagination import MAX_LIMIT, PageRequest
from cxhub.core.permissions import Permission, Role
from cxhub.people import service as people
from cxhub.service.tickets.models import TicketPriority
from cxhub.web.assets import plotly_js_url
from cxhub.web.auth import page_permission
from cxhub.web.formatting import UNDEFINED, zone
from cxhub.web.i18n import Translator
from cxhub.web.shell import PAGE_HEADERS, NavItem, Viewer, render, shell_of

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NAV = (
    NavItem(
        "Dashboard",
        "/service/dashboard",
        Permission.TICKETS_READ,
        order=6,
        roles=frozenset({Role.AGENT, Role.ADMIN, Role.ANALYST}),
        icon="chart",
    ),
)

CanRead = Annotated[Viewer, page_permission(Permission.TICKETS_READ)]

# plotly.js positions its SVG layers and drag covers with a stylesheet and style attributes it
# writes at run time; without them clicks miss the bars. Chart pages therefore allow inline
# *styles* (never inline scripts): the policy is otherwise the shell's.
CHART_PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_HEADERS["Content-Security-Policy"].replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    )
}

PRESET_DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
#: The breakdowns the table offers; the per-agent workload first.
BREAKDOWNS = (GroupBy.ASSIGNEE, GroupBy.TEAM, GroupBy.CHANNEL, GroupBy.PRIORITY, GroupBy.DAY)

# Error messages (English message ids, translated when shown).
BAD_DATES = "Enter both dates of a custom period as year-month-day."
DATES_REVERSED = "The start date must be on or before the end date."
PERIOD_TOO_LONG = "A period may span at most 3 years."
BAD_PERIOD = "Choose 7, 30 or 90 days, or a custom period."
BAD_BREAKDOWN = "Choose a breakdown from the list."
ERROR_MESSAGES = (BAD_DATES, DATES_REVERSED, PERIOD_TOO_LONG, BAD_PERIOD, BAD_BREAKDOWN)


class PeriodInvalid(ValueError):
    """A period the form cannot show; `message` is the English message id to display."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Period:
    """`[start, end)` in UTC, and what the form shows (the preset, or the local dates)."""

    start: datetime
    end: datetime
    preset: str
    first_day: date
    last_day: date

    def query(self, **extra: str) -> str:
        """The dashboard's own query string for this period (links that keep the period)."""
        params = {"period": self.preset}
        if self.preset == "custom":
            params |= {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}
        return urlencode(params | extra)


def parse_period(preset: str, first: str, last: str, *, time_zone: tzinfo, now: datetime) -> Period:
    """A preset (the last 7/30/90 days up to now) or a custom range of whole local days."""
    if preset != "custom":
        if preset not in {str(days) for days in PRESET_DAYS}:
            raise PeriodInvalid(BAD_PERIOD)
        start = now - timedelta(days=int(preset))
        local = now.astimezone(time_zone)
        return Period(start, now, preset, start.astimezone(time_zone).date(), local.date())
    try:
        first_day, last_day = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError:
        raise PeriodInvalid(BAD_DATES) from None
    if first_day > last_day:
        raise PeriodInvalid(DATES_REVERSED)
    try:
        start = datetime.combine(first_day, time(), time_zone).astimezone(UTC)
        end = datetime.combine(last_day + timedelta(days=1), time(), time_zone).astimezone(UTC)
    except OverflowError:  # the first or last day of the calendar
        raise PeriodInvalid(BAD_DATES) from None
    if end - start > MAX_PERIOD:
        raise PeriodInvalid(PERIOD_TOO_LONG)
    check_period(start, end)
    return Period(start, end, "custom", first_day, last_day)


def inbox_url(view: str = "all", /, **filters: object) -> str:
    """A link to the inbox narrowed by the drill-down filters it understands."""
    params: dict[str, str] = {"view": view}
    for name, value in filters.items():
        if value is None:
            continue
        params[name] = value.isoformat() if isinstance(value, datetime) else str(value)
    return "/tickets?" + urlencode(params)


def api_tickets_url(**filters: object) -> str:
    """The ticket list API, for a drill-down the inbox has no filter for (team, priority)."""
    return "/api/v1/tickets?" + urlencode({k: str(v) for k, v in filters.items()})


@dataclass(frozen=True)
class BreakdownRow:
    key: str | None
    label: str
    kpis: KpiGroup
    open_href: str | None
    solved_href: str | None
    created_href: str | None


def _breakdown(
    group_by: GroupBy,
    groups: list[KpiGroup],
    period: Period,
    label_of: Callable[[str | None], str],
) -> list[BreakdownRow]:
    rows: list[BreakdownRow] = []
    created = {"created_from": period.start, "created_to": period.end}
    solved = {"solved_from": period.start, "solved_to": period.end}
    for group in groups:
        key = group.key
        label = label_of(key)
        open_href = solved_href = created_href = None
        if group_by == GroupBy.ASSIGNEE:
            if key is None:
                open_href = inbox_url("unassigned")
            else:
                open_href = inbox_url("all-unsolved", assignee_id=key)
                solved_href = inbox_url(assignee_id=key, **solved)
                created_href = inbox_url(assignee_id=key, **created)
        elif group_by == GroupBy.CHANNEL and key is not None:
            open_href = inbox_url("all-unsolved", channel=key)
            solved_href = inbox_url(channel=key, **solved)
            created_href = inbox_url(channel=key, **created)
        elif group_by == GroupBy.DAY and key is not None:
            day = datetime.combine(date.fromisoformat(key), time(), UTC)
            next_day = day + timedelta(days=1)
            solved_href = inbox_url(solved_from=day, solved_to=next_day)
            created_href = inbox_url(created_from=day, created_to=next_day)
        elif group_by == GroupBy.TEAM and key is not None:
            open_href = api_tickets_url(team_id=key)
        elif group_by == GroupBy.PRIORITY and key is not None:
            open_href = api_tickets_url(priority=key)
        rows.append(BreakdownRow(key, label, group, open_href, solved_href, created_href))
    return rows


def _labeller(
    session: Session, group_by: GroupBy, viewer: Viewer, translate: Translator
) -> Callable[[str | None], str]:
    """Readable labels of group keys: people and team names, channels, priorities, days."""
    names: dict[str, str] = {}
    missing = ""
    if group_by == GroupBy.ASSIGNEE:
        users = people.list_users(session, page=PageRequest(limit=MAX_LIMIT)).items
        names = {str(user.id): user.name for user in users}
        missing = translate("Unassigned")
    elif group_by == GroupBy.TEAM:
        teams = people.list_teams(session, page=PageRequest(limit=MAX_LIMIT)).items
        names = {str(team.id): team.name for team in teams}
        missing = translate("No team")
    elif group_by == GroupBy.CHANNEL:
        names = {key: translate(label) for key, label in CHANNEL_LABELS.items()}
    elif group_by == GroupBy.PRIORITY:
        names = {p.value: translate(p.value) for p in TicketPriority}

    def label_of(key: str | None) -> str:
        if key is None:
            return missing or UNDEFINED
        if group_by == GroupBy.DAY:
            return viewer.fmt.day(date.fromisoformat(key))
        return names.get(key, key)

    return label_of


@router.get("/service/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: DbSession,
    viewer: CanRead,
    period: Annotated[str, Query(max_length=10)] = str(DEFAULT_DAYS),
    first: Annotated[str, Query(alias="from", max_length=20)] = "",
    last: Annotated[str, Query(alias="to", max_length=20)] = "",
    group_by: Annotated[str, Query(max_length=20)] = GroupBy.ASSIGNEE.value,
) -> HTMLResponse:
    principal = viewer.principal
    assert principal is not None  # page_permission admits signed-in viewers only
    context: dict[str, Any] = {
        "presets": PRESET_DAYS,
        "preset": period,
        "first": first,
        "last": last,
        "breakdowns": BREAKDOWNS,
        "group_by": group_by,
        "error": None,
    }
    try:
        breakdown = GroupBy(group_by)
        if breakdown not in BREAKDOWNS:
            raise PeriodInvalid(BAD_BREAKDOWN)
        chosen = parse_period(period, first, last, time_zone=zone(viewer.time_zone), now=utcnow())
    except ValueError as error:
        context["error"] = error.message if isinstance(error, PeriodInvalid) else BAD_BREAKDOWN
        return render(request, "analytics/dashboard.html", context, status_code=400)

    def kpis(group: GroupBy) -> list[KpiGroup]:
        return service_kpis(
            session,
            workspace_id=principal.workspace_id,
            start=chosen.start,
            end=chosen.end,
            group_by=group,
        )

    total = next(g for g in kpis(GroupBy.NONE) if g.key is None)
    by_day = kpis(GroupBy.DAY)
    by_channel = kpis(GroupBy.CHANNEL)
    groups = {GroupBy.DAY: by_day, GroupBy.CHANNEL: by_channel}.get(breakdown) or kpis(breakdown)
    translate = shell_of(request).translator(viewer.language)
    charts: list[Chart] = build_charts(
        total=total,
        by_day=by_day,
        by_channel=by_channel,
        start=chosen.start,
        end=chosen.end,
        fmt=viewer.fmt,
        translate=translate,
        inbox_url=inbox_url,
    )
    context |= {
        "period": chosen,
        "first": chosen.first_day.isoformat(),
        "last": chosen.last_day.isoformat(),
        "kpis": total,
        "charts": charts,
        "rows": _breakdown(
            breakdown, groups, chosen, _labeller(session, breakdown, viewer, translate)
        ),
        "plotly_url": plotly_js_url(),
        "separators": viewer.fmt.separators,
        "breached_href": inbox_url(
            sla_breached="true", created_from=chosen.start, created_to=chosen.end
        ),
        "created_href": inbox_url(created_from=chosen.start, created_to=chosen.end),
        "solved_href": inbox_url(solved_from=chosen.start, solved_to=chosen.end),
    }
    return render(request, "analytics/dashboard.html", context, headers=CHART_PAGE_HEADERS)
