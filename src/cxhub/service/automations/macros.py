"""Applying a macro to a ticket as the calling agent (or previewing what it would do)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.errors import ValidationFailed
from cxhub.people.service import get_user
from cxhub.service.automations import config
from cxhub.service.automations.engine import apply_macro
from cxhub.service.automations.models import MacroRecord, TicketRuleRun
from cxhub.service.automations.outcome import field_update
from cxhub.service.automations.rules import Macro
from cxhub.service.automations.schemas import MacroApplication
from cxhub.service.automations.snapshots import snapshot_of
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.messages import add_message
from cxhub.service.tickets.schemas import MessageCreate, TicketUpdate
from cxhub.service.tickets.service import get_ticket, update_ticket


def apply_macro_to_ticket(
    session: Session, *, ticket_id: int, macro_id: int, agent_id: int, preview: bool
) -> MacroApplication:
    """Field changes go through `update_ticket` and the texts through `add_message`, both as the
    agent, so triggers and SLAs react as to any agent update; their refusals (a closed ticket,
    an illegal status move) reach the agent as errors. `preview` changes nothing."""
    ticket = get_ticket(session, ticket_id=ticket_id)
    record = config.get_rule(session, MacroRecord, rule_id=macro_id)
    if not record.active:
        raise ValidationFailed(f"macro {macro_id} is inactive", field="macro_id")
    agent = get_user(session, user_id=agent_id)
    current = snapshot_of(session, ticket)
    result = apply_macro(
        config.macro_of(record), current, agent_name=agent.name, agent_email=agent.email
    )
    application = MacroApplication(
        ticket_id=ticket.id,
        macro_id=record.id,
        preview=preview,
        changed_fields=list(result.changed_fields),
        ticket=result.ticket.model_dump(
            mode="json",
            include={"status", "priority", "ticket_type", "assignee_id", "team_id", "tags"}
            | {"custom_fields"},
        ),
        public_reply=result.public_reply,
        internal_note=result.internal_note,
    )
    if preview:
        return application
    actor = Actor.agent(agent.id)
    update = field_update(current, result.ticket)
    if update:
        update_ticket(
            session, ticket_id=ticket.id, data=TicketUpdate.model_validate(update), actor=actor
        )
    if result.public_reply and result.public_reply.strip():
        reply = add_message(
            session,
            ticket_id=ticket.id,
            data=MessageCreate(body=result.public_reply, public=True),
            actor=actor,
        )
        application.public_reply_id = reply.id
    if result.internal_note and result.internal_note.strip():
        note = add_message(
            session,
            ticket_id=ticket.id,
            data=MessageCreate(body=result.internal_note, public=False),
            actor=actor,
        )
        application.internal_note_id = note.id
    session.add(
        TicketRuleRun(
            workspace_id=ticket.workspace_id,
            ticket_id=ticket.id,
            rule_kind="macro",
            rule_id=record.id,
            rule_name=record.name,
            event="macro_applied",
            changed_fields=list(result.changed_fields),
            skipped=[],
        )
    )
    session.flush()
    return application


def macro_applications(session: Session, *, ticket_ids: list[int]) -> list[tuple[int, int]]:
    """(ticket id, macro id) for each macro applied to these tickets (the rule-run trail keeps
    them after a macro is deleted: callers check the macro still exists). For agent assist."""
    if not ticket_ids:
        return []
    rows = session.execute(
        select(TicketRuleRun.ticket_id, TicketRuleRun.rule_id).where(
            TicketRuleRun.ticket_id.in_(ticket_ids),
            TicketRuleRun.rule_kind == "macro",
            TicketRuleRun.event == "macro_applied",
        )
    ).all()
    return list(dict.fromkeys((int(t), int(m)) for t, m in rows))


def active_macros(session: Session) -> list[Macro]:
    """The workspace's active macros, in their order."""
    return [config.macro_of(r) for r in config.list_rules(session, MacroRecord) if r.active]
