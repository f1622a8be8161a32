"""Inbound mail is stored first and processed afterwards (durability first).

`store_inbound` writes the raw bytes, one row per workspace the envelope reaches, and asks for the
`mail.process_inbound` job; the caller commits (the SMTP receiver answers `250` only after that
commit). If the process dies before the job runs, the periodic `mail.process_pending` sweep picks
the row up: nothing acknowledged is lost.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.errors import Conflict, NotFound
from cxhub.core.jobs import enqueue
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.service.mail.mailboxes import route_recipients
from cxhub.service.mail.models import InboundEmail, InboundStatus

PROCESS_INBOUND = "mail.process_inbound"
PROCESS_PENDING = "mail.process_pending"

INBOUND_SORTS = {"received_at": InboundEmail.received_at, "id": InboundEmail.id}


def _new_row(
    session: Session, *, workspace_id: int, raw: bytes, envelope_from: str, recipients: list[str]
) -> InboundEmail:
    row = InboundEmail(
        workspace_id=workspace_id,
        raw=raw,
        envelope_from=envelope_from[:500],
        recipients=recipients,
        sha256=hashlib.sha256(raw).hexdigest(),
        size_bytes=len(raw),
        received_at=utcnow(),
        status=InboundStatus.RECEIVED,
    )
    session.add(row)
    session.flush()
    enqueue(session, PROCESS_INBOUND, workspace_id=workspace_id, payload={"inbound_id": row.id})
    return row


def store_inbound(
    session: Session, raw: bytes, envelope_from: str, recipients: Sequence[str]
) -> list[InboundEmail]:
    """Store `raw` for every workspace whose mailbox is among `recipients` (none: refuse it).

    `session` must be allowed to write into any workspace (the system scope).
    """
    rows = []
    for workspace_id, reached in sorted(route_recipients(session, recipients).items()):
        rows.append(
            _new_row(
                session,
                workspace_id=workspace_id,
                raw=raw,
                envelope_from=envelope_from,
                recipients=reached,
            )
        )
    return rows


def store_inbound_for_workspace(
    session: Session, *, workspace_id: int, raw: bytes, envelope_from: str = ""
) -> InboundEmail:
    """A relay posted the raw message on behalf of one workspace (the raw-MIME endpoint)."""
    return _new_row(
        session, workspace_id=workspace_id, raw=raw, envelope_from=envelope_from, recipients=[]
    )


def get_inbound(session: Session, *, inbound_id: int) -> InboundEmail:
    row = session.scalar(select(InboundEmail).where(InboundEmail.id == inbound_id))
    if row is None:
        raise NotFound(f"inbound email {inbound_id} not found")
    return row


def list_inbound(
    session: Session, *, page: PageRequest, status: InboundStatus | None = None
) -> Page[InboundEmail]:
    statement = select(InboundEmail)
    if status is not None:
        statement = statement.where(InboundEmail.status == status)
    return paginate(
        session,
        statement,
        request=page,
        sortable=INBOUND_SORTS,
        id_column=InboundEmail.id,
        default_sort="-received_at",
    )


def retry_inbound(session: Session, *, inbound_id: int) -> InboundEmail:
    """Put a quarantined message back in the queue (after a fix in the parser, say)."""
    row = get_inbound(session, inbound_id=inbound_id)
    if row.status != InboundStatus.QUARANTINED:
        raise Conflict(
            f"only quarantined mail is retried; this one is {row.status.value}",
            status=row.status.value,
        )
    row.status = InboundStatus.RECEIVED
    row.processed_at = None
    session.flush()
    enqueue(session, PROCESS_INBOUND, workspace_id=row.workspace_id, payload={"inbound_id": row.id})
    return row


def pending_inbound_ids(session: Session, *, limit: int = 500) -> list[int]:
    """Rows still `received` (their job was lost or has not run yet), oldest first."""
    return list(
        session.scalars(
            select(InboundEmail.id)
            .where(InboundEmail.status == InboundStatus.RECEIVED)
            .order_by(InboundEmail.received_at, InboundEmail.id)
            .limit(limit)
        )
    )
