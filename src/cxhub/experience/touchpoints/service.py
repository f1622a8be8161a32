"""Recording and reading touchpoints. `record_touchpoint` is the one door other sub-domains use
(survey responses, imports, the API); it also puts the touchpoint on the customer's timeline
through the customers domain's public service, and publishes `touchpoint.recorded` so journeys
can move the customer after the commit. Services never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cxhub.core.errors import NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.customers.accounts.service import get_account
from cxhub.customers.contacts.service import get_contact
from cxhub.customers.timeline.models import Channel
from cxhub.customers.timeline.schemas import InteractionCreate
from cxhub.customers.timeline.service import record_interaction
from cxhub.experience.touchpoints.events import TouchpointDeleted, TouchpointRecorded
from cxhub.experience.touchpoints.models import Touchpoint

CHANNELS = frozenset(c.value for c in Channel)
SOURCE_TYPE = "touchpoint"
LIST_LIMIT = 500


@dataclass(frozen=True)
class Recorded:
    touchpoint: Touchpoint
    created: bool


def _check(channel: str, kind: str, score: int | None, sentiment: float | None) -> None:
    if channel not in CHANNELS:
        raise ValidationFailed(f"channel must be one of {sorted(CHANNELS)}", field="channel")
    if not kind or len(kind) > 64:
        raise ValidationFailed("kind must be 1-64 characters", field="kind")
    if score is not None and not 0 <= score <= 10:
        raise ValidationFailed("score is on the NPS scale, 0-10", field="score")
    if sentiment is not None and not -1.0 <= sentiment <= 1.0:
        raise ValidationFailed("sentiment is in [-1, 1]", field="sentiment")


def record_touchpoint(
    session: Session,
    *,
    workspace_id: int,
    contact_id: int | None,
    account_id: int | None,
    channel: str,
    kind: str,
    occurred_at: datetime,
    sentiment: float | None = None,
    score: int | None = None,
    language: str | None = None,
    text: str = "",
    details: dict[str, Any] | None = None,
    source_type: str | None = None,
    source_id: str | None = None,
    external_id: str | None = None,
    summary: str | None = None,
    on_timeline: bool = True,
) -> Recorded:
    """Store one touchpoint (a re-sent `external_id` answers the stored one, `created=False`),
    put it on the timeline when it has a contact or an account, and publish
    `touchpoint.recorded`. `score` is an NPS-scale answer (0-10); `sentiment` in [-1, 1].
    Unknown contact/account ids are 404; the contact's account fills a missing account.
    `on_timeline=False` when the recording domain already put the moment on the timeline."""
    _check(channel, kind, score, sentiment)
    if occurred_at.tzinfo is None:
        raise ValidationFailed("occurred_at needs a time zone", field="occurred_at")
    if external_id is not None:
        existing = session.scalar(select(Touchpoint).where(Touchpoint.external_id == external_id))
        if existing is not None:
            return Recorded(existing, False)
    if contact_id is not None:
        contact = get_contact(session, contact_id=contact_id)
        contact_id = contact.id
        account_id = account_id if account_id is not None else contact.account_id
    if account_id is not None:
        get_account(session, account_id=account_id)
    touchpoint = Touchpoint(
        workspace_id=workspace_id,
        contact_id=contact_id,
        account_id=account_id,
        channel=channel,
        kind=kind,
        occurred_at=occurred_at.astimezone(UTC),
        sentiment=sentiment,
        score=score,
        language=language,
        text=text,
        details=details or {},
        source_type=source_type,
        source_id=source_id,
        external_id=external_id,
    )
    session.add(touchpoint)
    session.flush()
    if on_timeline and (contact_id is not None or account_id is not None):
        record_interaction(
            session,
            workspace_id=workspace_id,
            data=InteractionCreate(
                kind=kind,
                channel=Channel(channel),
                occurred_at=touchpoint.occurred_at,
                contact_id=contact_id,
                account_id=account_id,
                summary=(summary if summary is not None else text)[:1000],
                sentiment=sentiment,
                source_type=SOURCE_TYPE,
                source_id=str(touchpoint.id),
            ),
        )
    publish(
        session,
        TouchpointRecorded(
            workspace_id=workspace_id,
            touchpoint_id=touchpoint.id,
            contact_id=contact_id,
            account_id=account_id,
            channel=channel,
            kind=kind,
            score=score,
            occurred_at=touchpoint.occurred_at,
        ),
    )
    return Recorded(touchpoint, True)


def get_touchpoint(session: Session, *, touchpoint_id: int) -> Touchpoint:
    found = session.scalar(select(Touchpoint).where(Touchpoint.id == touchpoint_id))
    if found is None:
        raise NotFound(f"touchpoint {touchpoint_id} not found")
    return found


def list_touchpoints(
    session: Session,
    *,
    contact_id: int | None = None,
    channel: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[Touchpoint]:
    """Newest first, at most `limit` (≤ 500)."""
    statement = select(Touchpoint).order_by(Touchpoint.occurred_at.desc(), Touchpoint.id.desc())
    if contact_id is not None:
        statement = statement.where(Touchpoint.contact_id == contact_id)
    if channel is not None:
        statement = statement.where(Touchpoint.channel == channel)
    if kind is not None:
        statement = statement.where(Touchpoint.kind == kind)
    if since is not None:
        statement = statement.where(Touchpoint.occurred_at >= since)
    if until is not None:
        statement = statement.where(Touchpoint.occurred_at < until)
    return list(session.scalars(statement.limit(min(max(limit, 1), LIST_LIMIT))))


def delete_touchpoint(session: Session, *, touchpoint_id: int) -> None:
    """Delete one touchpoint and publish `touchpoint.deleted` (a path that held it changes)."""
    touchpoint = get_touchpoint(session, touchpoint_id=touchpoint_id)
    workspace_id, contact_id = touchpoint.workspace_id, touchpoint.contact_id
    session.delete(touchpoint)
    session.flush()
    publish(
        session,
        TouchpointDeleted(
            workspace_id=workspace_id, touchpoint_id=touchpoint_id, contact_id=contact_id
        ),
    )


FRAME_COLUMNS = ("contact_id", "account_id", "channel", "kind", "occurred_at", "sentiment", "score")


def touchpoint_frame(
    session: Session, *, since: datetime, until: datetime
) -> dict[str, Sequence[Any]]:
    """The session workspace's touchpoints with `since <= occurred_at < until` as columns
    (FRAME_COLUMNS), the shape the journey analytics register on their engine (ADR 0026)."""
    rows = session.execute(
        select(*(getattr(Touchpoint, name) for name in FRAME_COLUMNS)).where(
            Touchpoint.occurred_at >= since, Touchpoint.occurred_at < until
        )
    ).all()
    return {name: [row[i] for row in rows] for i, name in enumerate(FRAME_COLUMNS)}


def kinds_of_contacts(
    session: Session, *, contact_ids: Sequence[int]
) -> list[tuple[int, datetime, str]]:
    """(contact_id, occurred_at, kind) of every touchpoint of the contacts: what a journey
    path is made of (journeys recompute a customer's path prefix from it, ADR 0030)."""
    found: list[tuple[int, datetime, str]] = []
    ids = sorted(set(contact_ids))
    for offset in range(0, len(ids), 500):
        rows = session.execute(
            select(Touchpoint.contact_id, Touchpoint.occurred_at, Touchpoint.kind).where(
                Touchpoint.contact_id.in_(ids[offset : offset + 500])
            )
        ).all()
        found.extend((int(c), at, str(kind)) for c, at, kind in rows if c is not None)
    return found


def export_for_contact(session: Session, *, contact_id: int) -> list[Touchpoint]:
    """Every touchpoint of the contact, oldest first (subject access, ADR 0018)."""
    return list(
        session.scalars(
            select(Touchpoint)
            .where(Touchpoint.contact_id == contact_id)
            .order_by(Touchpoint.occurred_at, Touchpoint.id)
        )
    )


def delete_for_contacts(session: Session, *, contact_ids: Sequence[int]) -> int:
    """Used by tests and tooling only; erasure blanks rather than deletes (erasure.py)."""
    result = session.execute(
        delete(Touchpoint)
        .where(Touchpoint.contact_id.in_(list(contact_ids)))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
