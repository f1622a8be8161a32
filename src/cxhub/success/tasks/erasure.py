"""Erasure of a person from CSM tasks: a task about the erased contact keeps its account, owner,
dates and status (the CSM's workload stays countable) but loses the words written about them."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cxhub.core.redaction import ERASED_MARKER, PersonalTokens, scrub_text
from cxhub.success.tasks.models import CsmTask


def anonymise_tasks(
    session: Session,
    *,
    contact_ids: tuple[int, ...],
    account_id: int | None,
    tokens: PersonalTokens,
) -> int:
    """Tasks linked to the contacts lose title and notes; other tasks of the person's account
    keep them with the person's names and identifiers scrubbed. Answers how many changed."""
    changed = 0
    for task in session.scalars(select(CsmTask).where(CsmTask.contact_id.in_(contact_ids))):
        task.title = ERASED_MARKER
        task.notes = ""
        changed += 1
    if account_id is not None:
        others = select(CsmTask).where(
            CsmTask.account_id == account_id,
            or_(CsmTask.contact_id.is_(None), CsmTask.contact_id.not_in(contact_ids)),
        )
        for task in session.scalars(others):
            title = scrub_text(task.title, tokens)
            notes = scrub_text(task.notes, tokens)
            if (title, notes) != (task.title, task.notes):
                task.title, task.notes = title, notes
                changed += 1
    session.flush()
    return changed
