"""Erasure of a person's survey data (ADR 0018): scores stay (an anonymous part of NPS, CSAT and
CES, as for ticket CSAT), their words go — comments, free-text answers and the sentiment derived
from them — the links stop working (token hashes replaced), and their throttle clock is deleted.
The rows' contact references are moved to the erased-contact placeholder by the contacts domain;
text analyses of their comments are deleted by the text domain (`contact_id` is set on them)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from cxhub.experience.surveys.models import SurveyContactClock, SurveyInvitation, SurveyResponse


def erase_for_contacts(session: Session, *, contact_ids: tuple[int, ...]) -> dict[str, int]:
    """Answers how many responses were anonymised, invitations disabled and clocks deleted."""
    if not contact_ids:
        return {"survey_responses": 0, "survey_invitations": 0, "survey_clocks": 0}
    responses = list(
        session.scalars(select(SurveyResponse).where(SurveyResponse.contact_id.in_(contact_ids)))
    )
    for row in responses:
        row.comment = None
        row.answers = {k: v for k, v in (row.answers or {}).items() if isinstance(v, int)}
        row.sentiment = None
        row.sentiment_score = None
    invitations = list(
        session.scalars(
            select(SurveyInvitation).where(SurveyInvitation.contact_id.in_(contact_ids))
        )
    )
    for invitation in invitations:
        # A random value no link can hash to: the invitation can no longer be opened.
        invitation.token_sha256 = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        if invitation.status == "pending":
            invitation.status = "erased"
    clocks = session.execute(
        delete(SurveyContactClock)
        .where(SurveyContactClock.contact_id.in_(contact_ids))
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return {
        "survey_responses": len(responses),
        "survey_invitations": len(invitations),
        "survey_clocks": int(getattr(clocks, "rowcount", 0) or 0),
    }


def merge_clocks(session: Session, *, winner_id: int, loser_id: int) -> None:
    """After a contact merge the winner keeps the later of the two throttle clocks."""
    clocks = {
        row.contact_id: row
        for row in session.scalars(
            select(SurveyContactClock).where(
                SurveyContactClock.contact_id.in_((winner_id, loser_id))
            )
        )
    }
    loser = clocks.get(loser_id)
    if loser is None:
        return
    winner = clocks.get(winner_id)
    if winner is None:
        loser.contact_id = winner_id
    else:
        winner.last_surveyed_at = max(winner.last_surveyed_at, loser.last_surveyed_at)
        session.delete(loser)
    session.flush()
