"""Erasure and retention of stored mail: received raw messages (quarantine included) and the
outbound queue.

A received message of an erased person keeps its row, emptied (raw bytes, addresses, Message-ID
and reason), so intake counts stay; its status says what happened to it, `reason` says
`erased`. Queued mail to an erased person is never sent (it is marked failed and emptied).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.orm import Session

from cxhub.core.redaction import PersonalTokens, mentions
from cxhub.service.mail.models import InboundEmail, InboundStatus, OutboundEmail, OutboundStatus

SCAN_BATCH = 500
ERASED_REASON = "erased"


@dataclass
class MailErasure:
    inbound: int = 0
    outbound: int = 0


def _empty_inbound(session: Session, ids: list[int]) -> None:
    for start in range(0, len(ids), SCAN_BATCH):
        session.execute(
            update(InboundEmail)
            .where(InboundEmail.id.in_(ids[start : start + SCAN_BATCH]))
            .values(
                raw=b"",
                envelope_from="",
                recipients=[],
                message_id=None,
                reason=ERASED_REASON,
                size_bytes=0,
            )
            .execution_options(synchronize_session=False)
        )


def erase_for_person(
    session: Session, *, ticket_ids: list[int], tokens: PersonalTokens
) -> MailErasure:
    """Empty every stored message of the person's tickets, from one of their addresses, or (for
    mail that made no ticket: quarantined, ignored) naming them anywhere in its raw bytes."""
    result = MailErasure()
    emails = sorted(tokens.emails)
    found: set[int] = set()
    if ticket_ids or emails:
        found.update(
            session.scalars(
                select(InboundEmail.id).where(
                    or_(
                        InboundEmail.ticket_id.in_(ticket_ids),
                        func.lower(InboundEmail.envelope_from).in_(emails),
                    )
                )
            )
        )
    last_id = 0
    while not tokens.is_empty():
        batch = list(
            session.execute(
                select(InboundEmail.id, InboundEmail.raw)
                .where(InboundEmail.ticket_id.is_(None), InboundEmail.id > last_id)
                .order_by(InboundEmail.id)
                .limit(SCAN_BATCH)
            )
        )
        if not batch:
            break
        found.update(row.id for row in batch if mentions(row.raw, tokens))
        last_id = batch[-1].id
    _empty_inbound(session, sorted(found))
    result.inbound = len(found)

    outbound_filter: list[Any] = []
    if ticket_ids:
        outbound_filter.append(OutboundEmail.ticket_id.in_(ticket_ids))
    if emails:
        # `to` is written as `Name <address>`
        outbound_filter += [
            func.lower(OutboundEmail.to).contains(e, autoescape=True) for e in emails
        ]
    if outbound_filter:
        changed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(OutboundEmail)
            .where(or_(*outbound_filter))
            .values(
                to="", subject="", raw=b"", last_error=ERASED_REASON, status=OutboundStatus.FAILED
            )
            .execution_options(synchronize_session=False)
        )
        result.outbound = int(changed.rowcount or 0)
    return result


# Retention ------------------------------------------------------------------------------------

_FINISHED_INBOUND = (InboundStatus.PROCESSED, InboundStatus.DUPLICATE, InboundStatus.IGNORED)


def _inbound_older(received_before: datetime, status: InboundStatus) -> Any:
    return (InboundEmail.received_at < received_before) & (InboundEmail.status == status)


def _statuses(quarantined: bool) -> tuple[InboundStatus, ...]:
    return (InboundStatus.QUARANTINED,) if quarantined else _FINISHED_INBOUND


def delete_inbound_older_than(
    session: Session, *, received_before: datetime, quarantined: bool, limit: int
) -> int:
    """Delete up to `limit` received messages (finished ones, or the quarantined ones).

    One statement per status, never `status IN (…)`: SQLite 3.40 answered `IN` + the
    `received_at` range + `ORDER BY id LIMIT` through `ix_inbound_emails_status` with a row
    *newer* than the cutoff once the table had statistics (seen in the test suite), and a
    retention job must never delete what has not expired. The rows are checked again here."""
    removed = 0
    for status in _statuses(quarantined):
        if removed >= limit:
            break
        rows = session.execute(
            select(InboundEmail.id, InboundEmail.received_at)
            .where(_inbound_older(received_before, status))
            .order_by(InboundEmail.id)
            .limit(limit - removed)
        ).all()
        ids = [row_id for row_id, received_at in rows if _utc(received_at) < received_before]
        if ids:
            session.execute(
                delete(InboundEmail)
                .where(InboundEmail.id.in_(ids))
                .execution_options(synchronize_session=False)
            )
        removed += len(ids)
    return removed


def count_inbound_older_than(
    session: Session, *, received_before: datetime, quarantined: bool
) -> int:
    return sum(
        int(
            session.scalar(
                select(func.count(InboundEmail.id)).where(_inbound_older(received_before, status))
            )
            or 0
        )
        for status in _statuses(quarantined)
    )


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_FINISHED_OUTBOUND = (OutboundStatus.SENT, OutboundStatus.FAILED)


def _outbound_older(created_before: datetime, status: OutboundStatus) -> Any:
    return (OutboundEmail.created_at < created_before) & (OutboundEmail.status == status)


def delete_outbound_older_than(session: Session, *, created_before: datetime, limit: int) -> int:
    """Delete up to `limit` sent or failed outbound messages (queued mail is never touched);
    one statement per status and the rows re-checked, as `delete_inbound_older_than`."""
    removed = 0
    for status in _FINISHED_OUTBOUND:
        if removed >= limit:
            break
        rows = session.execute(
            select(OutboundEmail.id, OutboundEmail.created_at)
            .where(_outbound_older(created_before, status))
            .order_by(OutboundEmail.id)
            .limit(limit - removed)
        ).all()
        ids = [row_id for row_id, created_at in rows if _utc(created_at) < created_before]
        if ids:
            session.execute(
                delete(OutboundEmail)
                .where(OutboundEmail.id.in_(ids))
                .execution_options(synchronize_session=False)
            )
        removed += len(ids)
    return removed


def count_outbound_older_than(session: Session, *, created_before: datetime) -> int:
    return sum(
        int(
            session.scalar(
                select(func.count(OutboundEmail.id)).where(_outbound_older(created_before, status))
            )
            or 0
        )
        for status in _FINISHED_OUTBOUND
    )
