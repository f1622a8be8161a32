"""Applying what the engine decided to a ticket row, through the ticket services.

Used by triggers and automations, which run as the system: an action the ticket services would
refuse (an illegal status move, a deleted team, a closed ticket) is skipped and reported back as
a reason for the audit trail, never raised to whoever changed the ticket. Macros, applied by an
agent, use `field_update` and let the services' errors reach the agent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from cxhub.core.errors import DomainError, NotFound
from cxhub.people.service import get_team, get_user
from cxhub.service.automations.effects import (
    FollowerAdded,
    InternalNote,
    Notification,
    PublicReply,
    SideEffect,
)
from cxhub.service.automations.models import UserNotification
from cxhub.service.automations.rules import TicketSnapshot
from cxhub.service.mail.outbound import queue_ticket_email
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.messages import add_message
from cxhub.service.tickets.models import Ticket, TicketStatus
from cxhub.service.tickets.schemas import MessageCreate, TicketUpdate
from cxhub.service.tickets.service import update_ticket
from cxhub.service.tickets.status import IllegalTransition, check_transition

#: `session.info` flag set while rule results are written: ticket changes made then do not run
#: triggers again (the SLA refresh still runs).
APPLYING_RULES = "cxhub_applying_rules"

#: (rule id or None when the whole run is concerned, reason)
Skip = tuple[int | None, str]


@contextmanager
def applying_rules(session: Session) -> Iterator[None]:
    previous = session.info.get(APPLYING_RULES, False)
    session.info[APPLYING_RULES] = True
    try:
        yield
    finally:
        session.info[APPLYING_RULES] = previous


def rules_are_being_applied(session: Session) -> bool:
    return bool(session.info.get(APPLYING_RULES))


def field_update(current: TicketSnapshot, target: TicketSnapshot) -> dict[str, Any]:
    """The `TicketUpdate` fields that turn `current` into `target`."""
    update: dict[str, Any] = {}
    for name in ("status", "priority", "ticket_type", "assignee_id", "team_id"):
        if getattr(target, name) != getattr(current, name):
            update[name] = getattr(target, name)
    if target.tags != current.tags:
        update["tags"] = sorted(target.tags)
    if target.custom_fields != current.custom_fields:
        keys = current.custom_fields.keys() | target.custom_fields.keys()
        update["custom_fields"] = {
            key: target.custom_fields.get(key)
            for key in sorted(keys)
            if target.custom_fields.get(key) != current.custom_fields.get(key)
        }
    return update


def _checked_update(
    session: Session, ticket: Ticket, update: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """Drop the changes the ticket services would refuse, with the reason for each."""
    skipped: list[str] = []
    if "status" in update:
        try:
            check_transition(ticket.status, TicketStatus(update["status"]))
        except IllegalTransition as error:
            skipped.append(f"set_status {update.pop('status')}: {error.detail}")
    for name in ("assignee_id", "team_id"):
        wanted = update.get(name)
        if wanted is None:
            continue
        try:
            found = (
                get_user(session, user_id=wanted)
                if name == "assignee_id"
                else get_team(session, team_id=wanted)
            )
        except NotFound as error:
            skipped.append(f"{name} {update.pop(name)}: {error.detail}")
            continue
        if name == "assignee_id" and not getattr(found, "is_active", True):
            skipped.append(f"assignee_id {update.pop(name)}: the user is deactivated")
    return update, skipped


def _ticket_refuses_changes(ticket: Ticket) -> str | None:
    if ticket.merged_into_id is not None:
        return f"the ticket was merged into {ticket.merged_into_id}"
    if ticket.status == TicketStatus.CLOSED:
        return "the ticket is closed"
    return None


def apply_as_system(
    session: Session,
    *,
    ticket: Ticket,
    current: TicketSnapshot,
    target: TicketSnapshot,
    side_effects: Sequence[SideEffect],
) -> list[Skip]:
    """Write `target`'s field changes and the side effects as the system, with triggers off.
    Returns what was skipped and why."""
    skipped: list[Skip] = []
    actor = Actor.system()
    with applying_rules(session):
        # Texts first: "closed automatically" must land before the ticket is closed (a closed
        # ticket takes no messages); they were rendered against the final ticket anyway.
        for effect in side_effects:
            if isinstance(effect, PublicReply | InternalNote):
                skipped += _post_message(session, ticket, effect, actor)
        update = field_update(current, target)
        followers = [e for e in side_effects if isinstance(e, FollowerAdded)]
        new_followers: list[int] = []
        for follower in followers:
            try:
                get_user(session, user_id=follower.user_id)
                new_followers.append(follower.user_id)
            except NotFound as error:
                skipped.append((follower.rule_id, f"add_follower: {error.detail}"))
        if new_followers and set(new_followers) - set(ticket.follower_ids):
            update["follower_ids"] = list(dict.fromkeys([*ticket.follower_ids, *new_followers]))
        refusal = _ticket_refuses_changes(ticket)
        if refusal is not None and set(update) - {"follower_ids"}:
            skipped.append((None, f"field changes skipped: {refusal}"))
            update = {k: v for k, v in update.items() if k == "follower_ids"}
        update, reasons = _checked_update(session, ticket, update)
        skipped += [(None, reason) for reason in reasons]
        if update:
            try:
                data = TicketUpdate.model_validate(update)
                update_ticket(session, ticket_id=ticket.id, data=data, actor=actor)
            except (ValidationError, DomainError) as error:
                skipped.append((None, f"field changes skipped: {error}"))
        for effect in side_effects:
            if isinstance(effect, Notification):
                skipped += notify(session, ticket=ticket, notification=effect)
    return skipped


def _post_message(
    session: Session, ticket: Ticket, effect: PublicReply | InternalNote, actor: Actor
) -> list[Skip]:
    refusal = _ticket_refuses_changes(ticket)
    if refusal is not None:
        return [(effect.rule_id, f"{effect.kind} skipped: {refusal}")]
    if not effect.body.strip():
        return [(effect.rule_id, f"{effect.kind} skipped: the text rendered empty")]
    try:
        # Passing the current status keeps a system reply from opening a new ticket.
        data = MessageCreate(
            body=effect.body, public=isinstance(effect, PublicReply), status=ticket.status
        )
        add_message(session, ticket_id=ticket.id, data=data, actor=actor)
    except (ValidationError, DomainError) as error:
        return [(effect.rule_id, f"{effect.kind} skipped: {error}")]
    return []


def notify(session: Session, *, ticket: Ticket, notification: Notification) -> list[Skip]:
    """One notification row per agent (teams expanded to their members) and per address."""
    skipped: list[Skip] = []
    user_ids = list(notification.user_ids)
    for team_id in notification.team_ids:
        try:
            team = get_team(session, team_id=team_id)
        except NotFound as error:
            skipped.append((notification.rule_id, f"notify: {error.detail}"))
            continue
        user_ids += [member.user_id for member in team.members]
    for user_id in dict.fromkeys(user_ids):
        try:
            get_user(session, user_id=user_id)
        except NotFound as error:
            skipped.append((notification.rule_id, f"notify: {error.detail}"))
            continue
        session.add(
            UserNotification(
                workspace_id=ticket.workspace_id,
                user_id=user_id,
                ticket_id=ticket.id,
                subject=notification.subject[:500],
                body=notification.body,
            )
        )
    for email in notification.emails:
        session.add(
            UserNotification(
                workspace_id=ticket.workspace_id,
                email=email,
                ticket_id=ticket.id,
                subject=notification.subject[:500],
                body=notification.body,
            )
        )
        # Addresses outside the team get the notification by e-mail (from the support mailbox).
        if (
            queue_ticket_email(
                session,
                ticket=ticket,
                kind="notification",
                subject=notification.subject,
                text=notification.body,
                to=email,
            )
            is None
        ):
            skipped.append(
                (notification.rule_id, f"notify {email}: no support mailbox to send from")
            )
    session.flush()
    return skipped
