"""The in-product survey API and the embeddable snippet that calls it.

Authenticated by the survey's public key (`cxs_…`, in the page source by design: it allows
showing and answering that one survey, nothing else) or, for server-side calls, by the
workspace's tracking write key (`Authorization: Basic <write key>:`). Bodies are read as JSON
whatever the declared content type, so the browser can POST as `text/plain` (a CORS "simple
request", no preflight); answers carry `Access-Control-Allow-Origin: *` and no credentials are
ever accepted from a browser.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path
from typing import Any, TypeVar

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session

from cxhub.api.deps import DbSession, TransactionalRoute, get_runtime
from cxhub.api.problems import problem
from cxhub.core.errors import DomainError, NotFound, ValidationFailed
from cxhub.experience.surveys import definitions, distribution, inproduct, responses
from cxhub.experience.surveys.models import Survey
from cxhub.experience.surveys.schemas import InProductAnswerIn
from cxhub.success.usage.service import resolve_write_key

router = APIRouter(route_class=TransactionalRoute, tags=["surveys (public)"])
snippet_router = APIRouter(include_in_schema=False)

EMBED_JS = Path(__file__).resolve().parent / "static" / "cxhub-survey.js"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization",
    "Access-Control-Max-Age": "600",
}
MAX_BODY = 64 * 1024
M = TypeVar("M", bound=BaseModel)


class DisplayIn(BaseModel):
    user_id: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    anonymous_id: str | None = Field(default=None, max_length=200)
    locale: str | None = Field(default=None, max_length=35)
    touchpoint: str | None = Field(default=None, max_length=64)


class TokenAnswerIn(InProductAnswerIn):
    token: str | None = Field(default=None, max_length=200)


def _cors(response: Response) -> Response:
    response.headers.update(CORS)
    return response


async def _body(request: Request, model: type[M]) -> M:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ValidationFailed("the body is too large", field="body")
    try:
        data = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise ValidationFailed("the body is not JSON", field="body") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise ValidationFailed(f"{field}: {first['msg']}", field=field) from None


def _survey(session: Session, request: Request, key: str) -> Survey:
    """The survey by its public key, or by id with the workspace write key."""
    survey = definitions.survey_by_public_key(session, key)
    if survey is not None:
        return survey
    authorization = request.headers.get("authorization", "")
    if key.isdigit() and authorization.lower().startswith("basic "):
        try:
            user = base64.b64decode(authorization[6:], validate=True).decode().split(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            user = ""
        owner = resolve_write_key(session, user) if user else None
        if owner is not None:
            session.info["workspace_id"] = owner.workspace_id
            found = session.get(Survey, int(key)) if len(key) < 19 else None
            if (
                found is not None
                and found.workspace_id == owner.workspace_id
                and found.status == "active"
            ):
                return found
    raise NotFound("no active survey has this key")


def _problem(request: Request, exc: DomainError) -> Response:
    return _cors(
        problem(
            request,
            status=exc.status,
            slug=exc.type_slug,
            title=exc.title,
            detail=exc.detail,
            **exc.extensions,
        )
    )


@router.options("/public/surveys/{key}/display", include_in_schema=False)
@router.options("/public/surveys/{key}/responses", include_in_schema=False)
def preflight(key: str) -> Response:
    return _cors(Response(status_code=204))


@router.post("/public/surveys/{key}/display")
async def display_survey(key: str, request: Request, session: DbSession) -> Response:
    """May the widget show this survey to this visitor now? A known contact (product user id or
    e-mail) is subject to sampling and the workspace throttle, and receives the `token` to
    answer with; the survey comes back in the visitor's language."""
    try:
        data = await _body(request, DisplayIn)
        survey = _survey(session, request, key)
        contact_id = inproduct.known_contact(session, user_id=data.user_id, email=data.email)
        shown = inproduct.display(
            session,
            survey,
            contact_id=contact_id,
            anonymous_id=data.anonymous_id,
            locale=data.locale,
            touchpoint=data.touchpoint,
            public_url=get_runtime(request).settings.public_url,
        )
        body: dict[str, Any] = {"show": shown.show, "reason": shown.reason, "token": shown.token}
        if shown.show:
            body.update(inproduct.widget_view(session, survey, shown.language))
        return _cors(JSONResponse(body))
    except DomainError as exc:
        return _problem(request, exc)


@router.post("/public/surveys/{key}/responses")
async def answer_survey(key: str, request: Request, session: DbSession) -> Response:
    """Record an in-product answer: with the `token` from `display` for a known contact, else
    attributed to the contact holding `user_id`/`email` when one exists (anonymous otherwise)."""
    try:
        data = await _body(request, TokenAnswerIn)
        survey = _survey(session, request, key)
        invitation = None
        if data.token:
            invitation = distribution.open_invitation(session, data.token)
            if invitation.survey_id != survey.id:
                raise NotFound("this survey link is not valid")
            respondent = responses.respondent_of_contact(session, invitation.contact_id)
        else:
            contact_id = inproduct.known_contact(session, user_id=data.user_id, email=data.email)
            respondent = responses.respondent_of_contact(session, contact_id)
        row = responses.record_response(
            session,
            survey=survey,
            answers=data.answers,
            channel="in_product",
            respondent=respondent,
            language=data.language,
            invitation=invitation,
            touchpoint=data.touchpoint,
            journey_stage=data.journey_stage,
        )
        return _cors(JSONResponse({"id": row.id, "recorded": True}, status_code=201))
    except DomainError as exc:
        return _problem(request, exc)


@snippet_router.get("/embed/survey.js")
def embed_js() -> FileResponse:
    """The embeddable widget (docs/surveys.md#in-product)."""
    return FileResponse(
        EMBED_JS,
        media_type="text/javascript",
        headers={
            "Cache-Control": "public, max-age=3600",
            "Access-Control-Allow-Origin": "*",
            "X-Content-Type-Options": "nosniff",
        },
    )
