"""The rule engine: rules plus a ticket snapshot in, a new snapshot plus typed side effects out.

Pure on purpose: no database, no clock (time is passed in), no sending. The integrator loads the
rules, builds snapshots, calls one of the three entry points and applies the result inside its own
transaction — writing the changed fields, then releasing the side effects (emails, replies, notes,
followers) after commit like any other domain event.

Why loops are impossible: within one `run_triggers` call a trigger fires at most once, and each
restart from the top is caused by a trigger that has not fired yet, so a run evaluates at most
`len(triggers)` rounds (and `MAX_TRIGGER_FIRINGS` caps it regardless). Field changes made by
triggers never start another run: the integrator must persist `TriggerRun.ticket` *without*
running triggers on that write. Automations fire at most once per ticket, enforced with the
`already_fired` set the caller persists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from cxhub.service.automations.actions import (
    Action,
    AddInternalNote,
    AddTags,
    AssignAgent,
    AssignTeam,
    MacroAction,
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
    TRIGGER_EVENTS,
    Condition,
    value_matches,
)
from cxhub.service.automations.effects import (
    SideEffect,
    placeholder_values,
    render_side_effects,
)
from cxhub.service.automations.rules import Automation, Macro, TicketSnapshot, Trigger
from cxhub.service.automations.templates import render_template

#: A safety net under the once-per-run rule; a workspace with more triggers than this firing on
#: one update has a configuration problem, and the run stops with `capped=True`.
MAX_TRIGGER_FIRINGS = 100

_RESULT = ConfigDict(extra="forbid", frozen=True)


class TriggerRun(BaseModel):
    """`ticket` is the snapshot to persist (without re-running triggers); `fired` lists trigger
    ids in firing order; `changed_fields` compares `ticket` with the `after` passed in."""

    model_config = _RESULT
    ticket: TicketSnapshot
    fired: tuple[int, ...]
    side_effects: tuple[SideEffect, ...]
    changed_fields: tuple[str, ...]
    capped: bool = False


class AutomationRun(BaseModel):
    """`fired` must be added to the ticket's persisted `already_fired` set."""

    model_config = _RESULT
    ticket: TicketSnapshot
    fired: tuple[int, ...]
    side_effects: tuple[SideEffect, ...]
    changed_fields: tuple[str, ...]


class MacroResult(BaseModel):
    """The ticket with the macro's field changes, and the rendered texts for the agent to review
    (the UI puts them in the composer; nothing is sent by applying a macro)."""

    model_config = _RESULT
    ticket: TicketSnapshot
    public_reply: str | None
    internal_note: str | None
    changed_fields: tuple[str, ...]


@dataclass(frozen=True)
class _Situation:
    """Everything a condition can look at: the working ticket and what the run was given."""

    ticket: TicketSnapshot
    before: TicketSnapshot | None = None
    event: str | None = None
    message_text: str | None = None
    now: datetime | None = None


def _snapshot_value(ticket: TicketSnapshot, field: str) -> object:
    if field.startswith(CUSTOM_FIELD_PREFIX):
        return ticket.custom_fields.get(field.removeprefix(CUSTOM_FIELD_PREFIX))
    return getattr(ticket, field)


def _condition_holds(condition: Condition, situation: _Situation) -> bool:
    """Evaluate one condition; `changed*` compares the run's `before` with the working ticket,
    so a field changed by an earlier trigger in the same run counts as changed."""
    field, op = condition.field, condition.op
    if field == "event":
        return value_matches("event", op, condition.value, situation.event)
    if field == "message_text":
        return value_matches("message", op, condition.value, situation.message_text)
    if field in HOURS_FIELDS:
        stamp = getattr(situation.ticket, HOURS_FIELDS[field])
        if stamp is None or situation.now is None:
            return False
        hours = (situation.now - stamp).total_seconds() / 3600
        return value_matches("hours", op, condition.value, hours)
    current = _snapshot_value(situation.ticket, field)
    if op not in CHANGE_OPERATORS:
        return value_matches(condition.kind, op, condition.value, current)
    # A new ticket (no `before`) changed every field from nothing.
    previous = _snapshot_value(situation.before, field) if situation.before else None
    if field == "tags" and previous is None:
        previous = frozenset()
    if previous == current:
        return False
    if op == "changed":
        return True
    compared = current if op == "changed_to" else previous
    return value_matches(condition.kind, "is", condition.value, compared)


def may_fire_on(trigger: Trigger, event: str) -> bool:
    """False when one of the trigger's `all` conditions on the event rules `event` out: such a
    trigger cannot match at any point of a run on `event` (the event never changes during a
    run), so the caller can leave it out, and skip the run's preparation when none is left."""
    return all(
        value_matches("event", condition.op, condition.value, event)
        for condition in trigger.all
        if condition.field == "event"
    )


def _rule_matches(rule: Trigger | Automation, situation: _Situation) -> bool:
    """Every `all` condition, and at least one `any` condition when there are any."""
    if not all(_condition_holds(condition, situation) for condition in rule.all):
        return False
    return not rule.any or any(_condition_holds(condition, situation) for condition in rule.any)


def apply_field_actions(
    ticket: TicketSnapshot, actions: Iterable[Action | MacroAction]
) -> TicketSnapshot:
    """Apply field-changing actions in order; other actions are side effects and skipped here.
    Timestamps are left alone: stamping them is the caller's (or `run_automations`') job."""
    update: dict[str, object] = {}
    tags = set(ticket.tags)
    custom = dict(ticket.custom_fields)
    for action in actions:
        match action:
            case SetStatus():
                update["status"] = action.status
            case SetPriority():
                update["priority"] = action.priority
            case SetType():
                update["ticket_type"] = action.ticket_type
            case AssignAgent():
                update["assignee_id"] = action.user_id
            case AssignTeam():
                update["team_id"] = action.team_id
            case AddTags():
                tags |= set(action.tags)
            case RemoveTags():
                tags -= set(action.tags)
            case SetTags():
                tags = set(action.tags)
            case SetCustomField():
                custom[action.key] = action.value
            case _:
                pass
    if tags != ticket.tags:
        update["tags"] = frozenset(tags)
    if custom != ticket.custom_fields:
        update["custom_fields"] = custom
    return ticket.model_copy(update=update) if update else ticket


