"""Surveys in the customer portal: a signed-in customer sees the surveys waiting for them
(invitations sent on the `portal` channel) and answers them there. Every route depends on the
portal's sign-in (`Customer`) and, for the answer, its CSRF check; an invitation of someone else
is a 404 page."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.api.deps import DbSession, TransactionalRoute
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.experience.surveys import definitions, distribution, inproduct, responses
from cxhub.experience.surveys.models import SurveyInvitation
from cxhub.experience.surveys.public_pages import form_answers
from cxhub.service.portal.permissions import Customer, PortalCsrf, PortalCustomer
from cxhub.web.flash import add_flash
from cxhub.web.shell import render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
THANKS = "Thank you for your feedback!"


def _invitation(session: Session, customer: PortalCustomer, invitation_id: int) -> SurveyInvitation:
    row = session.scalar(
        select(SurveyInvitation).where(
            SurveyInvitation.id == invitation_id,
            SurveyInvitation.contact_id == customer.contact.id,
            SurveyInvitation.channel == "portal",
        )
    )
    if row is None:
        raise NotFound("survey not found")
    return row


def _page(
    request: Request,
    customer: PortalCustomer,
    template: str,
    context: dict[str, object],
    *,
    status_code: int = 200,
) -> HTMLResponse:
    values = {
        "visit": customer.visit,
        "customer": customer,
        "csrf_token": customer.csrf_token,
        **context,
    }
    return render(request, template, values, status_code=status_code)


@router.get("/portal/{workspace_slug}/surveys", response_class=HTMLResponse)
def my_surveys(request: Request, customer: Customer, session: DbSession) -> HTMLResponse:
    pending = distribution.pending_for_contact(
        session, contact_id=customer.contact.id, now=datetime.now(UTC)
    )
    items = [(row, definitions.get_survey(session, survey_id=row.survey_id)) for row in pending]
    return _page(request, customer, "surveys/portal_list.html", {"items": items})


def _answer_context(
    session: Session, customer: PortalCustomer, row: SurveyInvitation
) -> dict[str, object]:
    survey = definitions.get_survey(session, survey_id=row.survey_id)
    return {
        "invitation": row,
        "view": inproduct.widget_view(session, survey, row.language),
        "intro": (survey.intro or {}).get(row.language),
        "action": customer.visit.path(f"/surveys/{row.id}"),
        "answered": row.status != "pending",
        "error": None,
        "values": None,
    }


@router.get("/portal/{workspace_slug}/surveys/{invitation_id}", response_class=HTMLResponse)
def survey_form(
    request: Request, invitation_id: int, customer: Customer, session: DbSession
) -> HTMLResponse:
    row = _invitation(session, customer, invitation_id)
    return _page(
        request, customer, "surveys/portal_answer.html", _answer_context(session, customer, row)
    )


@router.post(
    "/portal/{workspace_slug}/surveys/{invitation_id}",
    response_model=None,
    dependencies=[PortalCsrf],
)
async def survey_submit(
    request: Request, invitation_id: int, customer: Customer, session: DbSession
) -> Response:
    answers = form_answers(await request.form())

    def work() -> Response:
        row = _invitation(session, customer, invitation_id)
        context = _answer_context(session, customer, row)
        survey = definitions.get_survey(session, survey_id=row.survey_id)
        try:
            responses.record_response(
                session,
                survey=survey,
                answers=answers,
                channel="portal",
                respondent=responses.respondent_of_contact(session, row.contact_id),
                language=row.language,
                invitation=row,
            )
        except ValidationFailed as exc:
            context.update(error=exc.detail, values=answers)
            return _page(request, customer, "surveys/portal_answer.html", context, status_code=422)
        response = RedirectResponse(customer.visit.path("/surveys"), status_code=303)
        add_flash(request, response, THANKS, "success")
        return response

    return await run_in_threadpool(work)
