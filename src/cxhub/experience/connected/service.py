"""NPS answers as `NpsResponseRecorded` brings them, kept for the detractor action and, with
the survey responses, the CX dashboard's NPS trend (`analytics.survey_kpis.nps_answers`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cxhub.experience.connected.models import NpsAnswer


def record_nps_answer(
    session: Session,
    *,
    account_id: int,
    contact_id: int | None,
    score: int,
    responded_at: datetime,
) -> NpsAnswer:
    if not 0 <= score <= 10:
        raise ValueError(f"an NPS answer is 0–10, got {score}")
    row = NpsAnswer(
        account_id=account_id, contact_id=contact_id, score=score, responded_at=responded_at
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class LatestAnswer:
    answer_id: int
    account_id: int
    contact_id: int | None
    score: int
    responded_at: datetime


def latest_answers(
    session: Session,
    *,
    since: datetime,
    max_score: int | None = None,
    contact_id: int | None = None,
    account_id: int | None = None,
    limit: int = 200,
) -> list[LatestAnswer]:
    """Each respondent's latest answer since `since` (a respondent is the contact, or the
    account for answers without one), optionally only those of at most `max_score`."""
    latest = (
        select(func.max(NpsAnswer.id))
        .where(NpsAnswer.responded_at >= since)
        .group_by(NpsAnswer.account_id, NpsAnswer.contact_id)
    )
    statement = select(NpsAnswer).where(NpsAnswer.id.in_(latest))
    if max_score is not None:
        statement = statement.where(NpsAnswer.score <= max_score)
    if contact_id is not None:
        statement = statement.where(NpsAnswer.contact_id == contact_id)
    if account_id is not None:
        statement = statement.where(NpsAnswer.account_id == account_id)
    rows = session.scalars(
        statement.order_by(NpsAnswer.score, NpsAnswer.responded_at.desc()).limit(limit)
    )
    return [LatestAnswer(r.id, r.account_id, r.contact_id, r.score, r.responded_at) for r in rows]


def answers_of_contacts(session: Session, *, contact_ids: tuple[int, ...]) -> list[NpsAnswer]:
    """For the data-subject export."""
    if not contact_ids:
        return []
    return list(
        session.scalars(
            select(NpsAnswer).where(NpsAnswer.contact_id.in_(contact_ids)).order_by(NpsAnswer.id)
        )
    )


def delete_answers_of_contacts(session: Session, *, contact_ids: tuple[int, ...]) -> int:
    """Erasure: an answer is what a person said; it goes with them."""
    if not contact_ids:
        return 0
    result = session.execute(
        delete(NpsAnswer)
        .where(NpsAnswer.contact_id.in_(contact_ids))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
