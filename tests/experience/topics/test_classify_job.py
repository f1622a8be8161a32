"""The classification job reads and classifies in a read-only session and writes afterwards
(ADR 0035): what it stores must follow the topics as they are when it writes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cxhub.core.runtime import Runtime
from cxhub.experience.text.models import SOURCE_TICKET_MESSAGE
from cxhub.experience.topics.service import (
    Classification,
    classify_source,
    store_classification,
)
from tests.experience.topics.conftest import (
    API,
    THEMES,
    create_ticket,
    discover,
    topics_by_theme,
)
from tests.factories import make_tenant


def test_a_classification_read_before_a_merge_is_stored_against_the_topics_after_it(
    client: TestClient, runtime: Runtime
) -> None:
    tenant = make_tenant(runtime)
    tickets = {
        theme: [create_ticket(client, tenant, text) for text in texts]
        for theme, texts in THEMES.items()
    }
    discover(client, tenant, k=3)
    topics = topics_by_theme(client, tenant, tickets)
    refund, delivery = topics["refund"]["id"], topics["delivery"]["id"]
    ticket = create_ticket(client, tenant, "I am still waiting for the refund of my order")
    messages = client.get(f"{API}/tickets/{ticket['id']}/messages", headers=tenant.admin).json()
    [first] = messages["items"]
    assert first["author_kind"] == "customer"

    def classified() -> Classification:
        with runtime.reading({"workspace_id": tenant.workspace_id}) as reader:
            found = classify_source(
                reader,
                workspace_id=tenant.workspace_id,
                source_type=SOURCE_TICKET_MESSAGE,
                source_id=first["id"],
            )
        assert found is not None
        return found

    unchanged = classified()
    assert unchanged.topic_id == refund
    with tenant.session() as session:
        stored = store_classification(session, unchanged)
        assert stored is not None
        assert stored.topic_id == refund

    before_merge = classified()
    merged = client.post(
        f"{API}/topics/{refund}/merge", json={"into_topic_id": delivery}, headers=tenant.admin
    )
    assert merged.status_code == 200, merged.text
    with tenant.session() as session:  # read before the merge, written after it
        stored = store_classification(session, before_merge)
        assert stored is not None
        assert stored.topic_id == delivery  # not the merged (tombstone) topic it was read with
