"""Erasure of a person's portal rows: their portal role, sign-in links and sessions go."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from cxhub.service.portal.models import PortalAccess, PortalSession, PortalSignInLink


def forget_portal_rows(session: Session, *, contact_ids: tuple[int, ...]) -> int:
    """Delete the rows of `contact_ids` (survivor and tombstones); answers how many went."""
    if not contact_ids:
        return 0
    removed = 0
    for model in (PortalSession, PortalSignInLink, PortalAccess):
        result = session.execute(
            delete(model)
            .where(model.contact_id.in_(contact_ids))
            .execution_options(synchronize_session=False)
        )
        removed += int(getattr(result, "rowcount", 0) or 0)
    return removed
