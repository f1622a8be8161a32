"""The condition vocabulary (fields, operators, values) and how one condition meets one value.

Kept apart from the rule models so that both the validators in `rules` (which must ask "would this
automation's own actions make this condition false?") and the engine use one comparison, and an
operator can never mean two things. Which operator a field accepts, and of what value, is decided
by the field's *kind*; `Condition` refuses any other combination when a rule is saved.
"""

from __future__ import annotations

import re
from typing import Literal, Self, TypeAlias, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)

TicketStatus = Literal["new", "open", "pending", "on_hold", "solved", "closed"]
TicketPriority = Literal["low", "normal", "high", "urgent"]
TriggerEvent = Literal[
    "ticket_created", "ticket_updated", "customer_replied", "agent_replied", "note_added",
    "sla_breached",
]  # fmt: skip
Operator = Literal[
    "is", "is_not", "in", "not_in", "contains", "not_contains", "gt", "gte", "lt", "lte",
    "changed", "changed_to", "changed_from", "present", "absent",
]  # fmt: skip
FieldKind = Literal[
    "status", "priority", "text", "id", "tags", "flag", "custom", "event", "message", "hours"
]

TICKET_STATUSES: tuple[TicketStatus, ...] = get_args(TicketStatus)
TICKET_PRIORITIES: tuple[TicketPriority, ...] = get_args(TicketPriority)
TRIGGER_EVENTS: tuple[TriggerEvent, ...] = get_args(TriggerEvent)
#: `gt`/`lt` on status and priority compare by these ranks (new < … < closed, low < … < urgent).
STATUS_RANK: dict[str, int] = {status: rank for rank, status in enumerate(TICKET_STATUSES)}
PRIORITY_RANK: dict[str, int] = {priority: rank for rank, priority in enumerate(TICKET_PRIORITIES)}

#: Snapshot fields a condition may test, by kind. `custom_fields.<key>` is added by pattern.
SNAPSHOT_FIELDS: dict[str, FieldKind] = {
    "status": "status",
    "priority": "priority",
    "ticket_type": "text",
    "channel": "text",
    "subject": "text",
    "assignee_id": "id",
    "team_id": "id",
    "tags": "tags",
    "requester_email": "text",
    "requester_name": "text",
    "requester_locale": "text",
    "account_name": "text",
    "account_tier": "text",
    "sla_breached": "flag",
}
#: Pseudo-fields that only make sense while reacting to an update.
TRIGGER_ONLY_FIELDS: dict[str, FieldKind] = {"event": "event", "message_text": "message"}
#: Hours since a snapshot timestamp, only meaningful for rules run by the clock.
HOURS_FIELDS: dict[str, str] = {
    "hours_since_created": "created_at",
    "hours_since_updated": "updated_at",
    "hours_since_status_changed": "status_changed_at",
    "hours_since_solved": "solved_at",
    "hours_since_last_customer_message": "last_customer_message_at",
    "hours_since_last_agent_reply": "last_agent_reply_at",
}
CUSTOM_FIELD_PREFIX = "custom_fields."
CUSTOM_FIELD_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")

CHANGE_OPERATORS: frozenset[str] = frozenset({"changed", "changed_to", "changed_from"})
_ORDER = ("gt", "gte", "lt", "lte")
_CHANGES = ("changed", "changed_to", "changed_from")
OPERATORS_BY_KIND: dict[FieldKind, frozenset[str]] = {
    "status": frozenset({"is", "is_not", "in", "not_in", *_ORDER, *_CHANGES}),
    "priority": frozenset({"is", "is_not", "in", "not_in", *_ORDER, *_CHANGES}),
    "text": frozenset(
        {"is", "is_not", "in", "not_in", "contains", "not_contains", "present", "absent", *_CHANGES}
    ),
    "id": frozenset({"is", "is_not", "in", "not_in", "present", "absent", *_CHANGES}),
    "tags": frozenset({"contains", "not_contains", "present", "absent", "changed"}),
    "flag": frozenset({"is", "is_not", *_CHANGES}),
    "custom": frozenset(
        {"is", "is_not", "in", "not_in", "contains", "not_contains", "present", "absent"}
        | {*_ORDER, *_CHANGES}
    ),
    "event": frozenset({"is", "is_not", "in", "not_in"}),
    "message": frozenset({"contains", "not_contains", "present", "absent"}),
    "hours": frozenset(_ORDER),
}
MAX_LIST_VALUES = 100
MAX_HOURS = 24 * 366 * 5

