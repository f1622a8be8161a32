"""Side effects of rules — emails, public replies, internal notes, followers — as typed records.

The engine never sends anything: it returns these records, already rendered, and the integrator
releases them after its transaction commits, like any other domain event, so a rolled-back update
leaves no ghost email. Texts are rendered against the *final* ticket of a run, so a note written
by the first trigger names the team a later trigger routed the ticket to.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from cxhub.service.automations.actions import AddFollower, AddInternalNote, Notify, ReplyPublic
from cxhub.service.automations.rules import Automation, TicketSnapshot, Trigger
from cxhub.service.automations.templates import render_template

_RESULT = ConfigDict(extra="forbid", frozen=True)


class Notification(BaseModel):
    """An email to send. Roles are already resolved against the final ticket; a role that
    resolves to nobody (no assignee, requester without email) is left out."""

    model_config = _RESULT
    kind: Literal["notify"] = "notify"
    rule_id: int
    emails: tuple[str, ...]
    user_ids: tuple[int, ...]
    team_ids: tuple[int, ...]
    subject: str
    body: str


class PublicReply(BaseModel):
    model_config = _RESULT
    kind: Literal["reply_public"] = "reply_public"
    rule_id: int
    body: str


class InternalNote(BaseModel):
    model_config = _RESULT
    kind: Literal["add_internal_note"] = "add_internal_note"
    rule_id: int
    body: str


class FollowerAdded(BaseModel):
    model_config = _RESULT
    kind: Literal["add_follower"] = "add_follower"
    rule_id: int
    user_id: int


SideEffect = Annotated[
    Notification | PublicReply | InternalNote | FollowerAdded, Field(discriminator="kind")
]


def placeholder_values(ticket: TicketSnapshot, *, ticket_url: str) -> dict[str, str]:
    """The ticket placeholders as plain strings; missing values render as empty text."""
    name_parts = ticket.requester_name.split()
    return {
        "ticket.number": str(ticket.number),
        "ticket.subject": ticket.subject,
        "ticket.status": ticket.status,
        "ticket.priority": ticket.priority,
        "ticket.type": ticket.ticket_type or "",
        "ticket.channel": ticket.channel,
        "ticket.tags": " ".join(sorted(ticket.tags)),
        "ticket.url": ticket_url,
        "requester.name": ticket.requester_name,
        "requester.first_name": name_parts[0] if name_parts else "",
        "requester.email": ticket.requester_email or "",
        "account.name": ticket.account_name or "",
        "account.tier": ticket.account_tier or "",
    }


def _notification(
    rule_id: int, action: Notify, ticket: TicketSnapshot, values: dict[str, str]
) -> Notification | None:
    emails: list[str] = []
    user_ids: list[int] = []
    team_ids: list[int] = []
    for recipient in action.recipients:
        if recipient == "requester" and ticket.requester_email:
            emails.append(ticket.requester_email)
        elif recipient == "assignee" and ticket.assignee_id is not None:
            user_ids.append(ticket.assignee_id)
        elif recipient == "team" and ticket.team_id is not None:
            team_ids.append(ticket.team_id)
        elif isinstance(recipient, int):
            user_ids.append(recipient)
        elif recipient not in ("requester", "assignee", "team"):
            emails.append(recipient)
    if not (emails or user_ids or team_ids):
        return None
    return Notification(
        rule_id=rule_id,
        emails=tuple(dict.fromkeys(emails)),
        user_ids=tuple(dict.fromkeys(user_ids)),
        team_ids=tuple(dict.fromkeys(team_ids)),
        subject=render_template(action.subject, values),
        body=render_template(action.body, values),
    )


def render_side_effects(
    rules: Sequence[Trigger | Automation], ticket: TicketSnapshot, values: dict[str, str]
) -> tuple[SideEffect, ...]:
    """Rendered against the *final* ticket, so a note says the team it was finally routed to."""
    effects: list[SideEffect] = []
    for rule in rules:
        for action in rule.actions:
            if isinstance(action, Notify):
                notification = _notification(rule.id, action, ticket, values)
                if notification is not None:
                    effects.append(notification)
            elif isinstance(action, ReplyPublic):
                effects.append(
                    PublicReply(rule_id=rule.id, body=render_template(action.body, values))
                )
            elif isinstance(action, AddInternalNote):
                effects.append(
                    InternalNote(rule_id=rule.id, body=render_template(action.body, values))
                )
            elif isinstance(action, AddFollower):
                effects.append(FollowerAdded(rule_id=rule.id, user_id=action.user_id))
    return tuple(effects)
