"""Request and response shapes for triggers, automations, macros, rule runs and notifications.

The request bodies *are* the pure rule models (`rules.py`) minus the id, so every check the engine
makes on a rule (operators per field, templates, the automation "cannot fire forever" rule) is a
422 with pydantic's error details when an admin saves it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from cxhub.service.automations.models import (
    AutomationRecord,
    MacroRecord,
    TicketRuleRun,
    TriggerRecord,
    UserNotification,
)
from cxhub.service.automations.rules import Automation, Macro, Trigger


class TriggerIn(Trigger):
    """A trigger as saved: `all`/`any` conditions and `actions` (see docs/automations.md)."""

    id: SkipJsonSchema[int] = Field(default=0, exclude=True)

    def definition(self) -> dict[str, Any]:
        return self.model_dump(mode="json", include={"all", "any", "actions"})


class AutomationIn(Automation):
    """An automation as saved; it needs a time condition and a condition its actions undo."""

    id: SkipJsonSchema[int] = Field(default=0, exclude=True)

    def definition(self) -> dict[str, Any]:
        return self.model_dump(mode="json", include={"all", "any", "actions"})


class MacroIn(Macro):
    """A macro as saved: field changes plus at most one reply and one note."""

    id: SkipJsonSchema[int] = Field(default=0, exclude=True)
    active: bool = True
    position: int = 0

    def definition(self) -> dict[str, Any]:
        return self.model_dump(mode="json", include={"actions"})


class _RuleOut(BaseModel):
    id: int
    name: str
    active: bool
    position: int
    all: list[dict[str, Any]]
    any: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: TriggerRecord | AutomationRecord) -> Self:
        return cls(
            id=record.id,
            name=record.name,
            active=record.active,
            position=record.position,
            all=record.definition.get("all", []),
            any=record.definition.get("any", []),
            actions=record.definition.get("actions", []),
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


class TriggerOut(_RuleOut):
    pass


class AutomationOut(_RuleOut):
    pass


class MacroOut(BaseModel):
    id: int
    name: str
    active: bool
    position: int
    actions: list[dict[str, Any]]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: MacroRecord) -> MacroOut:
        return cls(
            id=record.id,
            name=record.name,
            active=record.active,
            position=record.position,
            actions=record.definition.get("actions", []),
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


class MacroApplication(BaseModel):
    """What applying a macro did (or, with `preview`, would do)."""

    ticket_id: int
    macro_id: int
    preview: bool
    changed_fields: list[str]
    ticket: dict[str, Any] = Field(description="The ticket's fields after the macro.")
    public_reply: str | None
    internal_note: str | None
    public_reply_id: int | None = None
    internal_note_id: int | None = None


class RuleRunOut(BaseModel):
    id: int
    rule_kind: str
    rule_id: int
    rule_name: str
    event: str
    changed_fields: list[str]
    skipped: list[str]
    created_at: datetime

    @classmethod
    def of(cls, run: TicketRuleRun) -> RuleRunOut:
        return cls(
            id=run.id,
            rule_kind=run.rule_kind,
            rule_id=run.rule_id,
            rule_name=run.rule_name,
            event=run.event,
            changed_fields=list(run.changed_fields),
            skipped=list(run.skipped),
            created_at=run.created_at,
        )


class NotificationOut(BaseModel):
    id: int
    ticket_id: int | None
    subject: str
    body: str
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, row: UserNotification) -> NotificationOut:
        return cls(
            id=row.id,
            ticket_id=row.ticket_id,
            subject=row.subject,
            body=row.body,
            created_at=row.created_at,
            read_at=row.read_at,
        )
