"""Rule definitions — triggers, time-based automations, macros — and the ticket snapshot they read.

These Pydantic models are the JSON shape the integrator stores and the API accepts, so every bad
combination (an operator a field cannot take, a time condition in a trigger, an automation that
could fire forever, a template with an unknown placeholder) is refused here, when an admin saves
the rule, and never surfaces later as a ticket that silently failed to update.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from cxhub.service.automations.actions import (
    Action,
    AddFollower,
    AddInternalNote,
    AddTags,
    AssignAgent,
    AssignTeam,
    MacroAction,
    Notify,
    RemoveTags,
    ReplyPublic,
    SetCustomField,
    SetPriority,
    SetStatus,
    SetTags,
    SetType,
)
from cxhub.service.automations.conditions import (
    CHANGE_OPERATORS,
    CUSTOM_FIELD_PREFIX,
    HOURS_FIELDS,
    TRIGGER_ONLY_FIELDS,
    Condition,
    TicketPriority,
    TicketStatus,
    value_matches,
)
from cxhub.service.automations.templates import (
    AUTOMATION_PLACEHOLDERS,
    MACRO_PLACEHOLDERS,
    TRIGGER_PLACEHOLDERS,
    validate_template,
)

__all__ = [
    "Action",
    "AddFollower",
    "AddInternalNote",
    "AddTags",
    "AssignAgent",
    "AssignTeam",
    "Automation",
    "Condition",
    "Macro",
    "MacroAction",
    "Notify",
    "RemoveTags",
    "ReplyPublic",
    "SetCustomField",
    "SetPriority",
    "SetStatus",
    "SetTags",
    "SetType",
    "TicketSnapshot",
    "Trigger",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)
Name = Annotated[str, Field(min_length=1, max_length=200)]


class TicketSnapshot(BaseModel):
    """A ticket as plain values: what conditions read and actions change. Frozen, so the engine
    can hand back a new snapshot and the caller can diff it against the one it passed in."""

    model_config = _STRICT

    number: int
    status: TicketStatus
    priority: TicketPriority
    ticket_type: str | None = None
    channel: str
    subject: str
    assignee_id: int | None = None
    team_id: int | None = None
    tags: frozenset[str] = frozenset()
    custom_fields: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    requester_email: str | None = None
    requester_name: str
    requester_locale: str | None = None
    account_name: str | None = None
    account_tier: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    status_changed_at: AwareDatetime
    solved_at: AwareDatetime | None = None
    last_customer_message_at: AwareDatetime | None = None
    last_agent_reply_at: AwareDatetime | None = None
    sla_breached: bool = False


_Actions = Annotated[list[Action], Field(min_length=1, max_length=50)]
_Conditions = Annotated[list[Condition], Field(max_length=100)]


def _check_templates(actions: list[Action] | list[MacroAction], allowed: frozenset[str]) -> None:
    """Re-check templates against what this kind of rule can offer (macros have an agent,
    triggers a message, automations neither)."""
    for index, action in enumerate(actions):
        templates = {"subject": action.subject} if isinstance(action, Notify) else {}
        if isinstance(action, Notify | ReplyPublic | AddInternalNote):
            templates["body"] = action.body
        for name, template in templates.items():
            try:
                validate_template(template, allowed=allowed)
            except ValueError as error:
                raise ValueError(f"actions[{index}].{name}: {error}") from error


class _Rule(BaseModel):
    """Zendesk's shape: every `all` condition holds, and at least one `any` condition when any."""

    model_config = _STRICT

    id: int
    name: Name
    active: bool = True
    position: int = 0
    all: _Conditions = Field(default_factory=list)
    any: _Conditions = Field(default_factory=list)
    actions: _Actions

    def conditions(self) -> list[tuple[str, int, Condition]]:
        return [("all", i, c) for i, c in enumerate(self.all)] + [
            ("any", i, c) for i, c in enumerate(self.any)
        ]


class Trigger(_Rule):
    """Runs right after a ticket is created or updated; see `engine.run_triggers`."""

    @model_validator(mode="after")
    def _fits_a_trigger(self) -> Self:
        if not self.all and not self.any:
            raise ValueError("a trigger needs at least one condition")
        for group, index, condition in self.conditions():
            if condition.field in HOURS_FIELDS:
                raise ValueError(
                    f"{group}[{index}]: {condition.field} is only available in automations "
                    "(triggers run on updates, not on the clock)"
                )
        _check_templates(self.actions, TRIGGER_PLACEHOLDERS)
        return self


