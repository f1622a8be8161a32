"""Applying one playbook action for one run; each returns its outcome for the run log.

Every action runs in a savepoint: a refused action (no mailbox, no contact, a deactivated
owner) is recorded as skipped or failed with the reason, and the others still run. Actions go
through the owning domains' services (tasks, mail, tickets, accounts); nothing here sends
anything before the commit: mail and webhooks are queued and delivered by jobs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from cxhub.core.errors import DomainError, NotFound
from cxhub.core.events import publish
from cxhub.core.jobs import enqueue
from cxhub.core.outbound_http import OutboundPolicy, check_configured_url
from cxhub.core.pagination import PageRequest
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import search as contact_search
from cxhub.people.service import get_user
from cxhub.service.mail.outbound import queue_system_email
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.schemas import TicketCreate
from cxhub.service.tickets.service import create_ticket
from cxhub.success.playbooks.definition import (
    AccountFacts,
    Action,
    CreateTaskAction,
    EnrolSurveyAction,
    OpenTicketAction,
    SendEmailAction,
    TagAccountAction,
    WebhookAction,
    render,
)
from cxhub.success.playbooks.events import SurveyEnrolmentRequested
from cxhub.success.playbooks.models import PlaybookRun, SurveyEnrolment
from cxhub.success.tasks.models import TaskPriority, TaskSource
from cxhub.success.tasks.schemas import TaskCreate
from cxhub.success.tasks.service import create_task

DELIVER_WEBHOOK = "playbooks.deliver_webhook"
MAX_SURVEY_CONTACTS = 500


@dataclass(frozen=True)
class RunContext:
    workspace_id: int
    now: datetime
    public_url: str
    policy: OutboundPolicy


def outcome(index: int, action: Action, status: str, detail: str, **ref: Any) -> dict[str, Any]:
    return {"index": index, "type": action.type, "status": status, "detail": detail, "ref": ref}


def apply_action(
    session: Session,
    *,
    index: int,
    action: Action,
    run: PlaybookRun,
    facts: AccountFacts,
    values: dict[str, str],
    context: RunContext,
) -> dict[str, Any]:
    try:
        with session.begin_nested():
            return _apply(session, index, action, run, facts, values, context)
    except (DomainError, ValidationError, ValueError) as error:
        detail = error.detail if isinstance(error, DomainError) else str(error)
        return outcome(index, action, "failed", detail[:1000])


def _apply(
    session: Session,
    index: int,
    action: Action,
    run: PlaybookRun,
    facts: AccountFacts,
    values: dict[str, str],
    context: RunContext,
) -> dict[str, Any]:
    match action:
        case CreateTaskAction():
            return _create_task(session, index, action, run, facts, values, context)
        case SendEmailAction():
            return _send_email(session, index, action, facts, values, context)
        case WebhookAction():
            check_configured_url(action.url, context.policy)
            enqueue(
                session,
                DELIVER_WEBHOOK,
                workspace_id=context.workspace_id,
                payload={"run_id": run.id, "index": index},
            )
            return outcome(index, action, "queued", f"POST {action.url}", url=action.url)
        case OpenTicketAction():
            return _open_ticket(session, index, action, run, facts, values, context)
        case TagAccountAction():
            added = accounts.add_account_tags(
                session, account_id=facts.account_id, tags=action.tags
            )
            detail = f"added {', '.join(added)}" if added else "the account had these tags"
            return outcome(index, action, "done", detail, tags=added)
        case EnrolSurveyAction():
            return _enrol(session, index, action, run, facts, context)
    raise AssertionError(f"unknown action {action!r}")  # pragma: no cover


def _create_task(
    session: Session,
    index: int,
    action: CreateTaskAction,
    run: PlaybookRun,
    facts: AccountFacts,
    values: dict[str, str],
    context: RunContext,
) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "account_id": facts.account_id,
        "title": render(action.title, values)[:300] or run.playbook_name,
        "notes": render(action.notes, values),
        "due_on": context.now.date() + timedelta(days=action.due_in_days),
        "priority": TaskPriority(action.priority),
    }
    if action.owner_id is not None:
        fields["owner_id"] = action.owner_id
    task = create_task(
        session,
        workspace_id=context.workspace_id,
        data=TaskCreate(**fields),
        created_by_id=None,
        source=TaskSource.PLAYBOOK,
        playbook_run_id=run.id,
        now=context.now,
    )
    owner = "unassigned (the account has no owner)" if task.owner_id is None else "assigned"
    return outcome(
        index,
        action,
        "done",
        f"task due {task.due_on}, {owner}",
        task_id=task.id,
        owner_id=task.owner_id,
    )


def _recipients(
    session: Session, action: SendEmailAction, facts: AccountFacts
) -> tuple[list[str], list[str]]:
    found: list[str] = []
    missing: list[str] = []
    for recipient in action.to:
        if recipient != "account_owner":
            found.append(recipient)
            continue
        if facts.owner_id is None:
            missing.append("the account has no owner")
            continue
        try:
            user = get_user(session, user_id=facts.owner_id)
        except NotFound:
            missing.append("the account owner no longer exists")
            continue
        found.append(user.email)
    return list(dict.fromkeys(found)), missing


def _send_email(
    session: Session,
    index: int,
    action: SendEmailAction,
    facts: AccountFacts,
    values: dict[str, str],
    context: RunContext,
) -> dict[str, Any]:
    recipients, missing = _recipients(session, action, facts)
    if not recipients:
        return outcome(index, action, "skipped", "; ".join(missing) or "no recipient")
    subject = render(action.subject, values)
    body = render(action.body, values)
    queued: list[int] = []
    for address in recipients:
        row = queue_system_email(
            session,
            workspace_id=context.workspace_id,
            kind="playbook",
            to=address,
            subject=subject,
            text=body,
        )
        if row is None:
            return outcome(index, action, "skipped", "no support mailbox to send from")
        queued.append(row.id)
    detail = f"queued to {', '.join(recipients)}" + (f" ({'; '.join(missing)})" if missing else "")
    return outcome(index, action, "queued", detail, outbound_ids=queued)


def _contacts(session: Session, account_id: int, limit: int) -> list[int]:
    page = contact_search.list_contacts(
        session, page=PageRequest(limit=limit, sort="id"), account_id=account_id
    )
    return [contact.id for contact in page.items]


def _open_ticket(
    session: Session,
    index: int,
    action: OpenTicketAction,
    run: PlaybookRun,
    facts: AccountFacts,
    values: dict[str, str],
    context: RunContext,
) -> dict[str, Any]:
    requester = _contacts(session, facts.account_id, 1)
    if not requester:
        return outcome(index, action, "skipped", "the account has no contact to file it for")
    data = TicketCreate(
        subject=render(action.subject, values)[:500] or run.playbook_name,
        description=render(action.description, values) or run.summary,
        requester_id=requester[0],
        priority=action.priority,
        tags=action.tags,
        external_id=f"playbook-run-{run.id}-{index}",
    )
    ticket, _ = create_ticket(
        session, workspace_id=context.workspace_id, data=data, actor=Actor.system()
    )
    return outcome(
        index,
        action,
        "done",
        f"opened ticket #{ticket.number}",
        ticket_id=ticket.id,
        ticket_number=ticket.number,
    )


def _enrol(
    session: Session,
    index: int,
    action: EnrolSurveyAction,
    run: PlaybookRun,
    facts: AccountFacts,
    context: RunContext,
) -> dict[str, Any]:
    contact_ids = _contacts(
        session, facts.account_id, 1 if action.contacts == "first" else MAX_SURVEY_CONTACTS
    )
    if not contact_ids:
        return outcome(index, action, "skipped", "the account has no contact to survey")
    created: list[int] = []
    for contact_id in contact_ids:
        row = SurveyEnrolment(
            workspace_id=context.workspace_id,
            survey=action.survey,
            account_id=facts.account_id,
            contact_id=contact_id,
            playbook_run_id=run.id,
            status="pending",
            created_at=context.now,
        )
        session.add(row)
        session.flush()
        created.append(row.id)
        publish(
            session,
            SurveyEnrolmentRequested(
                workspace_id=context.workspace_id,
                enrolment_id=row.id,
                survey=action.survey,
                account_id=facts.account_id,
                contact_id=contact_id,
                playbook_run_id=run.id,
            ),
        )
    return outcome(
        index,
        action,
        "done",
        f"{len(created)} contact(s) enrolled in {action.survey}",
        enrolment_ids=created,
    )