def changed_fields(old: TicketSnapshot, new: TicketSnapshot) -> tuple[str, ...]:
    """Snapshot fields that differ, custom fields as `custom_fields.<key>` (for the audit log)."""
    names: list[str] = []
    for name in TicketSnapshot.model_fields:
        if name == "custom_fields":
            keys = sorted(old.custom_fields.keys() | new.custom_fields.keys())
            names += [
                CUSTOM_FIELD_PREFIX + key
                for key in keys
                if key not in old.custom_fields
                or key not in new.custom_fields
                or old.custom_fields[key] != new.custom_fields[key]
            ]
        elif getattr(old, name) != getattr(new, name):
            names.append(name)
    return tuple(names)


_Rule = TypeVar("_Rule", Trigger, Automation)


def _in_order(rules: Iterable[_Rule]) -> list[_Rule]:
    """Active rules by position, id breaking ties so the order never depends on load order."""
    ordered = sorted((rule for rule in rules if rule.active), key=lambda r: (r.position, r.id))
    ids = [rule.id for rule in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("rule ids must be unique within one run")
    return ordered


def run_triggers(
    triggers: Iterable[Trigger],
    *,
    event: str,
    before: TicketSnapshot | None,
    after: TicketSnapshot,
    message_text: str | None = None,
    ticket_url: str = "",
) -> TriggerRun:
    """Run triggers on one update the Zendesk way.

    Active triggers are checked in position order; when one matches, its field actions change the
    working ticket and checking restarts from the top, skipping triggers that already fired. The
    run ends when a full pass fires nothing. `before` stays the pre-update ticket throughout
    (None for a new ticket), so `changed*` sees changes made by the update and by earlier triggers.
    """
    if event not in TRIGGER_EVENTS:
        raise ValueError(f"unknown event {event!r}; use one of {', '.join(TRIGGER_EVENTS)}")
    ordered = _in_order(triggers)
    working = after
    fired: list[Trigger] = []
    fired_ids: set[int] = set()
    capped = False
    while True:
        situation = _Situation(working, before, event, message_text)
        match = next(
            (t for t in ordered if t.id not in fired_ids and _rule_matches(t, situation)), None
        )
        if match is None:
            break
        if len(fired) >= MAX_TRIGGER_FIRINGS:
            capped = True
            break
        working = apply_field_actions(working, match.actions)
        fired.append(match)
        fired_ids.add(match.id)
    values = placeholder_values(working, ticket_url=ticket_url) | {
        "message.text": message_text or ""
    }
    return TriggerRun(
        ticket=working,
        fired=tuple(t.id for t in fired),
        side_effects=render_side_effects(fired, working, values),
        changed_fields=changed_fields(after, working),
        capped=capped,
    )


def run_automations(
    automations: Iterable[Automation],
    *,
    ticket: TicketSnapshot,
    now: datetime,
    already_fired: set[int],
    ticket_url: str = "",
) -> AutomationRun:
    """One clock tick for one ticket: each active automation not in `already_fired`, in position
    order, fires when its conditions hold at `now`; later ones see earlier ones' changes.

    A firing that changes fields stamps `updated_at` = `now` (and `status_changed_at`, and
    `solved_at` on a change to solved), because the automation *is* an update at `now` and later
    automations in the same tick must see the fresh clocks. `already_fired` is not modified.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    working = ticket
    fired: list[Automation] = []
    for automation in _in_order(automations):
        if automation.id in already_fired:
            continue
        if not _rule_matches(automation, _Situation(working, now=now)):
            continue
        changed = apply_field_actions(working, automation.actions)
        if changed != working:
            stamps: dict[str, object] = {"updated_at": now}
            if changed.status != working.status:
                stamps["status_changed_at"] = now
                if changed.status == "solved":
                    stamps["solved_at"] = now
            changed = changed.model_copy(update=stamps)
        working = changed
        fired.append(automation)
    values = placeholder_values(working, ticket_url=ticket_url)
    return AutomationRun(
        ticket=working,
        fired=tuple(a.id for a in fired),
        side_effects=render_side_effects(fired, working, values),
        changed_fields=changed_fields(ticket, working),
    )


def apply_macro(
    macro: Macro,
    ticket: TicketSnapshot,
    *,
    agent_name: str,
    agent_email: str,
    ticket_url: str = "",
) -> MacroResult:
    """Apply a macro's field changes and render its reply and note as the given agent.

    Texts are rendered against the changed ticket, so "I've set this to {{ ticket.priority }}"
    reads right. Timestamps are left to the caller, which saves the agent's update as usual.
    """
    changed = apply_field_actions(ticket, macro.actions)
    agent_parts = agent_name.split()
    values = placeholder_values(changed, ticket_url=ticket_url) | {
        "agent.name": agent_name,
        "agent.first_name": agent_parts[0] if agent_parts else "",
        "agent.email": agent_email,
    }
    reply = next((a for a in macro.actions if isinstance(a, ReplyPublic)), None)
    note = next((a for a in macro.actions if isinstance(a, AddInternalNote)), None)
    return MacroResult(
        ticket=changed,
        public_reply=render_template(reply.body, values) if reply else None,
        internal_note=render_template(note.body, values) if note else None,
        changed_fields=changed_fields(ticket, changed),
    )