Scalar: TypeAlias = StrictStr | StrictBool | StrictInt | StrictFloat
ConditionValue: TypeAlias = Scalar | list[Scalar] | None


def field_kind(field: str) -> FieldKind | None:
    """The kind of a condition field, or None when the name is not in the vocabulary."""
    if field in SNAPSHOT_FIELDS:
        return SNAPSHOT_FIELDS[field]
    if field in TRIGGER_ONLY_FIELDS:
        return TRIGGER_ONLY_FIELDS[field]
    if field in HOURS_FIELDS:
        return "hours"
    if field.startswith(CUSTOM_FIELD_PREFIX) and CUSTOM_FIELD_KEY.fullmatch(
        field.removeprefix(CUSTOM_FIELD_PREFIX)
    ):
        return "custom"
    return None


def _is_number(value: object) -> bool:
    # bool is an int subclass in Python, but `true > 3` is never what an admin meant
    return isinstance(value, int | float) and not isinstance(value, bool)


class Condition(BaseModel):
    """One test on a ticket: `{"field": "priority", "op": "gte", "value": "high"}`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    op: Operator
    value: ConditionValue = None

    @field_validator("field")
    @classmethod
    def _known_field(cls, field: str) -> str:
        if field_kind(field) is None:
            known = ", ".join([*SNAPSHOT_FIELDS, *TRIGGER_ONLY_FIELDS, *HOURS_FIELDS])
            raise ValueError(
                f"unknown field {field!r}; use one of {known} or custom_fields.<key> "
                "(key: letters, digits, '_' or '-', up to 64)"
            )
        return field

    @property
    def kind(self) -> FieldKind:
        kind = field_kind(self.field)
        assert kind is not None  # checked by the field validator
        return kind

    @model_validator(mode="after")
    def _operator_and_value_fit_the_field(self) -> Self:
        kind = self.kind
        if self.op not in OPERATORS_BY_KIND[kind]:
            allowed = ", ".join(sorted(OPERATORS_BY_KIND[kind]))
            raise ValueError(f"{self.field!r} does not take {self.op!r}; it takes {allowed}")
        if self.op in {"present", "absent", "changed"}:
            if self.value is not None:
                raise ValueError(f"{self.op!r} takes no value")
            return self
        if self.value is None:
            raise ValueError(f"{self.op!r} on {self.field!r} needs a value")
        if self.op in {"in", "not_in"}:
            if not isinstance(self.value, list) or not 1 <= len(self.value) <= MAX_LIST_VALUES:
                raise ValueError(f"{self.op!r} needs a list of 1 to {MAX_LIST_VALUES} values")
            for item in self.value:
                self._check_scalar(kind, "is", item)
            return self
        if kind == "tags":
            tags = self.value if isinstance(self.value, list) else [self.value]
            if not 1 <= len(tags) <= MAX_LIST_VALUES or not all(_is_tag(tag) for tag in tags):
                raise ValueError("tags conditions take a tag or a list of tags (no spaces)")
            return self
        if isinstance(self.value, list):
            raise ValueError(f"{self.op!r} takes one value, not a list")
        self._check_scalar(kind, self.op, self.value)
        return self

    def _check_scalar(self, kind: FieldKind, op: str, value: object) -> None:
        """Raise unless `value` is something `field op value` can ever be true for."""
        if op in {"contains", "not_contains"}:
            if not isinstance(value, str) or not value:
                raise ValueError(f"{op!r} needs non-empty text")
            return
        if kind == "status" and value not in STATUS_RANK:
            raise ValueError(f"{value!r} is not a status; use one of {', '.join(TICKET_STATUSES)}")
        if kind == "priority" and value not in PRIORITY_RANK:
            raise ValueError(
                f"{value!r} is not a priority; use one of {', '.join(TICKET_PRIORITIES)}"
            )
        if kind == "event" and value not in TRIGGER_EVENTS:
            raise ValueError(f"{value!r} is not an event; use one of {', '.join(TRIGGER_EVENTS)}")
        if kind in {"text", "message"} and not isinstance(value, str):
            raise ValueError(f"{self.field!r} compares with text")
        if kind == "id" and not (isinstance(value, int) and not isinstance(value, bool)):
            raise ValueError(f"{self.field!r} compares with an integer id")
        if kind == "flag" and not isinstance(value, bool):
            raise ValueError(f"{self.field!r} compares with true or false")
        if kind == "hours" and not _is_hours(value):
            raise ValueError(f"{self.field!r} compares with a number of hours (0 to {MAX_HOURS})")
        if kind == "custom" and op in _ORDER and not _is_number(value):
            raise ValueError(f"{op!r} on a custom field compares with a number")


def _is_hours(value: object) -> bool:
    return _is_number(value) and isinstance(value, int | float) and 0 <= value <= MAX_HOURS


def _is_tag(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 80 and not any(c.isspace() for c in value)


def is_present(actual: object) -> bool:
    """Blank text and an empty tag set count as absent, like an unset field in the UI."""
    if actual is None:
        return False
    if isinstance(actual, str):
        return bool(actual.strip())
    if isinstance(actual, frozenset | set):
        return bool(actual)
    return True


def _equal(expected: object, actual: object) -> bool:
    """Text compares case-insensitively; numbers numerically; booleans only with booleans."""
    if actual is None or expected is None:
        return False
    if isinstance(expected, bool) or isinstance(actual, bool):
        return isinstance(expected, bool) and isinstance(actual, bool) and expected == actual
    if isinstance(expected, str) and isinstance(actual, str):
        return expected.casefold() == actual.casefold()
    if _is_number(expected) and _is_number(actual):
        return expected == actual
    return False


def _rank(kind: FieldKind, value: object) -> float | None:
    if kind == "status":
        return STATUS_RANK.get(str(value)) if value is not None else None
    if kind == "priority":
        return PRIORITY_RANK.get(str(value)) if value is not None else None
    if _is_number(value):
        assert isinstance(value, int | float)
        return float(value)
    return None


def value_matches(kind: FieldKind, op: str, expected: object, actual: object) -> bool:
    """Whether `actual` (one field's current value) satisfies `op expected`.

    `changed*` operators are not handled here: they compare two states, which is the engine's
    job; it calls this with `is` for the `changed_to`/`changed_from` half. A missing value
    (None) satisfies only the negative operators (`is_not`, `not_in`, `not_contains`, `absent`).
    """
    if op == "present":
        return is_present(actual)
    if op == "absent":
        return not is_present(actual)
    if kind == "tags":
        wanted = expected if isinstance(expected, list) else [expected]
        tags = actual if isinstance(actual, frozenset | set) else frozenset()
        has_any = any(tag in tags for tag in wanted)
        return has_any if op == "contains" else not has_any
    if op in {"is", "is_not"}:
        return _equal(expected, actual) == (op == "is")
    if op in {"in", "not_in"}:
        options = expected if isinstance(expected, list) else [expected]
        return any(_equal(option, actual) for option in options) == (op == "in")
    if op in {"contains", "not_contains"}:
        hit = (
            isinstance(actual, str)
            and isinstance(expected, str)
            and expected.casefold() in actual.casefold()
        )
        return hit == (op == "contains")
    left, right = _rank(kind, actual), _rank(kind, expected)
    if left is None or right is None:
        return False
    if op == "gt":
        return left > right
    if op == "gte":
        return left >= right
    if op == "lt":
        return left < right
    if op == "lte":
        return left <= right
    raise ValueError(f"operator {op!r} needs two states; the engine evaluates it")
