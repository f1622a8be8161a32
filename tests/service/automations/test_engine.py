"""The engine with hand-written Zendesk-style scenarios, plus properties over random trigger sets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxhub.service.automations.effects import FollowerAdded, InternalNote, Notification
from cxhub.service.automations.engine import (
    MAX_TRIGGER_FIRINGS,
    apply_macro,
    may_fire_on,
    run_automations,
    run_triggers,
)
from cxhub.service.automations.rules import Automation, Macro, TicketSnapshot, Trigger

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def snapshot(**changes: Any) -> TicketSnapshot:
    base: dict[str, Any] = {
        "number": 42,
        "status": "new",
        "priority": "normal",
        "channel": "email",
        "subject": "Cannot log in",
        "requester_name": "Giulia Rossi",
        "requester_email": "giulia@example.com",
        "account_name": "Acme",
        "created_at": T0,
        "updated_at": T0,
        "status_changed_at": T0,
    }
    return TicketSnapshot.model_validate(base | changes)


def trigger(
    id: int, all: list[dict[str, Any]], actions: list[dict[str, Any]], **kw: Any
) -> Trigger:
    return Trigger.model_validate(
        {"id": id, "name": f"trigger {id}", "position": id, "all": all, "actions": actions} | kw
    )


# --- triggers ------------------------------------------------------------------------------


def test_outage_becomes_urgent_and_urgent_goes_to_the_incident_team_in_one_run() -> None:
    # the team trigger sits *above* the priority one: only the restart makes it see "urgent"
    to_team = trigger(
        1,
        [{"field": "priority", "op": "is", "value": "urgent"}],
        [
            {"type": "assign_team", "team_id": 7},
            {
                "type": "add_internal_note",
                "body": "Routed #{{ ticket.number }} ({{ ticket.priority }})",
            },
        ],
    )
    urgent = trigger(
        2,
        [{"field": "subject", "op": "contains", "value": "OUTAGE"}],
        [{"type": "set_priority", "priority": "urgent"}],
    )
    run = run_triggers(
        [urgent, to_team],
        event="ticket_created",
        before=None,
        after=snapshot(subject="Total outage in EU region"),
    )
    assert run.fired == (2, 1)
    assert run.ticket.priority == "urgent"
    assert run.ticket.team_id == 7
    assert run.changed_fields == ("priority", "team_id")
    assert run.side_effects == (InternalNote(rule_id=1, body="Routed #42 (urgent)"),)


def test_ping_pong_tag_triggers_fire_once_each_and_stop() -> None:
    add = trigger(
        1,
        [{"field": "tags", "op": "not_contains", "value": "vip"}],
        [{"type": "add_tags", "tags": ["vip"]}],
    )
    remove = trigger(
        2,
        [{"field": "tags", "op": "contains", "value": "vip"}],
        [{"type": "remove_tags", "tags": ["vip"]}],
    )
    run = run_triggers([add, remove], event="ticket_updated", before=snapshot(), after=snapshot())
    assert run.fired == (1, 2)
    assert run.ticket.tags == frozenset()
    assert not run.capped


def test_changed_to_compares_with_the_state_before_the_update() -> None:
    solved = trigger(
        1,
        [{"field": "status", "op": "changed_to", "value": "solved"}],
        [{"type": "notify", "recipients": ["requester"], "subject": "Solved", "body": "Bye"}],
    )
    before = snapshot(status="open")
    fired = run_triggers(
        [solved], event="ticket_updated", before=before, after=snapshot(status="solved")
    )
    assert fired.fired == (1,)
    assert fired.side_effects == (
        Notification(
            rule_id=1,
            emails=("giulia@example.com",),
            user_ids=(),
            team_ids=(),
            subject="Solved",
            body="Bye",
        ),
    )
    already = run_triggers(
        [solved],
        event="ticket_updated",
        before=snapshot(status="solved"),
        after=snapshot(status="solved"),
    )
    assert already.fired == ()


def test_changed_to_sees_a_change_made_by_an_earlier_trigger() -> None:
    escalate = trigger(
        1,
        [{"field": "event", "op": "is", "value": "sla_breached"}],
        [{"type": "set_priority", "priority": "high"}],
    )
    follow = trigger(
        2,
        [{"field": "priority", "op": "changed_to", "value": "high"}],
        [{"type": "add_follower", "user_id": 9}],
    )
    run = run_triggers(
        [escalate, follow], event="sla_breached", before=snapshot(), after=snapshot()
    )
    assert run.fired == (1, 2)
    assert run.side_effects == (FollowerAdded(rule_id=2, user_id=9),)


def test_all_and_any_semantics() -> None:
    rule = trigger(
        1,
        [{"field": "channel", "op": "is", "value": "email"}],
        [{"type": "add_tags", "tags": ["hit"]}],
        any=[
            {"field": "priority", "op": "gte", "value": "high"},
            {"field": "account_tier", "op": "in", "value": ["enterprise", "premium"]},
        ],
    )

    def fires(**changes: Any) -> bool:
        run = run_triggers([rule], event="ticket_updated", before=None, after=snapshot(**changes))
        return run.fired == (1,)

    assert fires(priority="urgent")
    assert fires(account_tier="Premium")  # text compares case-insensitively
    assert not fires()  # no `any` condition holds
    assert not fires(channel="chat", priority="urgent")  # an `all` condition fails


def test_inactive_triggers_are_ignored() -> None:
    rule = trigger(
        1,
        [{"field": "status", "op": "is", "value": "new"}],
        [{"type": "set_status", "status": "open"}],
        active=False,
    )
    run = run_triggers([rule], event="ticket_created", before=None, after=snapshot())
    assert run.fired == ()
    assert run.ticket == snapshot()


def test_message_text_and_event_conditions() -> None:
    refund = trigger(
        1,
        [
            {"field": "event", "op": "in", "value": ["customer_replied", "ticket_created"]},
            {"field": "message_text", "op": "contains", "value": "rimborso"},
        ],
        [
            {
                "type": "notify",
                "recipients": ["assignee", 5, "billing@example.com"],
                "subject": "Refund on #{{ ticket.number }}",
                "body": "{{ message.text }}",
            }
        ],
    )
    run = run_triggers(
        [refund],
        event="customer_replied",
        before=snapshot(),
        after=snapshot(assignee_id=5),
        message_text="Vorrei un RIMBORSO, grazie",
    )
    (notification,) = run.side_effects
    assert isinstance(notification, Notification)
    assert notification.user_ids == (5,)  # the assignee and user 5 are the same person
    assert notification.emails == ("billing@example.com",)
    assert notification.body == "Vorrei un RIMBORSO, grazie"
    assert (
        run_triggers(
            [refund], event="agent_replied", before=None, after=snapshot(), message_text="rimborso"
        ).fired
        == ()
    )


TAG = [{"type": "add_tags", "tags": ["seen"]}]


@pytest.mark.parametrize(
    ("condition", "fires_on"),
    [
        ({"op": "is", "value": "ticket_created"}, {"ticket_created"}),
        ({"op": "is_not", "value": "note_added"}, {"ticket_created", "agent_replied"}),
        ({"op": "in", "value": ["note_added", "agent_replied"]}, {"note_added", "agent_replied"}),
        ({"op": "not_in", "value": ["note_added"]}, {"ticket_created", "agent_replied"}),
    ],
)
def test_may_fire_on_agrees_with_a_run(condition: dict[str, Any], fires_on: set[str]) -> None:
    """`may_fire_on` (the pre-filter of the ticket transaction) rules a trigger out exactly for
    the events on which a run could never fire it."""
    rule = trigger(1, [{"field": "event", **condition}], TAG)
    for event in ("ticket_created", "note_added", "agent_replied"):
        run = run_triggers([rule], event=event, before=snapshot(), after=snapshot())
        assert may_fire_on(rule, event) is (event in fires_on)
        assert (run.fired == (1,)) is (event in fires_on)
    # conditions on other fields, or in `any`, never rule a trigger out
    other = trigger(2, [{"field": "priority", "op": "is", "value": "urgent"}], TAG)
    assert may_fire_on(other, "note_added")
    either = trigger(
        3,
        [{"field": "status", "op": "is", "value": "new"}],
        TAG,
        any=[{"field": "event", "op": "is", "value": "ticket_created"}],
    )
    assert may_fire_on(either, "note_added")


def test_notification_to_nobody_is_dropped() -> None:
    rule = trigger(
        1,
        [{"field": "assignee_id", "op": "absent"}],
        [{"type": "notify", "recipients": ["assignee"], "subject": "s", "body": "b"}],
    )
    run = run_triggers([rule], event="ticket_created", before=None, after=snapshot())
    assert run.fired == (1,)
    assert run.side_effects == ()


def test_custom_fields_conditions_and_actions() -> None:
    rule = trigger(
        1,
        [{"field": "custom_fields.seats", "op": "gt", "value": 100}],
        [{"type": "set_custom_field", "key": "segment", "value": "large"}],
    )
    run = run_triggers(
        [rule], event="ticket_updated", before=None, after=snapshot(custom_fields={"seats": 250})
    )
    assert run.ticket.custom_fields == {"seats": 250, "segment": "large"}
    assert run.changed_fields == ("custom_fields.segment",)
    assert (
        run_triggers(
            [rule],
            event="ticket_updated",
            before=None,
            after=snapshot(custom_fields={"seats": "lots"}),
        ).fired
        == ()
    )


def test_unknown_event_and_duplicate_ids_are_refused() -> None:
    rule = trigger(
        1, [{"field": "status", "op": "is", "value": "new"}], [{"type": "add_tags", "tags": ["a"]}]
    )
    with pytest.raises(ValueError, match="unknown event"):
        run_triggers([rule], event="ticket_exploded", before=None, after=snapshot())
    with pytest.raises(ValueError, match="unique"):
        run_triggers([rule, rule], event="ticket_created", before=None, after=snapshot())


# --- automations ---------------------------------------------------------------------------


CLOSE_AFTER_96H = Automation.model_validate(
    {
        "id": 10,
        "name": "Close solved tickets after 4 days",
        "all": [
            {"field": "status", "op": "is", "value": "solved"},
            {"field": "hours_since_solved", "op": "gte", "value": 96},
        ],
        "actions": [
            {"type": "set_status", "status": "closed"},
            {"type": "add_internal_note", "body": "Closed automatically"},
        ],
    }
)


def test_solved_for_96_hours_closes_once_and_not_at_95() -> None:
    solved = snapshot(status="solved", solved_at=T0, status_changed_at=T0)
    early = run_automations(
        [CLOSE_AFTER_96H], ticket=solved, now=T0 + timedelta(hours=95), already_fired=set()
    )
    assert early.fired == ()
    assert early.ticket == solved

    now = T0 + timedelta(hours=96)
    run = run_automations([CLOSE_AFTER_96H], ticket=solved, now=now, already_fired=set())
    assert run.fired == (10,)
    assert run.ticket.status == "closed"
    assert run.ticket.status_changed_at == now
    assert run.ticket.updated_at == now
    assert run.side_effects == (InternalNote(rule_id=10, body="Closed automatically"),)

    again = run_automations(
        [CLOSE_AFTER_96H], ticket=solved, now=now + timedelta(hours=1), already_fired={10}
    )
    assert again.fired == ()


def test_later_automations_see_earlier_changes_in_the_same_tick() -> None:
    reopen_reminder = Automation.model_validate(
        {
            "id": 11,
            "name": "Remind on stale solved",
            "position": 5,
            "all": [
                {"field": "status", "op": "is", "value": "solved"},
                {"field": "hours_since_solved", "op": "gte", "value": 24},
                {"field": "tags", "op": "not_contains", "value": "reminded"},
            ],
            "actions": [{"type": "add_tags", "tags": ["reminded"]}],
        }
    )
    solved = snapshot(status="solved", solved_at=T0)
    run = run_automations(
        [reopen_reminder, CLOSE_AFTER_96H],
        ticket=solved,
        now=T0 + timedelta(hours=100),
        already_fired=set(),
    )
    assert run.fired == (
        CLOSE_AFTER_96H.id,
    )  # position 0 closed it first; "solved" no longer holds


def test_automations_need_an_aware_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        run_automations(
            [CLOSE_AFTER_96H], ticket=snapshot(), now=datetime(2024, 1, 1), already_fired=set()
        )


# --- macros --------------------------------------------------------------------------------


def test_macro_renders_italian_and_chinese_text_with_placeholders() -> None:
    macro = Macro.model_validate(
        {
            "id": 3,
            "name": "Risposta / 回复",
            "actions": [
                {"type": "set_status", "status": "pending"},
                {"type": "add_tags", "tags": ["in_attesa"]},
                {
                    "type": "reply_public",
                    "body": "Ciao {{ requester.first_name }}, il ticket n. {{ ticket.number }} è "
                    "«{{ ticket.status }}». 您好，{{ requester.name }}！\n— {{ agent.name }}",
                },
                {
                    "type": "add_internal_note",
                    "body": "由 {{ agent.email }} 处理: {{ ticket.url }}",
                },
            ],
        }
    )
    result = apply_macro(
        macro,
        snapshot(status="open", requester_name="王小明"),
        agent_name="Lucia Bianchi",
        agent_email="lucia@example.com",
        ticket_url="https://help.example.com/tickets/42",
    )
    assert result.ticket.status == "pending"
    assert result.ticket.tags == frozenset({"in_attesa"})
    assert result.public_reply == (
        "Ciao 王小明, il ticket n. 42 è «pending». 您好，王小明！\n— Lucia Bianchi"
    )
    assert result.internal_note == "由 lucia@example.com 处理: https://help.example.com/tickets/42"
    assert result.changed_fields == ("status", "tags")


def test_macro_without_texts() -> None:
    macro = Macro.model_validate(
        {"id": 4, "name": "Urgent", "actions": [{"type": "set_priority", "priority": "urgent"}]}
    )
    result = apply_macro(macro, snapshot(), agent_name="", agent_email="a@example.com")
    assert (result.public_reply, result.internal_note) == (None, None)


# --- properties ----------------------------------------------------------------------------

_CONDITIONS = st.sampled_from(
    [
        {"field": "tags", "op": "contains", "value": "a"},
        {"field": "tags", "op": "not_contains", "value": "a"},
        {"field": "tags", "op": "contains", "value": "b"},
        {"field": "tags", "op": "absent"},
        {"field": "priority", "op": "lt", "value": "urgent"},
        {"field": "priority", "op": "changed"},
        {"field": "status", "op": "is_not", "value": "open"},
        {"field": "status", "op": "changed_to", "value": "open"},
        {"field": "team_id", "op": "absent"},
        {"field": "team_id", "op": "is", "value": 1},
        {"field": "custom_fields.n", "op": "gte", "value": 1},
    ]
)
_ACTIONS = st.sampled_from(
    [
        {"type": "add_tags", "tags": ["a"]},
        {"type": "remove_tags", "tags": ["a", "b"]},
        {"type": "set_tags", "tags": ["b"]},
        {"type": "set_priority", "priority": "urgent"},
        {"type": "set_priority", "priority": "low"},
        {"type": "set_status", "status": "open"},
        {"type": "set_status", "status": "pending"},
        {"type": "assign_team", "team_id": 1},
        {"type": "assign_team", "team_id": None},
        {"type": "set_custom_field", "key": "n", "value": 2},
        {"type": "add_internal_note", "body": "{{ ticket.tags }}"},
    ]
)
_TRIGGERS = st.lists(
    st.fixed_dictionaries(
        {
            "all": st.lists(_CONDITIONS, max_size=3),
            "any": st.lists(_CONDITIONS, max_size=2),
            "actions": st.lists(_ACTIONS, min_size=1, max_size=3),
            "position": st.integers(0, 5),
            "active": st.booleans(),
        }
    ).filter(lambda t: bool(t["all"] or t["any"])),
    max_size=12,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(specs=_TRIGGERS, tags=st.sets(st.sampled_from(["a", "b", "c"])))
def test_any_trigger_set_terminates_with_each_trigger_at_most_once(
    specs: list[dict[str, Any]], tags: set[str]
) -> None:
    triggers = [
        Trigger.model_validate({"id": index + 1, "name": f"t{index}"} | spec)
        for index, spec in enumerate(specs)
    ]
    run = run_triggers(
        triggers, event="ticket_updated", before=snapshot(), after=snapshot(tags=frozenset(tags))
    )
    assert len(run.fired) == len(set(run.fired))
    active = {t.id for t in triggers if t.active}
    assert set(run.fired) <= active
    assert not run.capped
    assert len(run.fired) <= min(len(active), MAX_TRIGGER_FIRINGS)


def test_the_hard_cap_stops_a_huge_run() -> None:
    triggers = [
        trigger(
            i,
            [{"field": "status", "op": "is", "value": "new"}],
            [{"type": "add_tags", "tags": [f"t{i}"]}],
        )
        for i in range(1, MAX_TRIGGER_FIRINGS + 6)
    ]
    run = run_triggers(triggers, event="ticket_created", before=None, after=snapshot())
    assert len(run.fired) == MAX_TRIGGER_FIRINGS
    assert run.capped
