"""Removing personal content from tickets: a person's erasure and the messages retention policy.

Ticket and message rows stay, so ticket counts, first-reply and resolution times, SLA and CSAT
figures keep working; what the rows *say* goes: the body (text and HTML) becomes a marker, the
attachments are deleted, the e-mail Message-ID and delivery error (which can hold an address)
are cleared, and the search document is rewritten from what is left.

Attachment bytes are content-addressed and shared (the same file may belong to another message,
even of another workspace), so files are deleted only after the commit and only when no row
references their checksum any more: `purge_unreferenced_files`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, or_, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.service.tickets.attachments import AttachmentStore, hold_files
from cxhub.service.tickets.models import Ticket, TicketAttachment, TicketMessage, TicketStatus
from cxhub.service.tickets.search import reindex_ticket


@dataclass
class TicketRedaction:
    tickets: int = 0
    messages: int = 0
    attachments: int = 0
    attachment_sha256: set[str] = field(default_factory=set)


def tickets_of_contacts(session: Session, *, contact_ids: tuple[int, ...]) -> list[int]:
    """Tickets the contacts requested or wrote a message on (before any re-pointing)."""
    if not contact_ids:
        return []
    requested = session.scalars(select(Ticket.id).where(Ticket.requester_id.in_(contact_ids)))
    written = session.scalars(
        select(TicketMessage.ticket_id).where(TicketMessage.author_contact_id.in_(contact_ids))
    )
    return sorted({*requested, *written})


def _redact_messages(
    session: Session, *, message_filter: Any, marker: str, result: TicketRedaction
) -> None:
    attachments = list(
        session.execute(
            select(TicketAttachment.id, TicketAttachment.sha256).where(
                TicketAttachment.message_id.in_(select(TicketMessage.id).where(message_filter))
            )
        )
    )
    if attachments:
        ids = [row.id for row in attachments]
        session.execute(
            delete(TicketAttachment)
            .where(TicketAttachment.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        result.attachments += len(ids)
        result.attachment_sha256.update(row.sha256 for row in attachments)
    changed: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(TicketMessage)
        .where(message_filter)
        .values(body_text=marker, body_html=None, email_message_id=None, delivery_error=None)
        .execution_options(synchronize_session=False)
    )
    result.messages += int(changed.rowcount or 0)


def _reindex(session: Session, ticket_ids: list[int]) -> None:
    session.expire_all()
    tickets = list(session.scalars(select(Ticket).where(Ticket.id.in_(ticket_ids))))
    targets = {t.merged_into_id for t in tickets if t.merged_into_id is not None}
    for ticket in tickets:
        reindex_ticket(session, ticket=ticket)
    for target in session.scalars(select(Ticket).where(Ticket.id.in_(targets))):
        reindex_ticket(session, ticket=target)


def erase_for_contacts(
    session: Session, *, contact_ids: tuple[int, ...], marker: str
) -> TicketRedaction:
    """Redact the tickets the contacts requested (subject, custom fields, every message: agent
    replies quote and address the person) and every message they wrote on other tickets."""
    result = TicketRedaction()
    ticket_ids = tickets_of_contacts(session, contact_ids=contact_ids)
    if not ticket_ids:
        return result
    requested = list(session.scalars(select(Ticket.id).where(Ticket.requester_id.in_(contact_ids))))
    _redact_messages(
        session,
        message_filter=or_(
            TicketMessage.ticket_id.in_(requested),
            TicketMessage.author_contact_id.in_(contact_ids),
        ),
        marker=marker,
        result=result,
    )
    if requested:
        session.execute(
            update(Ticket)
            .where(Ticket.id.in_(requested))
            .values(subject=marker, custom_fields={})
            .execution_options(synchronize_session=False)
        )
    result.tickets = len(ticket_ids)
    _reindex(session, ticket_ids)
    _purge_deleted_index_entries(session)
    return result


def _purge_deleted_index_entries(session: Session) -> None:
    """SQLite's FTS5 keeps a deleted document's terms in older index segments until they are
    merged; `optimize` merges them all now, so the person's words are gone from the file's live
    pages too. (PostgreSQL keeps dead row versions until vacuum: docs/privacy.md.)"""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO ticket_search(ticket_search) VALUES ('optimize')"))


def redact_closed_ticket_messages(
    session: Session, *, closed_before: datetime, markers: tuple[str, ...], limit: int
) -> TicketRedaction:
    """Retention: redact the messages of up to `limit` tickets closed before `closed_before`
    whose thread still holds content (`markers[0]` is written; any marker counts as done)."""
    result = TicketRedaction()
    ticket_ids = list(
        session.scalars(
            select(Ticket.id)
            .where(
                Ticket.status == TicketStatus.CLOSED,
                Ticket.closed_at < closed_before,
                Ticket.id.in_(
                    select(TicketMessage.ticket_id).where(TicketMessage.body_text.not_in(markers))
                ),
            )
            .order_by(Ticket.id)
            .limit(limit)
        )
    )
    if not ticket_ids:
        return result
    _redact_messages(
        session,
        message_filter=TicketMessage.ticket_id.in_(ticket_ids),
        marker=markers[0],
        result=result,
    )
    result.tickets = len(ticket_ids)
    _reindex(session, ticket_ids)
    return result


def count_closed_tickets_with_content(
    session: Session, *, closed_before: datetime, markers: tuple[str, ...]
) -> int:
    return int(
        session.scalar(
            select(func.count(Ticket.id)).where(
                Ticket.status == TicketStatus.CLOSED,
                Ticket.closed_at < closed_before,
                Ticket.id.in_(
                    select(TicketMessage.ticket_id).where(TicketMessage.body_text.not_in(markers))
                ),
            )
        )
        or 0
    )


def purge_unreferenced_files(session: Session, *, store: AttachmentStore, sha256s: set[str]) -> int:
    """Delete the stored files of `sha256s` that no attachment row of any workspace still uses
    (plain SQL on purpose: the workspace filter would hide other workspaces' references). The
    files are held (`hold_files`) while checked and deleted: an upload of the same bytes waits,
    or is waited for and its row seen."""
    deleted = 0
    hold_files(session, to_purge=True)
    for digest in sorted(sha256s):
        used = session.execute(
            text("SELECT 1 FROM ticket_attachments WHERE sha256 = :digest LIMIT 1"),
            {"digest": digest},
        ).first()
        path = store.path_for(digest)
        if used is None and path.exists():
            path.unlink()
            deleted += 1
    return deleted


#: Stored files checked per transaction of a sweep; uploads wait for at most one chunk.
SWEEP_CHUNK = 500
#: An upload's temporary file this old was left by a crash in the middle of writing it.
STALE_UPLOAD_SECONDS = 24 * 3600
_STORED_NAME = re.compile(r"[0-9a-f]{64}")


def sweep_unreferenced_files(
    factory: sessionmaker[Session], *, store: AttachmentStore, now: float | None = None
) -> int:
    """Delete every stored file no attachment row references, and the temporary files of
    uploads that crashed a day ago or more; the number of stored files deleted.

    The backstop of the purges: a purge job is queued after the commit that unreferenced its
    files, and a crash, or a restart of the in-process queue, loses it, leaving erased or
    expired bytes on disk. Checked a chunk at a time, each chunk in its own transaction."""
    if not store.root.is_dir():
        return 0
    stored = sorted(
        path.name
        for path in store.root.glob("??/*")
        if _STORED_NAME.fullmatch(path.name) and path.parent.name == path.name[:2]
    )
    deleted = 0
    for start in range(0, len(stored), SWEEP_CHUNK):
        with unit_of_work(factory, SYSTEM_SCOPE) as session:
            chunk = set(stored[start : start + SWEEP_CHUNK])
            deleted += purge_unreferenced_files(session, store=store, sha256s=chunk)
    cutoff = (time.time() if now is None else now) - STALE_UPLOAD_SECONDS
    for temporary in store.root.glob("??/.upload-*"):
        try:
            if temporary.stat().st_mtime < cutoff:
                temporary.unlink()
        except FileNotFoundError:  # its upload finished meanwhile
            continue
    return deleted
