"""Erasure of a person from the playbook run log: the runs stay (how often a playbook fired is
the log's purpose) but their facts, summaries and action outcomes lose the person's names and
identifiers (an NPS signal's comment, a notified address)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.redaction import PersonalTokens, scrub_json, scrub_text
from cxhub.success.playbooks.models import PlaybookRun


def scrub_runs(session: Session, *, account_id: int | None, tokens: PersonalTokens) -> int:
    """Scrub the runs of the person's account; answers how many changed."""
    if account_id is None:
        return 0
    changed = 0
    for run in session.scalars(select(PlaybookRun).where(PlaybookRun.account_id == account_id)):
        summary = scrub_text(run.summary, tokens)
        facts = scrub_json(run.facts, tokens)
        actions = scrub_json(run.actions, tokens)
        if (summary, facts, actions) != (run.summary, run.facts, run.actions):
            run.summary, run.facts, run.actions = summary, facts, actions
            changed += 1
    session.flush()
    return changed
