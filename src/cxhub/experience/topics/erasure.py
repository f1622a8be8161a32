"""Erasure of a person from topics (ADR 0018): the assignments of their contacts and tickets are
deleted, so their words leave every example, count and report; topic keywords and labels that
name them (full name, e-mail, identifier) lose that keyword. Labels only keep terms shared by
several texts (`labels.py`), so this is a second guard, not the first."""

from __future__ import annotations

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from cxhub.core.redaction import PersonalTokens
from cxhub.experience.topics.labels import label_of
from cxhub.experience.topics.models import Topic, TopicAssignment


def delete_assignments(
    session: Session, *, contact_ids: tuple[int, ...], ticket_ids: list[int]
) -> int:
    """Answers how many assignment rows were deleted."""
    if not contact_ids and not ticket_ids:
        return 0
    result = session.execute(
        delete(TopicAssignment)
        .where(
            or_(
                TopicAssignment.contact_id.in_(contact_ids),
                TopicAssignment.ticket_id.in_(ticket_ids),
            )
        )
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def scrub_keywords(session: Session, *, tokens: PersonalTokens) -> int:
    """Drop keywords naming the person from every topic; answers how many topics changed."""
    pattern = tokens.pattern(identifying_only=True)
    if pattern is None:
        return 0
    changed = 0
    for topic in session.scalars(select(Topic)):
        kept = [k for k in topic.keywords if not pattern.search(k)]
        if len(kept) != len(topic.keywords):
            topic.keywords = kept
            topic.label = label_of(kept)
            changed += 1
    session.flush()
    return changed
