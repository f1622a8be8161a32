"""The follow-up loop of unhappy answers: open it once per response (a CSM task on the
account, or a ticket for a contact without one), and close it — by hand, or when its task is
completed or cancelled or its ticket solved.

A follow-up opens at most once per response: the switch from `none` to `open` is a conditional
UPDATE, so a score-based and a sentiment-based opening racing each other create one task.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.customers.accounts.service import get_account
from cxhub.experience.surveys.definitions import get_settings
from cxhub.experience.surveys.events import SurveyFollowUpOpened
from cxhub.experience.surveys.models import SurveyResponse
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.schemas import TicketCreate
from cxhub.service.tickets.service import create_ticket
from cxhub.success.tasks.models import TaskSource
from cxhub.success.tasks.schemas import TaskCreate
from cxhub.success.tasks.service import create_task


def open_followup(
    session: Session, *, response: SurveyResponse, reason: str, survey_name: str
) -> bool:
    """Open the response's follow-up (once): a CSM task on its account, owned by the account's
    owner or else the configured follow-up owner; without an account, a ticket for the contact.
    Anonymous answers have no one to call back: nothing opens. Answers whether it opened."""
    if response.contact_id is None and response.account_id is None:
        return False
    switched = session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == response.id, SurveyResponse.followup_status == "none")
        .values(followup_status="open", followup_reason=reason)
        .execution_options(synchronize_session=False)
    )
    if not getattr(switched, "rowcount", 0):
        return False
    session.refresh(response)
    settings = get_settings(session)
    owner_id = settings.followup_owner_id
    title = f"Follow up on {survey_name}: {reason.replace('_', ' ')}"
    score = f"score {response.score}" if response.score is not None else "no score"
    notes = f"{response.kind.upper()} {score}." + (
        f"\n\n{response.comment}" if response.comment else ""
    )
    task_id = ticket_id = None
    if response.account_id is not None:
        account = get_account(session, account_id=response.account_id)
        owner_id = account.owner_id if account.owner_id is not None else owner_id
        task = create_task(
            session,
            workspace_id=response.workspace_id,
            data=TaskCreate(
                account_id=account.id,
                contact_id=response.contact_id,
                title=title[:200],
                notes=notes[:5000],
                owner_id=owner_id,
                # two days after the answer (an answer recorded later keeps its deadline)
                due_on=(response.responded_at + timedelta(days=2)).date(),
            ),
            created_by_id=None,
            source=TaskSource.SURVEY,
        )
        task_id, owner_id = task.id, task.owner_id
    else:
        ticket, _ = create_ticket(
            session,
            workspace_id=response.workspace_id,
            data=TicketCreate(
                subject=title[:500],
                description=notes[:5000],
                requester_id=response.contact_id,
                assignee_id=owner_id,
                tags=["survey-followup"],
                external_id=f"survey-response-{response.id}",
            ),
            actor=Actor.system(),
        )
        ticket_id = ticket.id
    response.followup_owner_id = owner_id
    response.followup_task_id = task_id
    response.followup_ticket_id = ticket_id
    session.flush()
    publish(
        session,
        SurveyFollowUpOpened(
            workspace_id=response.workspace_id,
            response_id=response.id,
            reason=reason,
            owner_id=owner_id,
            task_id=task_id,
            ticket_id=ticket_id,
        ),
    )
    return True


def close_followup(
    session: Session, *, response_id: int, now: datetime | None = None
) -> SurveyResponse:
    row = session.scalar(select(SurveyResponse).where(SurveyResponse.id == response_id))
    if row is None:
        raise NotFound(f"survey response {response_id} not found")
    if row.followup_status != "open":
        raise ValidationFailed("this response has no open follow-up", field="followup_status")
    row.followup_status = "closed"
    row.followup_closed_at = now or utcnow()
    session.flush()
    return row


def close_followups_of(
    session: Session, *, task_id: int | None = None, ticket_id: int | None = None
) -> int:
    """Close the loop when its task is completed (or cancelled) or its ticket solved."""
    statement = select(SurveyResponse).where(SurveyResponse.followup_status == "open")
    if task_id is not None:
        statement = statement.where(SurveyResponse.followup_task_id == task_id)
    elif ticket_id is not None:
        statement = statement.where(SurveyResponse.followup_ticket_id == ticket_id)
    else:
        return 0
    rows = list(session.scalars(statement))
    for row in rows:
        row.followup_status = "closed"
        row.followup_closed_at = utcnow()
    session.flush()
    return len(rows)
