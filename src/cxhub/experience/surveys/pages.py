"""Staff pages: the survey list, the builder (create and edit: questions, languages, trigger,
channels, sampling, the workspace throttle) and the results (score, distribution, weekly trend,
comments with sentiment and follow-up status)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from cxhub.analytics.survey_kpis import survey_kpis
from cxhub.api.deps import DbSession, TransactionalRoute
from cxhub.core.errors import DomainError
from cxhub.core.pagination import PageRequest
from cxhub.core.permissions import Permission
from cxhub.experience.surveys import charts, definitions, followups, responses, standard
from cxhub.experience.surveys.messages import MESSAGES as SURVEY_MESSAGES
from cxhub.experience.surveys.models import Survey
from cxhub.experience.surveys.schemas import SettingsWrite, SurveyWrite
from cxhub.experience.surveys.tasks import TRIGGER_KINDS
from cxhub.web.assets import plotly_css_url, plotly_js_url
from cxhub.web.auth import CsrfProtected, page_permission
from cxhub.web.flash import add_flash
from cxhub.web.shell import NavItem, Viewer, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)

NAV = (NavItem("Surveys", "/surveys", Permission.INTERACTIONS_READ, order=6, icon="flag"),)
MESSAGES: dict[str, dict[str, str]] = SURVEY_MESSAGES
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

CanRead = Annotated[Viewer, page_permission(Permission.INTERACTIONS_READ)]
CanConfigure = Annotated[Viewer, page_permission(Permission.SERVICE_CONFIGURE)]
CanWrite = Annotated[Viewer, page_permission(Permission.INTERACTIONS_WRITE)]
SAVED = "Survey saved."
CLOSED = "Follow-up closed."
TRIGGERS = (
    ("manual", "Only when sent by hand"),
    ("ticket_solved", "When a ticket is solved"),
    ("interaction", "When a touchpoint of this kind is recorded"),
    ("renewal", "Before a renewal"),
)
CHANNELS = ("email", "portal", "in_product", "link", "api")


def _workspace(viewer: Viewer) -> tuple[int, int]:
    assert viewer.principal is not None  # page_permission admitted a signed-in viewer
    return viewer.principal.workspace_id, viewer.principal.user_id


@router.get("/surveys", response_class=HTMLResponse)
def survey_list(request: Request, session: DbSession, viewer: CanRead) -> HTMLResponse:
    return render(
        request,
        "surveys/list.html",
        {
            "surveys": definitions.list_surveys(session),
            "can_configure": viewer.can(Permission.SERVICE_CONFIGURE),
        },
    )


def _builder(
    request: Request,
    session: DbSession,
    *,
    survey: Survey | None,
    values: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "surveys/builder.html",
        {
            "survey": survey,
            "values": values,
            "error": error,
            "kinds": standard.KINDS,
            "languages": standard.LANGUAGES,
            "triggers": TRIGGERS,
            "channels": CHANNELS,
            "settings": definitions.get_settings(session),
        },
        status_code=status_code,
    )


def _values_of(survey: Survey | None) -> dict[str, Any]:
    if survey is None:
        return {
            "name": "",
            "kind": "nps",
            "status": "draft",
            "languages": list(standard.LANGUAGES),
            "default_language": "en",
            "trigger": {"type": "manual"},
            "sample_percent": 100,
            "channels": list(CHANNELS),
            "questions": "",
        }
    return {
        "name": survey.name,
        "kind": survey.kind,
        "status": survey.status,
        "languages": survey.languages,
        "default_language": survey.default_language,
        "trigger": survey.trigger or {"type": "manual"},
        "sample_percent": survey.sample_percent,
        "channels": survey.channels,
        "questions": orjson.dumps(survey.questions, option=orjson.OPT_INDENT_2).decode(),
    }


@router.get("/surveys/new", response_class=HTMLResponse)
def new_survey(request: Request, session: DbSession, viewer: CanConfigure) -> HTMLResponse:
    return _builder(request, session, survey=None, values=_values_of(None))


@router.get("/surveys/{survey_id}/edit", response_class=HTMLResponse)
def edit_survey(
    request: Request, survey_id: int, session: DbSession, viewer: CanConfigure
) -> HTMLResponse:
    survey = definitions.get_survey(session, survey_id=survey_id)
    return _builder(request, session, survey=survey, values=_values_of(survey))


async def _form_values(request: Request) -> dict[str, Any]:
    form = await request.form()

    def text(name: str, default: str = "") -> str:
        value = form.get(name, default)
        return value if isinstance(value, str) else default

    trigger: dict[str, Any] = {
        "type": text("trigger_type", "manual"),
        "channel": text("trigger_channel", "email"),
    }
    if text("interaction_kind").strip():
        trigger["interaction_kind"] = text("interaction_kind").strip()
    if text("days_before").strip():
        trigger["days_before"] = text("days_before").strip()
    return {
        "name": text("name"),
        "kind": text("kind", "nps"),
        "status": text("status", "draft"),
        "languages": [v for v in form.getlist("languages") if isinstance(v, str)],
        "default_language": text("default_language", "en"),
        "trigger": trigger,
        "sample_percent": text("sample_percent", "100"),
        "channels": [v for v in form.getlist("channels") if isinstance(v, str)],
        "questions": text("questions"),
        "throttle_days": text("throttle_days"),
    }


def _save(
    request: Request,
    session: DbSession,
    viewer: Viewer,
    values: dict[str, Any],
    survey_id: int | None,
) -> Response:
    workspace_id, user_id = _workspace(viewer)
    survey = definitions.get_survey(session, survey_id=survey_id) if survey_id else None
    try:
        raw_questions = orjson.loads(values["questions"]) if values["questions"].strip() else []
        if not isinstance(raw_questions, list):
            raise ValueError("questions must be a JSON list")
        payload = {k: v for k, v in values.items() if k != "throttle_days"}
        payload["questions"] = raw_questions
        data = SurveyWrite.model_validate(payload)
        if survey is None:
            survey = definitions.create_survey(
                session, workspace_id=workspace_id, data=data, created_by_id=user_id
            )
        else:
            survey = definitions.update_survey(session, survey_id=survey.id, data=data)
        if values["throttle_days"].strip():
            current = definitions.get_settings(session)
            definitions.save_settings(
                session,
                workspace_id=workspace_id,
                data=SettingsWrite(
                    throttle_days=int(values["throttle_days"]),
                    answer_window_days=current.answer_window_days,
                    followup_owner_id=current.followup_owner_id,
                ),
            )
    except (ValueError, ValidationError, DomainError) as exc:
        message = exc.detail if isinstance(exc, DomainError) else str(exc).splitlines()[0]
        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            message = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
        return _builder(
            request, session, survey=survey, values=values, error=message, status_code=422
        )
    TRIGGER_KINDS.forget(workspace_id)
    response = RedirectResponse(f"/surveys/{survey.id}", status_code=303)
    add_flash(request, response, SAVED, "success")
    return response


@router.post("/surveys/new", dependencies=[CsrfProtected], response_model=None)
async def create_survey(request: Request, session: DbSession, viewer: CanConfigure) -> Response:
    values = await _form_values(request)
    return await run_in_threadpool(_save, request, session, viewer, values, None)


@router.post("/surveys/{survey_id}/edit", dependencies=[CsrfProtected], response_model=None)
async def update_survey(
    request: Request, survey_id: int, session: DbSession, viewer: CanConfigure
) -> Response:
    values = await _form_values(request)
    return await run_in_threadpool(_save, request, session, viewer, values, survey_id)


@router.get("/surveys/{survey_id}", response_class=HTMLResponse)
def survey_results(
    request: Request, survey_id: int, session: DbSession, viewer: CanRead
) -> HTMLResponse:
    workspace_id, _ = _workspace(viewer)
    survey = definitions.get_survey(session, survey_id=survey_id)
    until = datetime.now(UTC)
    since = until - timedelta(days=90)
    kpis = survey_kpis(
        session,
        workspace_id=workspace_id,
        since=since,
        until=until,
        group_by="week",
        survey_id=survey.id,
    )
    metric = kpis.metrics.get(survey.kind)
    distribution = trend = None
    trend_rows: list[tuple[str, float | None, int]] = []
    if metric is not None:
        distribution = charts.distribution_chart(metric, charts.SCORE_TITLES[survey.kind])
        trend_rows = charts.trend_rows(kpis.groups, survey.kind)
        trend = charts.trend_chart(trend_rows, survey.kind)
    page = responses.list_responses(session, page=PageRequest(limit=50), survey_id=survey.id)
    public_url = request.app.state.settings.public_url.rstrip("/")
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "kpis": kpis,
            "metric": metric,
            "distribution": distribution,
            "trend": trend,
            "trend_rows": trend_rows,
            "responses": page.items,
            "plotly_url": plotly_js_url(),
            "plotly_css_url": plotly_css_url(),
            "separators": viewer.fmt.separators,
            "embed": f'<script src="{public_url}/embed/survey.js" '
            f'data-survey="{survey.public_key}" data-user-id="USER_ID" async></script>',
            "can_write": viewer.can(Permission.INTERACTIONS_WRITE),
            "can_configure": viewer.can(Permission.SERVICE_CONFIGURE),
        },
    )


@router.post(
    "/surveys/responses/{response_id}/close", dependencies=[CsrfProtected], response_model=None
)
def close_followup(
    request: Request, response_id: int, session: DbSession, viewer: CanWrite
) -> Response:
    row = followups.close_followup(session, response_id=response_id)
    response = RedirectResponse(f"/surveys/{row.survey_id}", status_code=303)
    add_flash(request, response, CLOSED, "success")
    return response