class Automation(_Rule):
    """Runs on the clock; see `engine.run_automations`.

    Besides firing at most once per ticket, an automation must (like in Zendesk) carry an `all`
    condition on elapsed time and a condition its own actions make false, so that even a caller
    that forgot to persist `already_fired` could not apply it hour after hour.
    """

    @model_validator(mode="after")
    def _fits_an_automation(self) -> Self:
        for group, index, condition in self.conditions():
            if condition.field in TRIGGER_ONLY_FIELDS or condition.op in CHANGE_OPERATORS:
                raise ValueError(
                    f"{group}[{index}]: '{condition.field} {condition.op}' is only available in "
                    "triggers (automations see the ticket as it is, not an update)"
                )
        if not any(condition.field in HOURS_FIELDS for condition in self.all):
            raise ValueError(
                "an automation needs an 'all' condition on time, such as "
                '{"field": "hours_since_solved", "op": "gte", "value": 96}'
            )
        nullified = [condition for condition in self.all if nullified_by(condition, self.actions)]
        any_nullified = bool(self.any) and all(
            nullified_by(condition, self.actions) for condition in self.any
        )
        if not nullified and not any_nullified:
            raise ValueError(
                "an automation needs a condition its own actions make false (for example "
                "status is solved + set_status closed), so it cannot apply again and again"
            )
        _check_templates(self.actions, AUTOMATION_PLACEHOLDERS)
        return self


class Macro(BaseModel):
    """A one-click bundle an agent applies to a ticket; see `engine.apply_macro`."""

    model_config = _STRICT

    id: int
    name: Name
    actions: Annotated[list[MacroAction], Field(min_length=1, max_length=50)]

    @model_validator(mode="after")
    def _one_reply_and_one_note(self) -> Self:
        for kind, name in ((ReplyPublic, "reply_public"), (AddInternalNote, "add_internal_note")):
            if sum(isinstance(action, kind) for action in self.actions) > 1:
                raise ValueError(f"a macro has at most one {name} action")
        _check_templates(self.actions, MACRO_PLACEHOLDERS)
        return self


_SCALAR_TARGETS: dict[type[BaseModel], tuple[str, str]] = {
    SetStatus: ("status", "status"),
    SetPriority: ("priority", "priority"),
    SetType: ("ticket_type", "ticket_type"),
    AssignAgent: ("assignee_id", "user_id"),
    AssignTeam: ("team_id", "team_id"),
}


def nullified_by(condition: Condition, actions: list[Action]) -> bool:
    """Whether, after `actions` run on *any* ticket, `condition` is certainly false.

    Scalar fields: the last action that sets the field decides the value. Tags: track which tags
    are certainly present or absent afterwards (`set_tags` knows them all).
    """
    final: dict[str, object] = {}
    present: set[str] = set()
    absent: set[str] = set()
    exact: set[str] | None = None
    for action in actions:
        if type(action) in _SCALAR_TARGETS:
            field, attribute = _SCALAR_TARGETS[type(action)]
            final[field] = getattr(action, attribute)
        elif isinstance(action, SetCustomField):
            final[CUSTOM_FIELD_PREFIX + action.key] = action.value
        elif isinstance(action, SetTags):
            exact, present, absent = set(action.tags), set(action.tags), set()
        elif isinstance(action, AddTags):
            present |= set(action.tags)
            absent -= set(action.tags)
            exact = None if exact is None else exact | set(action.tags)
        elif isinstance(action, RemoveTags):
            absent |= set(action.tags)
            present -= set(action.tags)
            exact = None if exact is None else exact - set(action.tags)
    if condition.field == "tags":
        wanted = condition.value if isinstance(condition.value, list) else [condition.value]
        if exact is not None:
            return not value_matches("tags", condition.op, condition.value, frozenset(exact))
        if condition.op == "contains":
            return all(tag in absent for tag in wanted)
        if condition.op == "not_contains":
            return any(tag in present for tag in wanted)
        return condition.op == "absent" and bool(present)
    if condition.field not in final:
        return False
    return not value_matches(condition.kind, condition.op, condition.value, final[condition.field])
