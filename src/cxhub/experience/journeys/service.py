"""Journey use cases: define journeys, move customers between stages on signals, read the
current stage and history. Every stage entry is also put on the customer's timeline (kind
`journey_stage_entered`) through the customers domain's public service. Services never commit."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.core.errors import NotFound
from cxhub.customers.contacts.service import get_contact
from cxhub.customers.timeline.models import Channel
from cxhub.customers.timeline.schemas import InteractionCreate
from cxhub.customers.timeline.service import record_interaction
from cxhub.experience.journeys.models import Journey, JourneyStageEntry
from cxhub.experience.journeys.rules import DEFAULT_STAGES, Signal, StageRule, target_position
from cxhub.experience.journeys.schemas import JourneyIn

STAGE_ENTERED_KIND = "journey_stage_entered"


def create_journey(session: Session, *, workspace_id: int, data: JourneyIn) -> Journey:
    journey = Journey(workspace_id=workspace_id, name=data.name, description=data.description)
    _apply(journey, data)
    session.add(journey)
    session.flush()
    return journey


def _apply(journey: Journey, data: JourneyIn) -> None:
    journey.name = data.name
    journey.description = data.description
    journey.active = data.active
    if data.stages is None:
        journey.stages = [dict(s) for s in DEFAULT_STAGES]
    else:
        journey.stages = [s.model_dump(exclude_none=True) for s in data.stages]
        for stage in journey.stages:
            stage["rules"] = [
                {k: v for k, v in rule.items() if v is not None} for rule in stage["rules"]
            ]


def update_journey(session: Session, *, journey_id: int, data: JourneyIn) -> Journey:
    """Replace the definition. Entries of stages that no longer exist stay in the history
    (their key is kept) but no longer count in the funnel."""
    journey = get_journey(session, journey_id=journey_id)
    _apply(journey, data)
    session.flush()
    return journey


def get_journey(session: Session, *, journey_id: int) -> Journey:
    journey = session.scalar(select(Journey).where(Journey.id == journey_id))
    if journey is None:
        raise NotFound(f"journey {journey_id} not found")
    return journey


def list_journeys(session: Session) -> list[Journey]:
    return list(session.scalars(select(Journey).order_by(Journey.id)))


def delete_journey(session: Session, *, journey_id: int) -> None:
    session.delete(get_journey(session, journey_id=journey_id))
    session.flush()


def stage_keys(journey: Journey) -> list[str]:
    return [str(stage["key"]) for stage in journey.stages]


def stage_rules(journey: Journey) -> list[list[StageRule]]:
    return [
        [StageRule.model_validate(r) for r in stage.get("rules", [])] for stage in journey.stages
    ]


def current_positions(
    session: Session, *, journey_id: int, contact_ids: Sequence[int]
) -> dict[int, int]:
    """The furthest stage position each contact has entered (contacts in no stage absent)."""
    found: dict[int, int] = {}
    for start in range(0, len(contact_ids), 500):
        chunk = list(contact_ids[start : start + 500])
        rows = session.execute(
            select(JourneyStageEntry.contact_id, func.max(JourneyStageEntry.position))
            .where(
                JourneyStageEntry.journey_id == journey_id,
                JourneyStageEntry.contact_id.in_(chunk),
            )
            .group_by(JourneyStageEntry.contact_id)
        )
        found.update({int(c): int(p) for c, p in rows})
    return found


@dataclass(frozen=True)
class Subject:
    """A customer a signal is about: the contact, and the account it belonged to."""

    contact_id: int
    account_id: int | None


def apply_signal(
    session: Session,
    *,
    workspace_id: int,
    subjects: Iterable[Subject],
    signal: Signal,
    cause: str,
    journeys: Sequence[Journey] | None = None,
) -> list[JourneyStageEntry]:
    """Move each subject forward in every active journey whose rules match `signal`; answers
    the entries written (none when nothing moved)."""
    subjects = list(subjects)
    if not subjects:
        return []
    written: list[JourneyStageEntry] = []
    for journey in journeys if journeys is not None else list_journeys(session):
        if not journey.active:
            continue
        rules = stage_rules(journey)
        current = current_positions(
            session, journey_id=journey.id, contact_ids=[s.contact_id for s in subjects]
        )
        for subject in subjects:
            position = target_position(rules, signal, current=current.get(subject.contact_id))
            if position is None:
                continue
            written.append(
                enter_stage(
                    session,
                    workspace_id=workspace_id,
                    journey=journey,
                    subject=subject,
                    position=position,
                    at=signal.occurred_at,
                    cause=cause,
                )
            )
            current[subject.contact_id] = position
    return written


@dataclass(frozen=True)
class SubjectSignal:
    """One signal about one customer, with the cause its stage entry would record."""

    subject: Subject
    signal: Signal
    cause: str


def _moves(
    session: Session, *, signals: Sequence[SubjectSignal]
) -> Iterator[tuple[Journey, SubjectSignal, int]]:
    """Each (journey, signal, position) that applying `signals` in order would enter, with one
    read of the current positions per active journey; the caller's writes of earlier moves are
    counted as they are yielded."""
    if not signals:
        return
    contact_ids = sorted({item.subject.contact_id for item in signals})
    for journey in list_journeys(session):
        if not journey.active:
            continue
        rules = stage_rules(journey)
        current = current_positions(session, journey_id=journey.id, contact_ids=contact_ids)
        for item in signals:
            contact_id = item.subject.contact_id
            position = target_position(rules, item.signal, current=current.get(contact_id))
            if position is not None:
                current[contact_id] = position
                yield journey, item, position


def moving_signals(session: Session, *, signals: Sequence[SubjectSignal]) -> list[SubjectSignal]:
    """The signals that would enter a stage if applied in order now, read only: a job previews
    in a read-only session and applies just these under SQLite's write lock (ADR 0035).
    Journeys only move forward, so a signal that moves nobody in this snapshot moves nobody in
    a later one either (the customer can only be further on); the exceptions, a journey
    activated or edited in between, are caught by the next scan's overlapping window."""
    moving = {id(item): item for _, item, _ in _moves(session, signals=signals)}
    return [item for item in signals if id(item) in moving]


