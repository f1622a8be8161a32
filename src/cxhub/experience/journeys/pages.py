"""Journey pages: the list, the editor (name, description, stages and rules as JSON, admins
only) and the analytics page (funnel and Sankey drawn by plotly.js from the installed `plotly`
package, time in stage and NPS/sentiment tables). Every number comes from
`analytics.journey_analytics`, what `GET /api/v1/journeys/{id}/analytics` answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from cxhub.analytics.pages import CHART_PAGE_HEADERS
from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.core.errors import DomainError
from cxhub.core.permissions import Permission, Role
from cxhub.experience.journeys import analytics, service
from cxhub.experience.journeys.charts import funnel_spec, sankey_spec
from cxhub.experience.journeys.messages import MESSAGES
from cxhub.experience.journeys.models import Journey
from cxhub.experience.journeys.schemas import JourneyIn
from cxhub.web.assets import plotly_js_url
from cxhub.web.auth import CsrfProtected, page_permission
from cxhub.web.flash import add_flash
from cxhub.web.shell import NavItem, Viewer, render, shell_of

__all__ = ["MESSAGES", "NAV", "TEMPLATES_DIR", "router"]

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
NAV = (
    NavItem(
        "Journeys",
        "/journeys",
        Permission.INTERACTIONS_READ,
        order=45,
        roles=frozenset({Role.ADMIN, Role.CSM, Role.ANALYST}),
        icon="chart",
    ),
)
CanRead = Annotated[Viewer, page_permission(Permission.INTERACTIONS_READ)]
CanConfigure = Annotated[Viewer, page_permission(Permission.JOURNEYS_CONFIGURE)]
SAVED = "Journey saved."
BAD_JSON = "The stages are not valid JSON."
BAD_DATE = "Enter dates as year-month-day."
DEFAULT_DAYS = 90


def _workspace(viewer: Viewer) -> int:
    assert viewer.principal is not None  # page_permission admitted a signed-in viewer
    return viewer.principal.workspace_id


@router.get("/journeys", response_class=HTMLResponse)
def journeys_page(request: Request, session: DbSession, viewer: CanRead) -> HTMLResponse:
    principal = viewer.principal
    assert principal is not None
    return render(
        request,
        "journeys/list.html",
        {
            "journeys": service.list_journeys(session),
            "can_configure": principal.can(Permission.JOURNEYS_CONFIGURE),
        },
    )


def _editor(
    request: Request,
    journey: Journey | None,
    *,
    name: str,
    description: str,
    stages: str,
    active: bool,
    error: str | None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "journeys/edit.html",
        {
            "journey": journey,
            "name": name,
            "description": description,
            "stages": stages,
            "active": active,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/journeys/new", response_class=HTMLResponse)
def new_journey(request: Request, viewer: CanConfigure) -> HTMLResponse:
    return _editor(request, None, name="", description="", stages="", active=True, error=None)


@router.get("/journeys/{journey_id}/edit", response_class=HTMLResponse)
def edit_journey(
    request: Request, journey_id: int, session: DbSession, viewer: CanConfigure
) -> HTMLResponse:
    journey = service.get_journey(session, journey_id=journey_id)
    return _editor(
        request,
        journey,
        name=journey.name,
        description=journey.description,
        stages=json.dumps(journey.stages, indent=2, ensure_ascii=False),
        active=journey.active,
        error=None,
    )


def _parse(name: str, description: str, stages: str, active: bool) -> JourneyIn:
    parsed = json.loads(stages) if stages.strip() else None
    return JourneyIn(name=name, description=description, stages=parsed, active=active)


def _validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return f"{where}: {first.get('msg', '')}" if where else str(first.get("msg", ""))


def _save(
    request: Request,
    session: DbSession,
    viewer: Viewer,
    journey_id: int | None,
    name: str,
    description: str,
    stages: str,
    active: bool,
) -> RedirectResponse | HTMLResponse:
    journey = service.get_journey(session, journey_id=journey_id) if journey_id else None
    try:
        data = _parse(name, description, stages, active)
        if journey is None:
            journey = service.create_journey(session, workspace_id=_workspace(viewer), data=data)
        else:
            journey = service.update_journey(session, journey_id=journey.id, data=data)
    except json.JSONDecodeError:
        error = shell_of(request).translator(viewer.language)(BAD_JSON)
    except ValidationError as exc:
        error = _validation_message(exc)
    except DomainError as exc:
        error = exc.detail
    else:
        response = RedirectResponse(f"/journeys/{journey.id}", status_code=303)
        add_flash(request, response, SAVED, "success")
        return response
    return _editor(
        request,
        journey,
        name=name,
        description=description,
        stages=stages,
        active=active,
        error=error,
        status_code=422,
    )


@router.post("/journeys/new", dependencies=[CsrfProtected], response_model=None)
def create_journey(
    request: Request,
    session: DbSession,
    viewer: CanConfigure,
    name: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
    stages: Annotated[str, Form(max_length=200_000)] = "",
    active: Annotated[bool, Form()] = False,
) -> RedirectResponse | HTMLResponse:
    return _save(request, session, viewer, None, name, description, stages, active)


@router.post("/journeys/{journey_id}/edit", dependencies=[CsrfProtected], response_model=None)
def update_journey(
    request: Request,
    journey_id: int,
    session: DbSession,
    viewer: CanConfigure,
    name: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
    stages: Annotated[str, Form(max_length=200_000)] = "",
    active: Annotated[bool, Form()] = False,
) -> RedirectResponse | HTMLResponse:
    return _save(request, session, viewer, journey_id, name, description, stages, active)


def _window(since: str, until: str, today: date) -> tuple[date, date]:
    try:
        end = date.fromisoformat(until.strip()) if until.strip() else today
        start = (
            date.fromisoformat(since.strip()) if since.strip() else end - timedelta(DEFAULT_DAYS)
        )
    except ValueError:
        raise ValueError(BAD_DATE) from None
    return start, end


@router.get("/journeys/{journey_id}", response_class=HTMLResponse)
def journey_page(
    request: Request,
    journey_id: int,
    session: DbSession,
    viewer: CanRead,
    since: Annotated[str, Query(max_length=10)] = "",
    until: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    journey = service.get_journey(session, journey_id=journey_id)
    translate = shell_of(request).translator(viewer.language)
    principal = viewer.principal
    assert principal is not None
    context: dict[str, Any] = {
        "journey": journey,
        "since": since,
        "until": until,
        "error": None,
        "result": None,
        "plotly_url": plotly_js_url(),
        "separators": viewer.fmt.separators,
        "can_configure": principal.can(Permission.JOURNEYS_CONFIGURE),
    }
    try:
        start, end = _window(since, until, datetime.now(UTC).date())
        result = analytics.journey_analytics(
            session,
            workspace_id=principal.workspace_id,
            journey_id=journey.id,
            since=datetime.combine(start, datetime.min.time(), tzinfo=UTC),
            until=datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC),
            data_dir=get_runtime(request).settings.data_dir,
        )
    except ValueError as exc:
        context["error"] = translate(str(exc))
        return render(request, "journeys/analytics.html", context, status_code=422)
    except DomainError as exc:
        context["error"] = exc.detail
        return render(request, "journeys/analytics.html", context, status_code=422)
    names = {str(s["key"]): str(s.get("name", s["key"])) for s in journey.stages}
    context |= {
        "since": start.isoformat(),
        "until": end.isoformat(),
        "result": result,
        "names": names,
        "funnel_chart": funnel_spec(result, names),
        "sankey_chart": sankey_spec(result, lambda n: translate("Step {n}").format(n=n + 1)),
    }
    return render(request, "journeys/analytics.html", context, headers=CHART_PAGE_HEADERS)
