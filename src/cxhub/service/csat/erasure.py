"""Erasure of a person's satisfaction surveys: the score stays (an anonymous part of CSAT), the
free-text comment goes and the answer link stops working (its token hash is replaced)."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cxhub.service.csat.models import CsatSurvey


def anonymise_surveys(
    session: Session, *, contact_ids: tuple[int, ...], ticket_ids: list[int]
) -> int:
    """Answers how many surveys (of the contacts or on the tickets) were anonymised."""
    if not contact_ids and not ticket_ids:
        return 0
    surveys = list(
        session.scalars(
            select(CsatSurvey).where(
                or_(CsatSurvey.contact_id.in_(contact_ids), CsatSurvey.ticket_id.in_(ticket_ids))
            )
        )
    )
    for survey in surveys:
        survey.comment = None
        # A random value no link can hash to: the survey can no longer be opened or answered.
        survey.token_sha256 = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
    session.flush()
    return len(surveys)
