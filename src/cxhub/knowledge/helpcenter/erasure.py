"""Erasure of a person from help-center search records.

Searches are anonymous (no contact is stored with them), but a visitor may type their e-mail
address, phone number or full name into the search box. Erasure scrubs those identifying
strings from every search of the workspace (name parts alone are left: another "Ada" is not
them) and recomputes the grouping key, so knowledge-gap counts stay right.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.redaction import ERASED_MARKER, PersonalTokens
from cxhub.knowledge.helpcenter.models import KnowledgeSearch
from cxhub.knowledge.helpcenter.service import normalise_query


def scrub_searches(session: Session, *, tokens: PersonalTokens) -> int:
    """Scrub the person's identifiers from search texts; answers how many changed."""
    pattern = tokens.pattern(identifying_only=True)
    if pattern is None:
        return 0
    changed = 0
    rows = session.scalars(
        select(KnowledgeSearch).where(KnowledgeSearch.query != "").execution_options(yield_per=500)
    )
    for row in rows:
        scrubbed = pattern.sub(ERASED_MARKER, row.query)
        if scrubbed != row.query:
            row.query = scrubbed
            row.query_key = normalise_query(scrubbed)
            changed += 1
    session.flush()
    return changed
