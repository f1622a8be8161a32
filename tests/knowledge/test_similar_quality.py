"""Similar solved tickets on real labelled questions (BANKING77): the top 5 of a new ticket
must mostly share its intent. Subsample: 385 solved tickets (5 per intent), 60 new tickets,
keyword ranking (the semantic part needs the 90 MB model and minutes of embedding; the full
figures of both are in docs/knowledge.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from benchmarks.knowledge_quality import read_split, subsample
from benchmarks.similar_tickets_quality import build_solved, evaluate

from cxhub.knowledge.search import semantic
from tests.factories import Tenant

pytestmark = pytest.mark.realdata

#: Measured on this subsample (keyword, SQLite): precision@5 0.303, hit@5 0.817, MRR@5 0.659.
FLOOR_PRECISION = 0.2
FLOOR_HIT = 0.65


@pytest.fixture
def keyword_only() -> Iterator[None]:
    semantic.use_embedder(None)
    yield
    semantic.reset_embedder()


def test_similar_tickets_share_the_intent(
    keyword_only: None, tenant: Tenant, shared_data: Path
) -> None:
    intents = shared_data / "intents"
    solved = subsample(read_split(intents / "banking77-train.csv"), 385)
    questions = subsample(read_split(intents / "banking77-test.csv"), 60)
    with tenant.session() as session:
        contact_id, by_ticket = build_solved(session, workspace_id=tenant.workspace_id, rows=solved)
        quality = evaluate(
            session,
            workspace_id=tenant.workspace_id,
            contact_id=contact_id,
            intents=by_ticket,
            questions=questions,
        )
    assert quality.mode == "keyword"
    assert quality.precision_at_5 >= FLOOR_PRECISION, quality
    assert quality.hit_at_5 >= FLOOR_HIT, quality
