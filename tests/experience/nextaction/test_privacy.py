"""Privacy of the new rows: a contact's NPS answers and the decisions about them are in their
data export and are deleted when they are erased; account-level decisions stay."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.runtime import Runtime
from cxhub.experience.connected.models import NpsAnswer
from cxhub.experience.nextaction.models import NextActionDecision
from tests.factories import Tenant, make_tenant, unique

API = "/api/v1"


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> Any:
    response = client.post(f"{API}{path}", json=body, headers=tenant.admin)
    assert response.status_code in (200, 201, 202), response.text
    return response.json() if response.content else None


def test_export_and_erasure(client: TestClient, runtime: Runtime) -> None:
    tenant = make_tenant(runtime)
    account = _post(client, tenant, "/accounts", {"name": unique("Acme ")})["id"]
    contact = _post(
        client,
        tenant,
        "/contacts",
        {"first_name": "Eve", "emails": [f"{unique('e')}@example.com"], "account_id": account},
    )["id"]
    _post(
        client,
        tenant,
        "/playbooks/signals/nps",
        {"account_id": account, "contact_id": contact, "score": 2},
    )
    with tenant.session() as session:
        session.add_all(
            [
                NextActionDecision(
                    customer_key=f"contact:{contact}",
                    contact_id=contact,
                    account_id=account,
                    action_key="call_detractor:1",
                    kind="call_detractor",
                    fingerprint="answer=1",
                    status="taken",
                ),
                NextActionDecision(
                    customer_key=f"account:{account}",
                    account_id=account,
                    action_key="start_renewal:9",
                    kind="start_renewal",
                    fingerprint="renewal_on=2026-12-01",
                    status="dismissed",
                ),
            ]
        )
    exported = client.get(f"{API}/contacts/{contact}/export", headers=tenant.admin).json()
    assert [a["score"] for a in exported["nps_answers"]] == [2]
    assert [d["action_key"] for d in exported["next_action_decisions"]] == ["call_detractor:1"]
    response = client.post(
        f"{API}/contacts/{contact}/erase", json={"confirm": contact}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text
    counts = response.json()["counts"]
    assert counts["nps_answers"] == 1
    assert counts["next_action_decisions"] == 1
    with tenant.session() as session:
        assert session.scalars(select(NpsAnswer)).all() == []
        left = session.scalars(select(NextActionDecision.action_key)).all()
    assert left == ["start_renewal:9"]
