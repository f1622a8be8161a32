"""Configuring rules: CRUD for triggers, automations and macros (admin use cases), and loading
the stored definitions back into the pure engine's models."""

from __future__ import annotations

from datetime import datetime
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


#: Triggers as validated from their rows, by (id, updated_at): every change of a row through
#: `save_rule` stamps a new `updated_at`, so a key names one version of one trigger (in any
#: process). Bounded: cleared when it grows past `_MAX_PARSED`.
_PARSED: dict[tuple[int, datetime], Trigger] = {}
_MAX_PARSED = 2048


def active_triggers(session: Session) -> list[Trigger]:
    """The active triggers in run order. Runs inside every ticket write (on SQLite under the
    write lock), so it reads each trigger's id and `updated_at` only, and loads and validates
    just the ones this process has not seen in that version."""
    stamps = session.execute(
        select(TriggerRecord.id, TriggerRecord.updated_at)
        .where(TriggerRecord.active.is_(True))
        .order_by(TriggerRecord.position, TriggerRecord.id)
    ).all()
    missing = [trigger_id for trigger_id, stamp in stamps if (trigger_id, stamp) not in _PARSED]
    if missing:
        if len(_PARSED) + len(missing) > _MAX_PARSED:
            _PARSED.clear()
        for record in session.scalars(select(TriggerRecord).where(TriggerRecord.id.in_(missing))):
            _PARSED[(record.id, record.updated_at)] = trigger_of(record)
    found = [_PARSED.get((trigger_id, stamp)) for trigger_id, stamp in stamps]
    if any(trigger is None for trigger in found):
        # changed between the two reads (PostgreSQL, another transaction): read them whole
        return [trigger_of(record) for record in _active_trigger_records(session)]
    return [trigger for trigger in found if trigger is not None]


def _active_trigger_records(session: Session) -> list[TriggerRecord]:
    return list(
        session.scalars(
            select(TriggerRecord)
            .where(TriggerRecord.active.is_(True))
            .order_by(TriggerRecord.position, TriggerRecord.id)
        )
    )


def active_automations(session: Session) -> list[Automation]:
    records = session.scalars(
        select(AutomationRecord)
        .where(AutomationRecord.active.is_(True))
        .order_by(AutomationRecord.position, AutomationRecord.id)
    )
    return [automation_of(record) for record in records]
