"""Erasure and the path-prefix rollup (ADR 0030). The erased person's rows are deleted before
their touchpoints are re-pointed at the erased-contact placeholder, and the placeholder's row
is then recomputed from the touchpoints it now holds, so the rollup keeps answering what the
exact path definition gives (the placeholder has no page views: its external id is reserved
and the person's own page views no longer map to any contact)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from cxhub.experience.journeys import paths


def forget_paths(session: Session, *, contact_ids: tuple[int, ...]) -> int:
    """Delete the erased contacts' rollup rows; answers how many went."""
    return paths.forget_contacts(session, contact_ids=list(contact_ids))


def recompute_placeholder_path(
    session: Session, *, workspace_id: int, placeholder_id: int, data_dir: Path
) -> int:
    """Recompute the placeholder's row after the touchpoints moved to it."""
    return paths.recompute_contacts(
        session,
        workspace_id=workspace_id,
        contact_ids=[placeholder_id],
        data_dir=data_dir,
        page_views=False,
    )
