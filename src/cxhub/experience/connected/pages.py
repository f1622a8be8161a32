"""The CX dashboard (`/experience`): the period form, then each registered section
(sections.py) drawn by its own partial. Charts are plotly.js in the browser (`dashboard.js`),
with a data table under each for readers without JavaScript."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cxhub.analytics.connected_experience import DEFAULT_WINDOW_DAYS
from cxhub.analytics.pages import CHART_PAGE_HEADERS, PRESET_DAYS, PeriodInvalid, parse_period
from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.db import utcnow
from cxhub.core.permissions import Permission, Role
from cxhub.experience.connected.messages import MESSAGES as MESSAGES
from cxhub.experience.connected.sections import SectionRequest, all_sections
from cxhub.web.assets import plotly_js_url
from cxhub.web.auth import page_permission
from cxhub.web.formatting import zone
from cxhub.web.shell import NavItem, Viewer, render, shell_of

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NAV = (
    NavItem(
        "Experience",
        "/experience",
        Permission.INTERACTIONS_READ,
        order=7,
        roles=frozenset({Role.ADMIN, Role.ANALYST, Role.CSM, Role.AGENT}),
        icon="chart",
    ),
)

CanRead = Annotated[Viewer, page_permission(Permission.INTERACTIONS_READ)]
DEFAULT_DAYS = 90
WINDOW_CHOICES = (1, 3, 7, 14, 30)
BAD_WINDOW = "Choose a repeat window from the list."


@router.get("/experience", response_class=HTMLResponse)
def dashboard(
    request: Request,
    session: DbSession,
    viewer: CanRead,
    period: Annotated[str, Query(max_length=10)] = str(DEFAULT_DAYS),
    first: Annotated[str, Query(alias="from", max_length=20)] = "",
    last: Annotated[str, Query(alias="to", max_length=20)] = "",
    window: Annotated[str, Query(max_length=4)] = str(DEFAULT_WINDOW_DAYS),
) -> HTMLResponse:
    principal = viewer.principal
    assert principal is not None  # page_permission admits signed-in viewers only
    context: dict[str, Any] = {
        "presets": PRESET_DAYS,
        "preset": period,
        "first": first,
        "last": last,
        "windows": WINDOW_CHOICES,
        "window": window,
        "error": None,
        "sections": [],
    }
    try:
        if window not in {str(w) for w in WINDOW_CHOICES}:
            raise PeriodInvalid(BAD_WINDOW)
        chosen = parse_period(period, first, last, time_zone=zone(viewer.time_zone), now=utcnow())
    except PeriodInvalid as error:
        context["error"] = error.message
        return render(request, "experience/dashboard.html", context, status_code=400)
    section_request = SectionRequest(
        session=session,
        workspace_id=principal.workspace_id,
        since=chosen.start,
        until=chosen.end,
        window_days=int(window),
        fmt=viewer.fmt,
        translate=shell_of(request).translator(viewer.language),
        data_dir=get_runtime(request).settings.data_dir,
    )
    context |= {
        "period": chosen,
        "first": chosen.first_day.isoformat(),
        "last": chosen.last_day.isoformat(),
        "sections": [
            (section, section.build(section_request))
            for section in all_sections()
            if section.permission is None or viewer.can(section.permission)
        ],
        "plotly_url": plotly_js_url(),
        "separators": viewer.fmt.separators,
    }
    return render(request, "experience/dashboard.html", context, headers=CHART_PAGE_HEADERS)
