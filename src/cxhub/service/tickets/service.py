"""Ticket use cases: create, read, list, update (fields, status, assignment, tags, followers).

Every change goes through here so the status machine, the timeline and the domain events stay
consistent whichever door (API, e-mail, web form, automation) the change came through.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, lazyload

from cxhub.core.db import utcnow
from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.core.pagination import Page, PageRequest
from cxhub.customers.contacts.service import get_contact, identify_contact
from cxhub.customers.timeline.models import Channel
from cxhub.customers.timeline.schemas import InteractionCreate
from cxhub.customers.timeline.service import record_interaction
from cxhub.people.service import get_team, get_user
from cxhub.service.assignment.service import assign_ticket_automatically
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.events import (
    TicketAssigned,
    TicketCreated,
    TicketSolved,
    TicketStatusChanged,
)
from cxhub.service.tickets.filters import TicketFilter, filtered_tickets
from cxhub.service.tickets.hooks import (
    TicketChange,
    account_of,
    after_ticket_change,
    capture,
    remember_requester,
    requester_of,
)
from cxhub.service.tickets.models import (
    Ticket,
    TicketCounter,
    TicketFollower,
    TicketPriority,
    TicketStatus,
    TicketTag,
)
from cxhub.service.tickets.schemas import TicketCreate, TicketUpdate
from cxhub.service.tickets.search import reindex_ticket
from cxhub.service.tickets.status import check_transition


def next_ticket_number(session: Session, *, workspace_id: int) -> int:
    """Hand out the workspace's next ticket number. The UPDATE locks the counter row until the
    transaction ends, so two writers never get the same number (SQLite serialises writers)."""
    number = session.execute(
        update(TicketCounter)
        .where(TicketCounter.workspace_id == workspace_id)
        .values(last_number=TicketCounter.last_number + 1)
        .returning(TicketCounter.last_number)
    ).scalar()
    if number is None:
        session.add(TicketCounter(workspace_id=workspace_id, last_number=1))
        session.flush()
        return 1
    return int(number)


def get_ticket(session: Session, *, ticket_id: int) -> Ticket:
    """One ticket. Its tags and followers load on first use: most callers (a reply, the
    message list, a background job) never read them, and lists keep their batched loads."""
    ticket = session.scalar(
        select(Ticket)
        .where(Ticket.id == ticket_id)
        .options(lazyload(Ticket.tag_rows), lazyload(Ticket.follower_rows))
    )
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} not found")
    return ticket


def get_ticket_by_number(session: Session, *, number: int) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.number == number))


def _check_assignee(session: Session, user_id: int | None) -> None:
    if user_id is None:
        return
    try:
        user = get_user(session, user_id=user_id)
    except NotFound:
        raise ValidationFailed(f"user {user_id} not found", field="assignee_id") from None
    if not user.is_active:
        raise ValidationFailed(f"user {user_id} is deactivated", field="assignee_id")


def _check_team(session: Session, team_id: int | None) -> None:
    if team_id is None:
        return
    try:
        get_team(session, team_id=team_id)
    except NotFound:
        raise ValidationFailed(f"team {team_id} not found", field="team_id") from None


def _set_tags(ticket: Ticket, tags: list[str]) -> None:
    wanted = list(dict.fromkeys(tags))
    ticket.tag_rows = [r for r in ticket.tag_rows if r.tag in wanted] + [
        TicketTag(workspace_id=ticket.workspace_id, tag=tag)
        for tag in wanted
        if tag not in ticket.tags
    ]


def _set_followers(session: Session, ticket: Ticket, user_ids: list[int]) -> None:
    for user_id in user_ids:
        _check_assignee(session, user_id)
    wanted = list(dict.fromkeys(user_ids))
    ticket.follower_rows = [r for r in ticket.follower_rows if r.user_id in wanted] + [
        TicketFollower(workspace_id=ticket.workspace_id, user_id=user_id)
        for user_id in wanted
        if user_id not in ticket.follower_ids
    ]


def put_on_timeline(
    session: Session,
    *,
    ticket: Ticket,
    kind: str,
    summary: str,
    occurred_at: datetime,
    payload: dict[str, Any],
    channel: Channel | None = None,
) -> None:
    record_interaction(
        session,
        workspace_id=ticket.workspace_id,
        data=InteractionCreate(
            kind=kind,
            channel=channel or ticket.channel,
            occurred_at=occurred_at,
            contact_id=ticket.requester_id,
            account_id=ticket.account_id,
            summary=summary[:500],
            payload={"ticket_number": ticket.number, **payload},
            source_type="ticket",
            source_id=str(ticket.id),
        ),
        contact=requester_of(session, ticket),
        account=account_of(session, ticket),
    )


def create_ticket(
    session: Session,
    *,
    workspace_id: int,
    data: TicketCreate,
    actor: Actor,
    body_html: str | None = None,
    email_message_id: str | None = None,
    follow_up_of_id: int | None = None,
    extra_attachment_ids: Sequence[int] = (),
) -> tuple[Ticket, bool]:
    """Open a ticket with its first message; returns (ticket, created). A re-sent external id
    returns the ticket it created the first time.

    The e-mail channel also passes the first message's sanitised `body_html` and
    `email_message_id`, `follow_up_of_id` for a follow-up to a closed ticket, and
    `extra_attachment_ids` (a mail may carry more files than the API's limit)."""
    from cxhub.service.tickets.messages import add_first_message

    if data.external_id is not None:
        existing = session.scalar(select(Ticket).where(Ticket.external_id == data.external_id))
        if existing is not None:
            return existing, False
    if data.requester is not None:
        requester = identify_contact(session, workspace_id=workspace_id, data=data.requester)
        contact = requester.contact
    else:
        assert data.requester_id is not None
        contact = get_contact(session, contact_id=data.requester_id)
    remember_requester(session, contact)
    _check_assignee(session, data.assignee_id)
    _check_team(session, data.team_id)
    now = utcnow()
    ticket = Ticket(
        workspace_id=workspace_id,
        number=next_ticket_number(session, workspace_id=workspace_id),
        subject=data.subject,
        status=TicketStatus.OPEN if data.assignee_id is not None else TicketStatus.NEW,
        priority=data.priority,
        ticket_type=data.ticket_type,
        channel=data.channel,
        requester_id=contact.id,
        account_id=contact.account_id,
        assignee_id=data.assignee_id,
        team_id=data.team_id,
        custom_fields=data.custom_fields,
        language=data.language or contact.locale,
        external_id=data.external_id,
        follow_up_of_id=follow_up_of_id,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        last_customer_message_at=now,
        # Known for a new ticket and read by the SLA refresh and the answer: stated here, they
        # are neither read back after the INSERT nor updated from "unknown" to None.
        solved_at=None,
        resolution_business_seconds=None,
        follower_rows=[],
    )
    session.add(ticket)
    _set_tags(ticket, data.tags)
    session.flush()
    put_on_timeline(
        session,
        ticket=ticket,
        kind="ticket.created",
        summary=ticket.subject,
        occurred_at=now,
        payload={"status": ticket.status.value, "priority": ticket.priority.value},
    )
    add_first_message(
        session,
        ticket=ticket,
        body=data.description,
        actor=actor,
        attachment_ids=[*data.attachment_ids, *extra_attachment_ids],
        body_html=body_html,
        email_message_id=email_message_id,
    )
    if ticket.team_id is not None and ticket.assignee_id is None:
        # The team's mode decides (None for manual teams); as if created with that assignee.
        chosen = assign_ticket_automatically(session, ticket=ticket)
        if chosen is not None:
            ticket.assignee_id = chosen
            ticket.status = TicketStatus.OPEN
    after_ticket_change(
        session, ticket=ticket, change=TicketChange("ticket_created", before=None, at=now)
    )
    publish(
        session,
        TicketCreated(
            workspace_id=workspace_id,
            ticket_id=ticket.id,
            number=ticket.number,
            requester_id=ticket.requester_id,
            account_id=ticket.account_id,
            channel=ticket.channel.value,
            priority=ticket.priority.value,
        ),
    )
    if ticket.assignee_id is not None or ticket.team_id is not None:
        publish(
            session,
            TicketAssigned(
                workspace_id=workspace_id,
                ticket_id=ticket.id,
                assignee_id=ticket.assignee_id,
                team_id=ticket.team_id,
            ),
        )
    return ticket, True


def change_status(session: Session, *, ticket: Ticket, status: TicketStatus) -> bool:
    """Move a ticket through the status machine, keeping the timestamps metrics read."""
    previous = ticket.status
    check_transition(previous, status)
    if previous == status:
        return False
    now = utcnow()
    ticket.status = status
    ticket.status_changed_at = now
    ticket.updated_at = now
    if status == TicketStatus.SOLVED:
        ticket.solved_at = now
        ticket.first_solved_at = ticket.first_solved_at or now
    elif status == TicketStatus.CLOSED:
        ticket.closed_at = now
        ticket.solved_at = ticket.solved_at or now
        ticket.first_solved_at = ticket.first_solved_at or now
    elif previous == TicketStatus.SOLVED:
        ticket.solved_at = None
        ticket.reopen_count += 1
    put_on_timeline(
        session,
        ticket=ticket,
        kind="ticket.status_changed",
        summary=f"{previous.value} → {status.value}",
        occurred_at=now,
        payload={"from": previous.value, "to": status.value},
    )
    publish(
        session,
        TicketStatusChanged(
            workspace_id=ticket.workspace_id,
            ticket_id=ticket.id,
            previous_status=previous.value,
            status=status.value,
        ),
    )
    if status == TicketStatus.SOLVED:
        publish(
            session,
            TicketSolved(
                workspace_id=ticket.workspace_id,
                ticket_id=ticket.id,
                requester_id=ticket.requester_id,
                account_id=ticket.account_id,
            ),
        )
    return True


def update_ticket(session: Session, *, ticket_id: int, data: TicketUpdate, actor: Actor) -> Ticket:
    ticket = get_ticket(session, ticket_id=ticket_id)
    if ticket.merged_into_id is not None:
        raise ValidationFailed(
            f"ticket {ticket.id} was merged into {ticket.merged_into_id}",
            merged_into_id=ticket.merged_into_id,
        )
    fields = data.model_dump(exclude_unset=True)
    before = capture(ticket)
    if ticket.status == TicketStatus.CLOSED and set(fields) - {"follower_ids"}:
        raise ValidationFailed("a closed ticket cannot be changed; create a follow-up")
    assignment_before = (ticket.assignee_id, ticket.team_id)
    if "assignee_id" in fields:
        _check_assignee(session, data.assignee_id)
        ticket.assignee_id = data.assignee_id
    if "team_id" in fields:
        _check_team(session, data.team_id)
        ticket.team_id = data.team_id
    for name in ("subject", "ticket_type", "language"):
        if name in fields:
            setattr(ticket, name, fields[name])
    if "subject" in fields:
        reindex_ticket(session, ticket=ticket)
    if data.priority is not None:
        ticket.priority = TicketPriority(data.priority)
    if data.tags is not None:
        _set_tags(ticket, data.tags)
    if data.add_tags:
        _set_tags(ticket, ticket.tags + data.add_tags)
    if data.remove_tags:
        _set_tags(ticket, [t for t in ticket.tags if t not in data.remove_tags])
    if data.custom_fields is not None:
        merged = dict(ticket.custom_fields)
        for key, value in data.custom_fields.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        ticket.custom_fields = merged
    if data.follower_ids is not None:
        _set_followers(session, ticket, data.follower_ids)
    if data.status is not None:
        change_status(session, ticket=ticket, status=data.status)
    elif ticket.status == TicketStatus.NEW and ticket.assignee_id is not None:
        change_status(session, ticket=ticket, status=TicketStatus.OPEN)
    ticket.updated_at = utcnow()
    after_ticket_change(
        session,
        ticket=ticket,
        change=TicketChange("ticket_updated", before=before, at=ticket.updated_at),
    )
    if (ticket.assignee_id, ticket.team_id) != assignment_before:
        publish(
            session,
            TicketAssigned(
                workspace_id=ticket.workspace_id,
                ticket_id=ticket.id,
                assignee_id=ticket.assignee_id,
                team_id=ticket.team_id,
            ),
        )
    session.flush()
    return ticket


def list_tickets(
    session: Session,
    *,
    page: PageRequest,
    statuses: list[TicketStatus] | None = None,
    priorities: list[TicketPriority] | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    team_id: int | None = None,
    requester_id: int | None = None,
    account_id: int | None = None,
    tag: str | None = None,
    channel: Channel | None = None,
    sla_due_before: datetime | None = None,
    include_spam: bool = False,
    q: str | None = None,
    load_tags_and_followers: bool = True,
) -> Page[Ticket]:
    """The ticket list; `q` adds a full-text search (all its words, see tickets/search.py).
    `load_tags_and_followers`: see `filters.filtered_tickets`."""
    filters = TicketFilter(
        statuses=statuses or [],
        priorities=priorities or [],
        assignee_ids=[assignee_id] if assignee_id is not None else [],
        unassigned=unassigned,
        team_ids=[team_id] if team_id is not None else [],
        requester_ids=[requester_id] if requester_id is not None else [],
        account_ids=[account_id] if account_id is not None else [],
        tags_any=[tag] if tag is not None else [],
        channel=channel,
        sla_due_before=sla_due_before,
        include_spam=include_spam,
        q=q,
    )
    return filtered_tickets(
        session, filters=filters, page=page, load_tags_and_followers=load_tags_and_followers
    )
