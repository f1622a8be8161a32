"""Configuring rules: CRUD for triggers, automations and macros (admin use cases), and loading
the stored definitions back into the pure engine's models."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.errors import NotFound
from cxhub.service.automations.models import AutomationRecord, MacroRecord, TriggerRecord
from cxhub.service.automations.rules import Automation, Macro, Trigger
from cxhub.service.automations.schemas import AutomationIn, MacroIn, TriggerIn

_Record = TypeVar("_Record", TriggerRecord, AutomationRecord, MacroRecord)

_LABELS: dict[type[object], str] = {
    TriggerRecord: "trigger",
    AutomationRecord: "automation",
    MacroRecord: "macro",
}


def list_rules(session: Session, model: type[_Record]) -> list[_Record]:
    """In the order the engine checks them: by position, then id."""
    return list(session.scalars(select(model).order_by(model.position, model.id)))


def get_rule(session: Session, model: type[_Record], *, rule_id: int) -> _Record:
    record = session.scalar(select(model).where(model.id == rule_id))
    if record is None:
        raise NotFound(f"{_LABELS[model]} {rule_id} not found")
    return record


def save_rule(
    session: Session,
    model: type[_Record],
    *,
    workspace_id: int,
    data: TriggerIn | AutomationIn | MacroIn,
    rule_id: int | None = None,
) -> _Record:
    record = (
        get_rule(session, model, rule_id=rule_id)
        if rule_id is not None
        else model(workspace_id=workspace_id)
    )
    record.name = data.name
    record.active = data.active
    record.position = data.position
    record.definition = data.definition()
    session.add(record)
    session.flush()
    return record


def delete_rule(session: Session, model: type[_Record], *, rule_id: int) -> None:
    session.delete(get_rule(session, model, rule_id=rule_id))
    session.flush()


def trigger_of(record: TriggerRecord) -> Trigger:
    return Trigger.model_validate(
        {
            "id": record.id,
            "name": record.name,
            "active": record.active,
            "position": record.position,
            **record.definition,
        }
    )


def automation_of(record: AutomationRecord) -> Automation:
    return Automation.model_validate(
        {
            "id": record.id,
            "name": record.name,
            "active": record.active,
            "position": record.position,
            **record.definition,
        }
    )


def macro_of(record: MacroRecord) -> Macro:
    return Macro.model_validate({"id": record.id, "name": record.name, **record.definition})


def active_triggers(session: Session) -> list[Trigger]:
    records = session.scalars(
        select(TriggerRecord)
        .where(TriggerRecord.active.is_(True))
        .order_by(TriggerRecord.position, TriggerRecord.id)
    )
    return [trigger_of(record) for record in records]


def active_automations(session: Session) -> list[Automation]:
    records = session.scalars(
        select(AutomationRecord)
        .where(AutomationRecord.active.is_(True))
        .order_by(AutomationRecord.position, AutomationRecord.id)
    )
    return [automation_of(record) for record in records]
