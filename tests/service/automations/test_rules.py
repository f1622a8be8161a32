"""Rule validation: every bad combination is refused when the rule is saved, with a clear reason."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from cxhub.service.automations.rules import (
    Action,
    Automation,
    Condition,
    Macro,
    TicketSnapshot,
    Trigger,
    nullified_by,
)

SOLVED = {"field": "status", "op": "is", "value": "solved"}
AFTER_96H = {"field": "hours_since_solved", "op": "gte", "value": 96}
CLOSE = {"type": "set_status", "status": "closed"}


def automation(all: list[dict[str, Any]], actions: list[dict[str, Any]], **kw: Any) -> Automation:
    return Automation.model_validate({"id": 1, "name": "a", "all": all, "actions": actions} | kw)


def trigger(all: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> Trigger:
    actions = actions or [{"type": "add_tags", "tags": ["x"]}]
    return Trigger.model_validate({"id": 1, "name": "t", "all": all, "actions": actions})


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "colour", "op": "is", "value": "red"}, "unknown field 'colour'"),
        ({"field": "custom_fields.", "op": "is", "value": 1}, "unknown field"),
        ({"field": "status", "op": "contains", "value": "sol"}, "does not take 'contains'"),
        ({"field": "status", "op": "is", "value": "done"}, "'done' is not a status"),
        ({"field": "priority", "op": "gt", "value": "critical"}, "not a priority"),
        ({"field": "priority", "op": "in", "value": []}, "list of 1 to 100"),
        ({"field": "priority", "op": "in", "value": "high"}, "list of 1 to 100"),
        ({"field": "priority", "op": "is", "value": ["high"]}, "not a list"),
        ({"field": "assignee_id", "op": "is", "value": "bob"}, "integer id"),
        ({"field": "assignee_id", "op": "is", "value": True}, "integer id"),
        ({"field": "sla_breached", "op": "is", "value": 1}, "true or false"),
        ({"field": "tags", "op": "is", "value": "vip"}, "does not take 'is'"),
        ({"field": "tags", "op": "contains", "value": "two words"}, "no spaces"),
        ({"field": "subject", "op": "contains", "value": ""}, "non-empty text"),
        ({"field": "subject", "op": "present", "value": "x"}, "takes no value"),
        ({"field": "subject", "op": "is"}, "needs a value"),
        ({"field": "event", "op": "is", "value": "ticket_deleted"}, "not an event"),
        ({"field": "message_text", "op": "changed"}, "does not take 'changed'"),
        ({"field": "hours_since_created", "op": "is", "value": 3}, "does not take 'is'"),
        ({"field": "hours_since_created", "op": "gt", "value": -1}, "number of hours"),
        ({"field": "custom_fields.plan", "op": "gt", "value": "gold"}, "compares with a number"),
        ({"field": "status", "op": "is", "value": "open", "extra": 1}, "Extra inputs"),
    ],
)
def test_bad_conditions_are_refused(condition: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Condition.model_validate(condition)


def test_good_conditions_are_accepted() -> None:
    for condition in [
        {"field": "priority", "op": "gte", "value": "high"},
        {"field": "tags", "op": "contains", "value": ["vip", "enterprise"]},
        {"field": "custom_fields.seats", "op": "lte", "value": 10.5},
        {"field": "custom_fields.plan", "op": "in", "value": ["gold", "silver"]},
        {"field": "team_id", "op": "changed_from", "value": 3},
        {"field": "requester_email", "op": "absent"},
    ]:
        Condition.model_validate(condition)


def test_changed_operators_are_for_triggers_only() -> None:
    changed = {"field": "priority", "op": "changed_to", "value": "urgent"}
    trigger([changed])
    with pytest.raises(
        ValidationError, match=r"all\[2\]: 'priority changed_to' is only available in triggers"
    ):
        automation([SOLVED, AFTER_96H, changed], [CLOSE])


def test_trigger_pseudo_fields_are_for_triggers_only() -> None:
    with pytest.raises(ValidationError, match="'event is' is only available in triggers"):
        automation(
            [SOLVED, AFTER_96H, {"field": "event", "op": "is", "value": "ticket_created"}], [CLOSE]
        )


def test_hours_conditions_are_for_automations_only() -> None:
    with pytest.raises(
        ValidationError, match=r"all\[0\]: hours_since_solved is only available in automations"
    ):
        trigger([AFTER_96H])


def test_trigger_needs_a_condition_and_an_action() -> None:
    with pytest.raises(ValidationError, match="at least one condition"):
        trigger([])
    with pytest.raises(ValidationError, match="at least 1 item"):
        Trigger.model_validate({"id": 1, "name": "t", "all": [SOLVED], "actions": []})


def test_automation_needs_a_time_condition() -> None:
    with pytest.raises(ValidationError, match="condition on time"):
        automation([SOLVED], [CLOSE])
    with pytest.raises(ValidationError, match="condition on time"):
        automation([SOLVED], [CLOSE], any=[AFTER_96H])


def test_automation_needs_a_condition_its_actions_nullify() -> None:
    with pytest.raises(ValidationError, match="cannot apply again and again"):
        automation([SOLVED, AFTER_96H], [{"type": "add_tags", "tags": ["stale"]}])
    with pytest.raises(ValidationError, match="cannot apply again and again"):
        automation([SOLVED, AFTER_96H], [{"type": "set_status", "status": "solved"}])
    automation([SOLVED, AFTER_96H], [CLOSE])


@pytest.mark.parametrize(
    ("condition", "actions", "nullified"),
    [
        (SOLVED, [CLOSE], True),
        (
            {"field": "status", "op": "lt", "value": "solved"},
            [{"type": "set_status", "status": "solved"}],
            True,
        ),
        (
            {"field": "status", "op": "lt", "value": "solved"},
            [{"type": "set_status", "status": "open"}],
            False,
        ),
        (
            {"field": "tags", "op": "not_contains", "value": "nudged"},
            [{"type": "add_tags", "tags": ["nudged"]}],
            True,
        ),
        (
            {"field": "tags", "op": "contains", "value": ["a", "b"]},
            [{"type": "remove_tags", "tags": ["a"]}],
            False,
        ),
        (
            {"field": "tags", "op": "contains", "value": ["a", "b"]},
            [{"type": "remove_tags", "tags": ["a", "b"]}],
            True,
        ),
        (
            {"field": "tags", "op": "contains", "value": "a"},
            [{"type": "set_tags", "tags": ["b"]}],
            True,
        ),
        ({"field": "tags", "op": "absent"}, [{"type": "add_tags", "tags": ["b"]}], True),
        ({"field": "tags", "op": "present"}, [{"type": "set_tags", "tags": []}], True),
        (
            {"field": "tags", "op": "not_contains", "value": "x"},
            [{"type": "add_tags", "tags": ["x"]}, {"type": "remove_tags", "tags": ["x"]}],
            False,
        ),
        ({"field": "assignee_id", "op": "absent"}, [{"type": "assign_agent", "user_id": 4}], True),
        (
            {"field": "custom_fields.reminded", "op": "is_not", "value": True},
            [{"type": "set_custom_field", "key": "reminded", "value": True}],
            True,
        ),
        ({"field": "priority", "op": "is", "value": "low"}, [CLOSE], False),
    ],
)
def test_nullified_by(
    condition: dict[str, Any], actions: list[dict[str, Any]], nullified: bool
) -> None:
    parsed = TypeAdapter(list[Action]).validate_python(actions)
    assert nullified_by(Condition.model_validate(condition), parsed) is nullified


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ({"type": "explode"}, "does not match any of the expected tags"),
        ({"type": "set_status", "status": "done"}, "set_status.status"),
        ({"type": "assign_agent", "user_id": "bob"}, "assign_agent.user_id"),
        ({"type": "add_tags", "tags": []}, "at least 1 item"),
        ({"type": "add_tags", "tags": ["with space"]}, "pattern"),
        ({"type": "set_custom_field", "key": "bad key", "value": 1}, "custom field keys"),
        (
            {"type": "notify", "recipients": ["boss"], "subject": "s", "body": "b"},
            "neither requester",
        ),
        ({"type": "notify", "recipients": [0], "subject": "s", "body": "b"}, "must be positive"),
        ({"type": "notify", "recipients": [True], "subject": "s", "body": "b"}, "recipients"),
        ({"type": "notify", "recipients": [], "subject": "s", "body": "b"}, "at least 1 item"),
        ({"type": "reply_public", "body": "{{ ticket.secret }}"}, "unknown placeholder"),
        (
            {"type": "reply_public", "body": "Hi {{ agent.name }}"},
            r"actions\[0\]\.body: unknown placeholder",
        ),
    ],
)
def test_bad_trigger_actions_are_refused(action: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        trigger([SOLVED], [action])


def test_trigger_actions_accepted() -> None:
    rule = trigger(
        [SOLVED],
        [
            {
                "type": "notify",
                "recipients": ["requester", "team", 7, "ops@example.com"],
                "subject": "#{{ ticket.number }}",
                "body": "{{ message.text }}",
            },
            {"type": "assign_agent", "user_id": None},
            {"type": "set_custom_field", "key": "plan", "value": None},
        ],
    )
    assert len(rule.actions) == 3


def test_automation_templates_cannot_use_message_or_agent() -> None:
    with pytest.raises(ValidationError, match="unknown placeholder"):
        automation(
            [SOLVED, AFTER_96H],
            [CLOSE, {"type": "add_internal_note", "body": "{{ message.text }}"}],
        )


def test_macro_actions_are_field_changes_and_texts_only() -> None:
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        Macro.model_validate(
            {
                "id": 1,
                "name": "m",
                "actions": [
                    {"type": "notify", "recipients": ["requester"], "subject": "s", "body": "b"}
                ],
            }
        )
    with pytest.raises(ValidationError, match="at most one reply_public"):
        Macro.model_validate(
            {
                "id": 1,
                "name": "m",
                "actions": [
                    {"type": "reply_public", "body": "a"},
                    {"type": "reply_public", "body": "b"},
                ],
            }
        )
    with pytest.raises(ValidationError, match="unknown placeholder"):
        Macro.model_validate(
            {
                "id": 1,
                "name": "m",
                "actions": [{"type": "reply_public", "body": "{{ message.text }}"}],
            }
        )


def test_snapshot_rejects_naive_datetimes_and_unknown_fields() -> None:
    base = {
        "number": 1, "status": "new", "priority": "low", "channel": "web", "subject": "s",
        "requester_name": "R", "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z", "status_changed_at": "2024-01-01T00:00:00Z",
    }  # fmt: skip
    TicketSnapshot.model_validate(base)
    with pytest.raises(ValidationError, match="timezone"):
        TicketSnapshot.model_validate(base | {"created_at": datetime(2024, 1, 1)})
    with pytest.raises(ValidationError, match="Extra inputs"):
        TicketSnapshot.model_validate(base | {"mood": "angry"})
    with pytest.raises(ValidationError, match="status"):
        TicketSnapshot.model_validate(base | {"status": "deleted"})


def test_rules_round_trip_through_json() -> None:
    rule = automation([SOLVED, AFTER_96H], [CLOSE])
    assert Automation.model_validate_json(rule.model_dump_json()) == rule


def test_the_json_examples_in_the_docs_are_valid_rules() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "automations.md").read_text("utf-8")
    examples = re.findall(r"```json\n(.*?)```", doc, flags=re.DOTALL)
    assert len(examples) == 3
    Trigger.model_validate_json(examples[0])
    Automation.model_validate_json(examples[1])
    Macro.model_validate_json(examples[2])


def test_the_template_example_in_the_docs_is_valid() -> None:
    source = (
        '{% if ticket.priority == "urgent" %}[URGENT] {% endif %}{{ ticket.subject|truncate(60) }}'
    )
    trigger([SOLVED], [{"type": "reply_public", "body": source}])


def test_automation_nullified_through_every_any_condition() -> None:
    pending = {"field": "status", "op": "is", "value": "pending"}
    automation([AFTER_96H], [CLOSE], any=[SOLVED, pending])
    with pytest.raises(ValidationError, match="cannot apply again and again"):
        automation(
            [AFTER_96H], [CLOSE], any=[SOLVED, {"field": "priority", "op": "is", "value": "low"}]
        )
