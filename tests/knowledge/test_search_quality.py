"""Search quality on real labelled questions (BANKING77 test split, subsample): recall@5 of the
right article per mode must stay well above these floors (measured figures: docs/benchmarks.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.knowledge_quality import build_library, evaluate, read_split, subsample

from cxhub.knowledge.search import semantic
from cxhub.knowledge.search.service import SearchMode
from tests.factories import Tenant

pytestmark = pytest.mark.realdata

#: Floors well below the full-set figures (keyword ≈ 0.88, semantic/hybrid ≈ 0.95 at @5).
FLOORS = {
    SearchMode.KEYWORD: (0.45, 0.70),
    SearchMode.SEMANTIC: (0.55, 0.80),
    SearchMode.HYBRID: (0.55, 0.80),
}


def test_recall_on_banking77(tenant: Tenant, shared_data: Path) -> None:
    intents = shared_data / "intents"
    train = read_split(intents / "banking77-train.csv")
    questions = subsample(read_split(intents / "banking77-test.csv"), 120)
    modes = [SearchMode.KEYWORD]
    if semantic.embedder() is not None:
        modes += [SearchMode.SEMANTIC, SearchMode.HYBRID]
    with tenant.session() as session:
        library = build_library(session, workspace_id=tenant.workspace_id, train=train, examples=10)
        assert len(library) == 77
        for mode in modes:
            recall = evaluate(
                session,
                workspace_id=tenant.workspace_id,
                library=library,
                questions=questions,
                mode=mode,
            )
            assert recall.mode_used == mode.value
            at_1, at_5 = FLOORS[mode]
            assert recall.at_1 >= at_1, recall
            assert recall.at_5 >= at_5, recall
