"""Erasure of a person's channel conversations: the thread keys of their tickets (a phone
number, a social handle, a chat visitor id) are deleted, so a later message on the same
conversation starts a new ticket instead of reaching the anonymised one. Receipts (message ids
of the channel, used to recognise re-sent messages) hold no personal data and stay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session

from cxhub.service.channels.models import ChannelThread


def forget_threads(session: Session, *, ticket_ids: list[int]) -> int:
    if not ticket_ids:
        return 0
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        delete(ChannelThread)
        .where(ChannelThread.ticket_id.in_(ticket_ids))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
