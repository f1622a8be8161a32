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
from typing import cast

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


def tags_by_ticket(session: Session, *, ticket_ids: Collection[int]) -> dict[int, list[str]]:
    """Each ticket's tags, sorted like `Ticket.tag_rows` (by tag); tickets without tags are
    absent. Ordered as the `(ticket_id, tag)` unique index, so no sort step."""
    found: dict[int, list[str]] = {}
    if not ticket_ids:
        return found
    rows = session.execute(
        select(TicketTag.ticket_id, TicketTag.tag)
        .where(TicketTag.ticket_id.in_(ticket_ids))
        .order_by(TicketTag.ticket_id, TicketTag.tag)
    )
    for ticket_id, tag in rows:
        found.setdefault(ticket_id, []).append(tag)
    return found


def followers_by_ticket(session: Session, *, ticket_ids: Collection[int]) -> dict[int, list[int]]:
    """Each ticket's follower user ids, sorted like `Ticket.follower_rows` (by user id); tickets
    without followers are absent."""
    found: dict[int, list[int]] = {}
    if not ticket_ids:
        return found
    rows = session.execute(
        select(TicketFollower.ticket_id, TicketFollower.user_id)
        .where(TicketFollower.ticket_id.in_(ticket_ids))
        .order_by(TicketFollower.ticket_id, TicketFollower.user_id)
    )
    for ticket_id, user_id in rows:
        found.setdefault(ticket_id, []).append(user_id)
    return found


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
