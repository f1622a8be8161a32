"""GET /contacts/{id}/export: everything held on a contact, audited, permission- and tenant-bound."""

from __future__ import annotations

import base64
import json
from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique
from tests.privacy.seeding import compact_events, seed_person, track_later


def _post(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> Any:
    response = client.post(f"/api/v1{path}", json=body, headers=tenant.admin)
    assert response.status_code < 300, response.text
    return response.json()


def _contact_with_history(client: TestClient, tenant: Tenant) -> dict[str, Any]:
    account = _post(client, tenant, "/accounts", {"name": unique("Acme ")})
    email = f"{unique('ada')}@example.com"
    contact = _post(
        client,
        tenant,
        "/contacts",
        {"first_name": "Ada", "emails": [email], "phones": ["+44 20 7946 0958"]},
    )
    client.patch(
        f"/api/v1/contacts/{contact['id']}",
        json={"account_id": account["id"]},
        headers=tenant.admin,
    ).raise_for_status()
    upload = client.post(
        "/api/v1/attachments",
        files={"file": ("invoice.pdf", b"%PDF-1.4 bytes", "application/pdf")},
        headers=tenant.admin,
    )
    assert upload.status_code == 201, upload.text
    ticket = _post(
        client,
        tenant,
        "/tickets",
        {
            "subject": "Refund please",
            "description": "I was charged twice.",
            "requester_id": contact["id"],
            "attachment_ids": [upload.json()["id"]],
        },
    )
    _post(
        client, tenant, f"/tickets/{ticket['id']}/messages", {"body": "Refunded.", "public": True}
    )
    client.patch(
        f"/api/v1/tickets/{ticket['id']}", json={"status": "solved"}, headers=tenant.admin
    ).raise_for_status()
    _post(client, tenant, f"/tickets/{ticket['id']}/csat", {"score": 5, "comment": "Fast"})
    _post(
        client,
        tenant,
        "/interactions",
        {
            "kind": "call.inbound",
            "channel": "phone",
            "contact_id": contact["id"],
            "summary": "Hi",
            "occurred_at": "2026-05-01T10:00:00Z",
        },
    )
    return {"contact": contact, "account": account, "ticket": ticket, "email": email}


def test_export_holds_everything_on_the_contact(client: TestClient, tenant: Tenant) -> None:
    made = _contact_with_history(client, tenant)
    response = client.get(
        f"/api/v1/contacts/{made['contact']['id']}/export", headers=tenant.headers(Role.CSM)
    )
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["format"] == "cxhub.contact-export/1"
    assert document["contact"]["emails"] == [made["email"]]
    assert document["contact"]["phones"]
    assert document["account"]["id"] == made["account"]["id"]
    [exported] = document["tickets"]
    assert exported["ticket"]["subject"] == "Refund please"
    bodies = [m["body"] for m in exported["messages"]]
    assert bodies[:2] == ["I was charged twice.", "Refunded."]
    [attachment] = exported["messages"][0]["attachments"]
    assert attachment["filename"] == "invoice.pdf"
    assert attachment["size_bytes"] == len(b"%PDF-1.4 bytes")
    [survey] = document["csat_surveys"]
    assert (survey["score"], survey["comment"]) == (5, "Fast")
    kinds = {i["kind"] for i in document["interactions"]}
    assert "call.inbound" in kinds
    assert document["subscriptions"] == []


def test_export_is_audited(client: TestClient, tenant: Tenant) -> None:
    contact = _post(client, tenant, "/contacts", {"first_name": "Audited"})
    assert client.get(f"/api/v1/contacts/{contact['id']}/export", headers=tenant.admin).is_success
    trail = client.get(
        "/api/v1/audit",
        params={"action": "contact.exported", "target_type": "contact", "target_id": contact["id"]},
        headers=tenant.admin,
    )
    assert trail.status_code == 200, trail.text
    [entry] = trail.json()["items"]
    assert entry["actor_user_id"] == tenant.user_ids[Role.ADMIN]


def test_another_workspaces_contact_is_not_found(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    contact = _post(client, other_tenant, "/contacts", {"first_name": "Elsewhere"})
    response = client.get(f"/api/v1/contacts/{contact['id']}/export", headers=tenant.admin)
    assert_problem(response, 404, "not-found")


def test_viewer_may_not_export(client: TestClient, tenant: Tenant) -> None:
    contact = _post(client, tenant, "/contacts", {"first_name": "Private"})
    response = client.get(
        f"/api/v1/contacts/{contact['id']}/export", headers=tenant.headers(Role.VIEWER)
    )
    assert_problem(response, 403, "forbidden")


def test_export_holds_the_mail_and_usage_events_the_erasure_covers(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    other = seed_person(client, tenant, runtime, first_name="Grace")
    person = seed_person(client, tenant, runtime)
    compact_events(tenant, runtime)
    track_later(client, person)
    response = client.get(f"/api/v1/contacts/{person.contact_id}/export", headers=tenant.admin)
    assert response.status_code == 200, response.text
    document = response.json()

    raws = [base64.b64decode(m["raw_base64"]) for m in document["inbound_emails"]]
    assert len(raws) == 1
    assert person.phone_typed.encode() in raws[0]
    assert document["inbound_emails"][0]["ticket_id"] in person.ticket_ids
    sent = document["outbound_emails"]
    assert sent, "the reply to their e-mail ticket was queued as mail"
    for message in sent:
        assert person.email in message["to"]
        assert person.email.encode() in base64.b64decode(message["raw_base64"])
    events = document["usage_events"]
    # identify, track and page (compacted, the page by anonymous id only) and one in the inbox
    assert sorted(e["type"] for e in events) == ["identify", "page", "track", "track"]
    assert {e["user_id"] for e in events} == {person.external_id, None}
    assert {e["anonymous_id"] for e in events} >= {person.anonymous_id}
    assert other.external_id not in json.dumps(document)
    assert document["usage_events_truncated"] is False
    identify = next(e for e in events if e["type"] == "identify")
    assert identify["properties"]["email"] == person.email


def test_an_erased_contact_has_nothing_to_export(client: TestClient, tenant: Tenant) -> None:
    contact = _post(
        client, tenant, "/contacts", {"first_name": "Gone", "emails": ["g@example.com"]}
    )
    erased = client.post(
        f"/api/v1/contacts/{contact['id']}/erase",
        json={"confirm": contact["id"]},
        headers=tenant.admin,
    )
    assert erased.status_code == 200
    response = client.get(f"/api/v1/contacts/{contact['id']}/export", headers=tenant.admin)
    assert_problem(response, 404, "not-found")
