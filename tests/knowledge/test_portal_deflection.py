"""A ticket the customer portal opens after showing article suggestions reaches the knowledge
base through the `portal.ticket_submitted` event: that suggestion search is not deflected."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.events import publish
from cxhub.knowledge.helpcenter.models import KnowledgeSearch
from cxhub.service.portal.events import PortalTicketSubmitted
from tests.factories import Tenant
from tests.knowledge.test_helpcenter import _library


def _submitted_at(tenant: Tenant, search_id: str) -> object:
    with tenant.session() as session:
        return session.scalar(
            select(KnowledgeSearch.ticket_submitted_at).where(
                KnowledgeSearch.public_id == search_id
            )
        )


def test_a_portal_ticket_after_suggestions_marks_the_search_not_deflected(
    client: TestClient, tenant: Tenant
) -> None:
    _library(client, tenant)
    shown = client.get(
        f"/help/{tenant.slug}/suggest", params={"q": "how to activate my card", "lang": "en"}
    ).json()
    untouched = client.get(
        f"/help/{tenant.slug}/suggest", params={"q": "activate card", "lang": "en"}
    ).json()
    assert _submitted_at(tenant, shown["search_id"]) is None
    with tenant.session() as session:
        for search_id in (shown["search_id"], None):  # a ticket without suggestions: nothing
            publish(
                session,
                PortalTicketSubmitted(
                    workspace_id=tenant.workspace_id,
                    ticket_id=1,
                    contact_id=1,
                    search_id=search_id,
                ),
            )
    assert _submitted_at(tenant, shown["search_id"]) is not None
    assert _submitted_at(tenant, untouched["search_id"]) is None
