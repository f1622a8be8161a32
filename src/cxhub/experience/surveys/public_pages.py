"""The respondent's page at a signed link (`/s/<token>`, from the e-mail or a link send): no
sign-in, the token is the credential for this one invitation, and the page speaks the
invitation's language (the contact's locale when it was sent). The e-mail's per-score links open
the page with that score chosen; the answer is recorded only when the respondent sends the form,
so a mail scanner following links never answers for them. Also serves the in-product snippet."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from cxhub.api.deps import DbSession, TransactionalRoute
from cxhub.core.errors import ValidationFailed
from cxhub.experience.surveys import definitions, distribution, inproduct, responses
from cxhub.experience.surveys.models import SurveyInvitation
from cxhub.experience.surveys.public_api import snippet_router
from cxhub.web.shell import render, shell_of

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
router.include_router(snippet_router)

MAX_FIELDS = 40


def form_answers(form: Any) -> dict[str, Any]:
    """`q_<key>` form fields as answers (scale values stay strings; the service checks them)."""
    answers: dict[str, Any] = {}
    for name, value in list(form.multi_items())[: MAX_FIELDS * 2]:
        if name.startswith("q_") and isinstance(value, str):
            answers[name[2:]] = value
    return answers


def page_context(session: Session, invitation: SurveyInvitation, *, action: str) -> dict[str, Any]:
    survey = definitions.get_survey(session, survey_id=invitation.survey_id)
    view = inproduct.widget_view(session, survey, invitation.language)
    return {
        "view": view,
        "intro": (survey.intro or {}).get(invitation.language),
        "action": action,
        "answered": invitation.status != "pending",
        "thanks": False,
        "error": None,
        "selected": None,
        "values": None,
    }


def _use_language(request: Request, language: str) -> None:
    request.state.viewer = shell_of(request).viewer(request, None, locale=language)


@router.get("/s/{token}", response_class=HTMLResponse)
def respond_page(
    request: Request, token: str, session: DbSession, score: int | None = None
) -> HTMLResponse:
    invitation = distribution.open_invitation(session, token)
    _use_language(request, invitation.language)
    context = page_context(session, invitation, action=f"/s/{token}")
    context["selected"] = score
    return render(request, "surveys/respond.html", context)


@router.post("/s/{token}", response_class=HTMLResponse)
async def respond_submit(request: Request, token: str, session: DbSession) -> HTMLResponse:
    form = await request.form()
    answers = form_answers(form)

    def work() -> HTMLResponse:
        invitation = distribution.open_invitation(session, token)
        _use_language(request, invitation.language)
        context = page_context(session, invitation, action=f"/s/{token}")
        if context["answered"]:
            return render(request, "surveys/respond.html", context)
        survey = definitions.get_survey(session, survey_id=invitation.survey_id)
        try:
            responses.record_response(
                session,
                survey=survey,
                answers=answers,
                channel=invitation.channel if invitation.channel != "email" else "email",
                respondent=responses.respondent_of_contact(session, invitation.contact_id),
                language=invitation.language,
                invitation=invitation,
            )
        except ValidationFailed as exc:
            context.update(error=exc.detail, values=answers)
            return render(request, "surveys/respond.html", context, status_code=422)
        context["thanks"] = True
        return render(request, "surveys/respond.html", context)

    return await run_in_threadpool(work)
