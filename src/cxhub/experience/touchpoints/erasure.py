"""Erasure of a person's touchpoints: the rows stay (journey funnels, channel counts and NPS per
stage keep working, as the timeline's interactions do), their words and identifiers go: `text`,
`details` and `external_id` are blanked; channel, kind, time, score and sentiment stay. The
contact link is re-pointed at the erased-contact placeholder by
`customers.contacts.erasure.delete_person`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from cxhub.experience.touchpoints.models import Touchpoint


def anonymise_for_contacts(session: Session, *, contact_ids: tuple[int, ...]) -> int:
    """Answers how many touchpoints were anonymised."""
    if not contact_ids:
        return 0
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Touchpoint)
        .where(Touchpoint.contact_id.in_(contact_ids))
        .values(text="", details={}, external_id=None, language=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
