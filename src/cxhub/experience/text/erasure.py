"""Erasure of a person's text analytics: the rows are derived from their words (language,
sentiment, topics), so every row about the contacts or written on their tickets is deleted."""

from __future__ import annotations

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from cxhub.experience.text.models import TextAnalysisRecord


def delete_analyses(
    session: Session, *, contact_ids: tuple[int, ...], ticket_ids: list[int]
) -> int:
    """Answers how many analysis rows were deleted."""
    if not contact_ids and not ticket_ids:
        return 0
    result = session.execute(
        delete(TextAnalysisRecord)
        .where(
            or_(
                TextAnalysisRecord.contact_id.in_(contact_ids),
                TextAnalysisRecord.ticket_id.in_(ticket_ids),
            )
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
