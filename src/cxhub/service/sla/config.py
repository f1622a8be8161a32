"""Configuring SLAs: CRUD for business calendars and policies (admin use cases)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.core.errors import Conflict, NotFound, ValidationFailed
from cxhub.service.sla.models import BusinessCalendarRecord, SlaPolicy
from cxhub.service.sla.schemas import CalendarIn, PolicyIn


def list_calendars(session: Session) -> list[BusinessCalendarRecord]:
    return list(session.scalars(select(BusinessCalendarRecord).order_by(BusinessCalendarRecord.id)))


def get_calendar(session: Session, *, calendar_id: int) -> BusinessCalendarRecord:
    record = session.scalar(
        select(BusinessCalendarRecord).where(BusinessCalendarRecord.id == calendar_id)
    )
    if record is None:
        raise NotFound(f"business calendar {calendar_id} not found")
    return record


def save_calendar(
    session: Session, *, workspace_id: int, data: CalendarIn, calendar_id: int | None = None
) -> BusinessCalendarRecord:
    record = (
        get_calendar(session, calendar_id=calendar_id)
        if calendar_id is not None
        else BusinessCalendarRecord(workspace_id=workspace_id)
    )
    record.name = data.name
    record.time_zone = data.time_zone
    record.weekly_hours = {k: [list(i) for i in v] for k, v in data.weekly_hours.items()}
    record.holidays = sorted(set(data.holidays))
    session.add(record)
    session.flush()
    return record


def delete_calendar(session: Session, *, calendar_id: int) -> None:
    record = get_calendar(session, calendar_id=calendar_id)
    in_use = session.scalar(
        select(func.count()).select_from(SlaPolicy).where(SlaPolicy.calendar_id == record.id)
    )
    if in_use:
        raise Conflict(f"{in_use} SLA policies use this calendar", policies=in_use)
    session.delete(record)
    session.flush()


def list_policies(session: Session) -> list[SlaPolicy]:
    return list(session.scalars(select(SlaPolicy).order_by(SlaPolicy.position, SlaPolicy.id)))


def get_policy(session: Session, *, policy_id: int) -> SlaPolicy:
    policy = session.scalar(select(SlaPolicy).where(SlaPolicy.id == policy_id))
    if policy is None:
        raise NotFound(f"SLA policy {policy_id} not found")
    return policy


def save_policy(
    session: Session, *, workspace_id: int, data: PolicyIn, policy_id: int | None = None
) -> SlaPolicy:
    if data.calendar_id is not None:
        try:
            get_calendar(session, calendar_id=data.calendar_id)
        except NotFound:
            raise ValidationFailed(
                f"business calendar {data.calendar_id} not found", field="calendar_id"
            ) from None
    policy = (
        get_policy(session, policy_id=policy_id)
        if policy_id is not None
        else SlaPolicy(workspace_id=workspace_id)
    )
    policy.name = data.name
    policy.position = data.position
    policy.active = data.active
    policy.calendar_id = data.calendar_id
    policy.conditions = data.conditions.model_dump(mode="json")
    policy.targets = {k.value: v for k, v in data.targets.items()}
    policy.pause_statuses = [s.value for s in data.pause_statuses]
    session.add(policy)
    session.flush()
    return policy


def delete_policy(session: Session, *, policy_id: int) -> None:
    session.delete(get_policy(session, policy_id=policy_id))
    session.flush()
