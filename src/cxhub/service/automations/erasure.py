"""Erasure of a person from automation notifications: a notification addressed to one of their
e-mail addresses is deleted; an agent's notification about one of their tickets keeps its row
with the person's names and identifiers scrubbed from the subject and body."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cxhub.core.redaction import PersonalTokens, scrub_text
from cxhub.service.automations.models import UserNotification


@dataclass
class NotificationErasure:
    deleted: int = 0
    scrubbed: int = 0


def erase_for_person(
    session: Session, *, ticket_ids: list[int], tokens: PersonalTokens
) -> NotificationErasure:
    result = NotificationErasure()
    emails = sorted(tokens.emails)
    if emails:
        addressed = list(
            session.scalars(
                select(UserNotification.id).where(func.lower(UserNotification.email).in_(emails))
            )
        )
        if addressed:
            session.execute(
                delete(UserNotification)
                .where(UserNotification.id.in_(addressed))
                .execution_options(synchronize_session=False)
            )
        result.deleted = len(addressed)
    if ticket_ids:
        for row in session.scalars(
            select(UserNotification).where(UserNotification.ticket_id.in_(ticket_ids))
        ):
            row.subject = scrub_text(row.subject, tokens)[:500]
            row.body = scrub_text(row.body, tokens)
            result.scrubbed += 1
        session.flush()
    return result
