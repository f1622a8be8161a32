"""Erasure of a person from agent assist: the vectors of their solved tickets are computed from
their words (subject and first message), so they are deleted with the tickets' redaction. A
redacted ticket solved again later is embedded from its redacted text."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cxhub.knowledge.assist.ticket_vectors import drop_vectors


def delete_ticket_vectors(session: Session, *, ticket_ids: list[int]) -> int:
    """Delete the vectors of these tickets; answers how many were deleted."""
    return drop_vectors(session, ticket_ids=ticket_ids)
