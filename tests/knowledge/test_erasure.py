"""Erasure scrubs a person's identifiers from the anonymous help-center search texts."""

from __future__ import annotations

from sqlalchemy import select

from cxhub.core.redaction import ERASED_MARKER, PersonalTokens
from cxhub.knowledge.helpcenter.erasure import scrub_searches
from cxhub.knowledge.helpcenter.models import KnowledgeSearch
from cxhub.knowledge.helpcenter.service import record_search
from tests.factories import Tenant


def test_identifiers_are_scrubbed_from_search_texts(tenant: Tenant, other_tenant: Tenant) -> None:
    for owner in (tenant, other_tenant):
        with owner.session() as session:
            for query in ("refund for ada@example.org please", "Ada Lovelace card", "Ada card"):
                record_search(
                    session, workspace_id=owner.workspace_id, query=query, language="en",
                    source="suggest", result_count=0,
                )  # fmt: skip
    tokens = PersonalTokens.of(
        emails=["ada@example.org"], full_names=["Ada Lovelace"], name_parts=["Ada"]
    )
    with tenant.session() as session:
        assert scrub_searches(session, tokens=tokens) == 2
    with tenant.session() as session:
        queries = sorted(session.scalars(select(KnowledgeSearch.query)))
        keys = set(session.scalars(select(KnowledgeSearch.query_key)))
    assert queries == sorted(
        [f"refund for {ERASED_MARKER} please", f"{ERASED_MARKER} card", "Ada card"]
    )
    assert not any("lovelace" in key or "example" in key for key in keys)
    with other_tenant.session() as session:  # another workspace's searches are not touched
        untouched = set(session.scalars(select(KnowledgeSearch.query)))
    assert "Ada Lovelace card" in untouched
