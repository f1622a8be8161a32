"""SLA configuration shapes: business calendars and policies, and a ticket's SLA state."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema, field_validator, model_validator

from cxhub.core.locales import TimeZoneName
from cxhub.service.sla.calendars import WEEKDAYS, build_calendar
from cxhub.service.sla.models import BusinessCalendarRecord, SlaEvent, SlaPolicy, TicketSlaTarget
from cxhub.service.sla.policy_match import SlaMetric
from cxhub.service.tickets.models import TicketPriority, TicketStatus

# Documented as a two-item array rather than `prefixItems`, which some OpenAPI 3.1 tools
# (schemathesis 4's response validator among them) mis-read.
Interval = Annotated[
    tuple[str, str],
    WithJsonSchema({"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2}),
]


class CalendarIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    time_zone: TimeZoneName = Field(examples=["Europe/Rome"])
    weekly_hours: dict[str, list[Interval]] = Field(
        description="Weekday (mon…sun) → local opening intervals; '24:00' closes at midnight.",
        examples=[{"mon": [["09:00", "13:00"], ["14:00", "18:00"]], "tue": [["09:00", "18:00"]]}],
    )
    holidays: list[str] = Field(default_factory=list, examples=[["2026-12-25"]], max_length=1000)

    @model_validator(mode="after")
    def _valid_calendar(self) -> CalendarIn:
        unknown = set(self.weekly_hours) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekdays {sorted(unknown)}; use {', '.join(WEEKDAYS)}")
        build_calendar(
            time_zone=self.time_zone,
            weekly_hours={k: [list(i) for i in v] for k, v in self.weekly_hours.items()},
            holidays=self.holidays,
        )
        return self


class CalendarOut(CalendarIn):
    id: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: BusinessCalendarRecord) -> CalendarOut:
        return cls.model_construct(
            id=record.id,
            name=record.name,
            time_zone=record.time_zone,
            weekly_hours={k: [tuple(i) for i in v] for k, v in record.weekly_hours.items()},
            holidays=list(record.holidays),
            created_at=record.created_at,
            updated_at=record.updated_at,
        )


class PolicyConditionsIn(BaseModel):
    priorities: list[TicketPriority] = Field(default_factory=list)
    account_tiers: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    ticket_types: list[str] = Field(default_factory=list)
    tags_any: list[str] = Field(default_factory=list)


class PolicyIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    position: int = Field(default=0, ge=0, le=10_000)
    active: bool = True
    calendar_id: int | None = Field(default=None, description="None: the clock runs 24/7.")
    conditions: PolicyConditionsIn = Field(default_factory=PolicyConditionsIn)
    targets: dict[SlaMetric, int] = Field(
        description="Minutes per metric.",
        examples=[{"first_reply": 60, "next_reply": 240, "resolution": 2880}],
    )
    pause_statuses: list[TicketStatus] = Field(
        default_factory=lambda: [TicketStatus.PENDING, TicketStatus.ON_HOLD]
    )

    @field_validator("targets")
    @classmethod
    def _positive(cls, value: dict[SlaMetric, int]) -> dict[SlaMetric, int]:
        if not value:
            raise ValueError("give at least one target")
        for metric, minutes in value.items():
            if not 1 <= minutes <= 525_600:
                raise ValueError(f"{metric.value}: minutes must be between 1 and 525600")
        return value

    @field_validator("pause_statuses")
    @classmethod
    def _pausable(cls, value: list[TicketStatus]) -> list[TicketStatus]:
        if set(value) & {TicketStatus.SOLVED, TicketStatus.CLOSED, TicketStatus.NEW}:
            raise ValueError("only pending, on_hold and open can pause a clock")
        return value


class PolicyOut(PolicyIn):
    id: int

    @classmethod
    def of(cls, policy: SlaPolicy) -> PolicyOut:
        return cls(
            id=policy.id,
            name=policy.name,
            position=policy.position,
            active=policy.active,
            calendar_id=policy.calendar_id,
            conditions=PolicyConditionsIn(**policy.conditions),
            targets={SlaMetric(k): int(v) for k, v in policy.targets.items()},
            pause_statuses=[TicketStatus(s) for s in policy.pause_statuses],
        )


class SlaTargetOut(BaseModel):
    id: int
    metric: SlaMetric
    policy_id: int | None
    target_minutes: int
    started_at: datetime
    due_at: datetime | None
    paused: bool
    fulfilled_at: datetime | None
    breached_at: datetime | None
    cancelled: bool
    state: str
    at_risk: bool = Field(default=False, description="80 % of the target used, not breached.")

    @classmethod
    def of(cls, target: TicketSlaTarget, *, at_risk: bool = False) -> SlaTargetOut:
        if target.cancelled:
            state = "cancelled"
        elif target.breached_at is not None:
            state = "breached"
        elif target.fulfilled_at is not None:
            state = "fulfilled"
        elif target.paused_at is not None:
            state = "paused"
        else:
            state = "running"
        return cls(
            id=target.id,
            metric=SlaMetric(target.metric),
            policy_id=target.policy_id,
            target_minutes=target.target_minutes,
            started_at=target.started_at,
            due_at=target.due_at,
            paused=target.paused_at is not None,
            fulfilled_at=target.fulfilled_at,
            breached_at=target.breached_at,
            cancelled=target.cancelled,
            state=state,
            at_risk=at_risk,
        )


class SlaEventOut(BaseModel):
    target_id: int
    metric: str
    kind: str
    occurred_at: datetime

    @classmethod
    def of(cls, event: SlaEvent) -> SlaEventOut:
        return cls(
            target_id=event.target_id,
            metric=event.metric,
            kind=event.kind,
            occurred_at=event.occurred_at,
        )


class TicketSlaOut(BaseModel):
    ticket_id: int
    policy_id: int | None
    next_due_at: datetime | None
    breached: bool
    at_risk: bool = Field(description="Some running target has used 80 % of its time.")
    targets: list[SlaTargetOut]
    events: list[SlaEventOut]
