"""The ticket list's answer: a page of tickets with their tags and followers, in three statements.
The ticket view (one ticket, a page of its thread) is built the same way.

`Ticket.tag_rows` and `Ticket.follower_rows` load with `selectin`: right for the one ticket an
update changes, costly for a list. For a page of 25 tickets that loader builds a `TicketTag` or
`TicketFollower` entity per row, registers each in the identity map and initialises every
collection, which was ~40 % of the list's CPU (issue 7). A list only shows the values, so it loads
its tickets without those loaders (`load_tags_and_followers=False`) and reads the page's tags
and followers here as plain `(ticket_id, value)` rows, one statement each. They are ORM column
selects, so the workspace filter of `core.db` applies to them as to any entity query.

A thread page likewise reads its messages' attachments as plain rows (`message_outs`) instead of
through `TicketMessage.attachments`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.service.tickets.models import (
    Ticket,
    TicketAttachment,
    TicketFollower,
    TicketMessage,
    TicketTag,
)
from cxhub.service.tickets.schemas import AttachmentOut, MessageOut, TicketOut


def _values_by_ticket(
    session: Session, ticket_ids: Collection[int], ticket_id: Any, value: Any
) -> dict[int, list[Any]]:
    """`value` of the rows of `ticket_id`'s table for these tickets, per ticket, sorted by value
    (the order of the unique `(ticket_id, value)` index: no sort step); tickets without rows are
    absent."""
    found: dict[int, list[Any]] = {}
    if not ticket_ids:
        return found
    rows = session.execute(
        select(ticket_id, value).where(ticket_id.in_(ticket_ids)).order_by(ticket_id, value)
    )
    for owner, item in rows:
        found.setdefault(owner, []).append(item)
    return found


def tags_by_ticket(session: Session, *, ticket_ids: Collection[int]) -> dict[int, list[str]]:
    """Each ticket's tags, sorted like `Ticket.tag_rows` (by tag)."""
    return _values_by_ticket(session, ticket_ids, TicketTag.ticket_id, TicketTag.tag)


def followers_by_ticket(session: Session, *, ticket_ids: Collection[int]) -> dict[int, list[int]]:
    """Each ticket's follower user ids, sorted like `Ticket.follower_rows` (by user id)."""
    return _values_by_ticket(session, ticket_ids, TicketFollower.ticket_id, TicketFollower.user_id)


def ticket_outs(session: Session, tickets: Sequence[Ticket]) -> list[TicketOut]:
    """The response shapes of a page of tickets, their tags and followers read in one statement
    each (never per ticket, and without touching the tickets' relationship collections)."""
    ids = [ticket.id for ticket in tickets]
    tags = tags_by_ticket(session, ticket_ids=ids)
    followers = followers_by_ticket(session, ticket_ids=ids)
    return [
        TicketOut.of(
            ticket, tags=tags.get(ticket.id, []), follower_ids=followers.get(ticket.id, [])
        )
        for ticket in tickets
    ]


def attachments_by_message(
    session: Session, *, message_ids: Collection[int]
) -> dict[int, list[AttachmentOut]]:
    """Each message's attachments, ordered like `TicketMessage.attachments` (by id); messages
    without attachments are absent."""
    found: dict[int, list[AttachmentOut]] = {}
    if not message_ids:
        return found
    rows = session.execute(
        select(
            TicketAttachment.message_id,
            TicketAttachment.id,
            TicketAttachment.filename,
            TicketAttachment.content_type,
            TicketAttachment.size_bytes,
            TicketAttachment.sha256,
        )
        .where(TicketAttachment.message_id.in_(message_ids))
        .order_by(TicketAttachment.message_id, TicketAttachment.id)
    )
    for message_id, attachment_id, filename, content_type, size_bytes, sha256 in rows:
        # never None: `IN` does not match a NULL `message_id`
        found.setdefault(cast(int, message_id), []).append(
            AttachmentOut.from_values(
                id=attachment_id,
                filename=filename,
                content_type=content_type,
                size_bytes=size_bytes,
                sha256=sha256,
            )
        )
    return found


def message_outs(session: Session, messages: Sequence[TicketMessage]) -> list[MessageOut]:
    """The response shapes of a page of a thread, its attachments read in one statement (load
    the messages with `list_messages(load_attachments=False)`)."""
    attachments = attachments_by_message(session, message_ids=[m.id for m in messages])
    return [MessageOut.of(m, attachments=attachments.get(m.id, [])) for m in messages]