def apply_signals(
    session: Session, *, workspace_id: int, signals: Sequence[SubjectSignal]
) -> list[JourneyStageEntry]:
    """`apply_signal` for each signal in order, reading the journeys once and each journey's
    current positions once for all subjects (what the periodic scan writes under the lock)."""
    return [
        enter_stage(
            session,
            workspace_id=workspace_id,
            journey=journey,
            subject=item.subject,
            position=position,
            at=item.signal.occurred_at,
            cause=item.cause,
        )
        for journey, item, position in _moves(session, signals=signals)
    ]


def enter_stage(
    session: Session,
    *,
    workspace_id: int,
    journey: Journey,
    subject: Subject,
    position: int,
    at: datetime,
    cause: str,
) -> JourneyStageEntry:
    stage = journey.stages[position]
    entry = JourneyStageEntry(
        workspace_id=workspace_id,
        journey_id=journey.id,
        contact_id=subject.contact_id,
        account_id=subject.account_id,
        stage_key=str(stage["key"]),
        position=position,
        entered_at=at.astimezone(UTC),
        cause=cause[:100],
    )
    session.add(entry)
    session.flush()
    record_interaction(
        session,
        workspace_id=workspace_id,
        data=InteractionCreate(
            kind=STAGE_ENTERED_KIND,
            channel=Channel.OTHER,
            occurred_at=entry.entered_at,
            contact_id=subject.contact_id,
            account_id=subject.account_id,
            journey_stage=entry.stage_key,
            summary=f"{journey.name}: entered {stage.get('name', stage['key'])}",
            payload={"journey_id": journey.id, "cause": entry.cause},
            source_type="journey_stage_entry",
            source_id=str(entry.id),
        ),
    )
    return entry


def customer_stages(
    session: Session, *, contact_id: int
) -> list[tuple[Journey, list[JourneyStageEntry]]]:
    """Each journey with the contact's entries in it, oldest first (the last is the current)."""
    contact = get_contact(session, contact_id=contact_id)
    entries = list(
        session.scalars(
            select(JourneyStageEntry)
            .where(JourneyStageEntry.contact_id == contact.id)
            .order_by(JourneyStageEntry.entered_at, JourneyStageEntry.id)
        )
    )
    return [(j, [e for e in entries if e.journey_id == j.id]) for j in list_journeys(session)]


ENTRY_COLUMNS = ("contact_id", "position", "entered_at")


def entry_frame(session: Session, *, journey_id: int, until: datetime) -> dict[str, list[Any]]:
    """The journey's stage entries before `until`, as columns for the analytics engine."""
    rows = session.execute(
        select(
            JourneyStageEntry.contact_id, JourneyStageEntry.position, JourneyStageEntry.entered_at
        ).where(JourneyStageEntry.journey_id == journey_id, JourneyStageEntry.entered_at < until)
    ).all()
    return {name: [row[i] for row in rows] for i, name in enumerate(ENTRY_COLUMNS)}


def export_for_contact(session: Session, *, contact_id: int) -> list[JourneyStageEntry]:
    """Every stage entry of the contact, oldest first (subject access, ADR 0018)."""
    return list(
        session.scalars(
            select(JourneyStageEntry)
            .where(JourneyStageEntry.contact_id == contact_id)
            .order_by(JourneyStageEntry.entered_at, JourneyStageEntry.id)
        )
    )
