"""Erasure of a person's touchpoints: the rows stay (journey and channel counts keep working),
their personal content goes. The contact link itself is re-pointed at the erased-contact
placeholder by `customers.contacts.erasure.delete_person`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from cxhub.customers.timeline.models import Interaction


def anonymise_for_contacts(session: Session, *, contact_ids: tuple[int, ...]) -> int:
    """Blank summary, payload and external id of every touchpoint of `contact_ids`; answers how
    many touchpoints were anonymised. Kind, channel, time, stage, account and sentiment stay."""
    if not contact_ids:
        return 0
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        update(Interaction)
        .where(Interaction.contact_id.in_(contact_ids))
        .values(summary="", payload={}, external_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)
