"""Rule routes: triggers, automations and macros (configuration), applying a macro, a ticket's
rule-run audit trail, and the caller's notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.permissions import Permission
from cxhub.service.automations import config, macros, triggers
from cxhub.service.automations.models import (
    AutomationRecord,
    MacroRecord,
    TriggerRecord,
    UserNotification,
)
from cxhub.service.automations.schemas import (
    AutomationIn,
    AutomationOut,
    MacroApplication,
    MacroIn,
    MacroOut,
    NotificationOut,
    RuleRunOut,
    TriggerIn,
    TriggerOut,
)
from cxhub.service.tickets.service import get_ticket

router = APIRouter(route_class=TransactionalRoute, tags=["automations"])

_NO_CONTENT = status.HTTP_204_NO_CONTENT

# --- triggers ----------------------------------------------------------------------------------


@router.get("/triggers", response_model=list[TriggerOut])
def list_triggers(
    session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> list[TriggerOut]:
    """In the order they are checked (position, then id)."""
    return [TriggerOut.of(r) for r in config.list_rules(session, TriggerRecord)]


@router.post("/triggers", response_model=TriggerOut, status_code=status.HTTP_201_CREATED)
def create_trigger(
    data: TriggerIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> TriggerOut:
    """Runs inside every ticket change from now on (see docs/automations.md)."""
    record = config.save_rule(
        session, TriggerRecord, workspace_id=principal.workspace_id, data=data
    )
    return TriggerOut.of(record)


@router.get("/triggers/{trigger_id}", response_model=TriggerOut)
def get_trigger(
    trigger_id: int, session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> TriggerOut:
    return TriggerOut.of(config.get_rule(session, TriggerRecord, rule_id=trigger_id))


@router.put("/triggers/{trigger_id}", response_model=TriggerOut)
def replace_trigger(
    trigger_id: int,
    data: TriggerIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> TriggerOut:
    record = config.save_rule(
        session, TriggerRecord, workspace_id=principal.workspace_id, data=data, rule_id=trigger_id
    )
    return TriggerOut.of(record)


@router.delete("/triggers/{trigger_id}", status_code=_NO_CONTENT)
def delete_trigger(
    trigger_id: int, session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> Response:
    config.delete_rule(session, TriggerRecord, rule_id=trigger_id)
    return Response(status_code=_NO_CONTENT)


# --- automations -------------------------------------------------------------------------------


@router.get("/automations", response_model=list[AutomationOut])
def list_automations(
    session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> list[AutomationOut]:
    return [AutomationOut.of(r) for r in config.list_rules(session, AutomationRecord)]


@router.post("/automations", response_model=AutomationOut, status_code=status.HTTP_201_CREATED)
def create_automation(
    data: AutomationIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> AutomationOut:
    """Checked hourly against open and solved tickets; fires at most once per ticket."""
    record = config.save_rule(
        session, AutomationRecord, workspace_id=principal.workspace_id, data=data
    )
    return AutomationOut.of(record)


@router.get("/automations/{automation_id}", response_model=AutomationOut)
def get_automation(
    automation_id: int, session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> AutomationOut:
    return AutomationOut.of(config.get_rule(session, AutomationRecord, rule_id=automation_id))


@router.put("/automations/{automation_id}", response_model=AutomationOut)
def replace_automation(
    automation_id: int,
    data: AutomationIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> AutomationOut:
    record = config.save_rule(
        session,
        AutomationRecord,
        workspace_id=principal.workspace_id,
        data=data,
        rule_id=automation_id,
    )
    return AutomationOut.of(record)


@router.delete("/automations/{automation_id}", status_code=_NO_CONTENT)
def delete_automation(
    automation_id: int, session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> Response:
    config.delete_rule(session, AutomationRecord, rule_id=automation_id)
    return Response(status_code=_NO_CONTENT)


# --- macros ------------------------------------------------------------------------------------


@router.get("/macros", response_model=list[MacroOut])
def list_macros(
    session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> list[MacroOut]:
    """Macros are shared by the whole workspace."""
    return [MacroOut.of(r) for r in config.list_rules(session, MacroRecord)]


@router.post("/macros", response_model=MacroOut, status_code=status.HTTP_201_CREATED)
def create_macro(
    data: MacroIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> MacroOut:
    record = config.save_rule(session, MacroRecord, workspace_id=principal.workspace_id, data=data)
    return MacroOut.of(record)


@router.get("/macros/{macro_id}", response_model=MacroOut)
def get_macro(
    macro_id: int, session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> MacroOut:
    return MacroOut.of(config.get_rule(session, MacroRecord, rule_id=macro_id))


@router.put("/macros/{macro_id}", response_model=MacroOut)
def replace_macro(
    macro_id: int,
    data: MacroIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> MacroOut:
    record = config.save_rule(
        session, MacroRecord, workspace_id=principal.workspace_id, data=data, rule_id=macro_id
    )
    return MacroOut.of(record)


@router.delete("/macros/{macro_id}", status_code=_NO_CONTENT)
def delete_macro(
    macro_id: int, session: DbSession, _: Principal = require(Permission.SERVICE_CONFIGURE)
) -> Response:
    config.delete_rule(session, MacroRecord, rule_id=macro_id)
    return Response(status_code=_NO_CONTENT)


@router.post("/tickets/{ticket_id}/macros/{macro_id}/apply", response_model=MacroApplication)
def apply_macro(
    ticket_id: int,
    macro_id: int,
    session: DbSession,
    preview: Annotated[bool, Query(description="Show what would happen; change nothing.")] = False,
    principal: Principal = require(Permission.TICKETS_WRITE),
) -> MacroApplication:
    """Apply the macro's field changes and post its reply and note as the calling agent."""
    return macros.apply_macro_to_ticket(
        session,
        ticket_id=ticket_id,
        macro_id=macro_id,
        agent_id=principal.user_id,
        preview=preview,
    )


# --- audit trail and notifications -------------------------------------------------------------


@router.get("/tickets/{ticket_id}/rule-runs", response_model=list[RuleRunOut])
def ticket_rule_runs(
    ticket_id: int, session: DbSession, _: Principal = require(Permission.TICKETS_READ)
) -> list[RuleRunOut]:
    """Which triggers, automations and macros changed the ticket, and what they skipped."""
    ticket = get_ticket(session, ticket_id=ticket_id)
    return [RuleRunOut.of(r) for r in triggers.ticket_rule_runs(session, ticket_id=ticket.id)]


@router.get("/me/notifications", response_model=list[NotificationOut])
def my_notifications(
    session: DbSession,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    principal: Principal = require(Permission.TICKETS_READ),
) -> list[NotificationOut]:
    """The caller's notifications left by `notify` rule actions, newest first."""
    statement = select(UserNotification).where(UserNotification.user_id == principal.user_id)
    if unread:
        statement = statement.where(UserNotification.read_at.is_(None))
    rows = session.scalars(statement.order_by(UserNotification.id.desc()).limit(limit))
    return [NotificationOut.of(row) for row in rows]
