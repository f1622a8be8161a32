"""Contacts over HTTP: create, identity resolution, search, merge."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.audit import AuditEntry
from cxhub.core.permissions import Role
from tests.factories import Tenant


def _create(client: TestClient, tenant: Tenant, **body: object) -> dict:
    response = client.post("/api/v1/contacts", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_contact_normalises_identifiers(client: TestClient, tenant: Tenant) -> None:
    body = _create(
        client,
        tenant,
        first_name="Ada",
        last_name="Lovelace",
        emails=["  Ada@Example.COM "],
        phones=["+44 (20) 7946-0958"],
        social_handles=["Twitter:@AdaL"],
        external_ids=["u-1"],
    )
    assert body["name"] == "Ada Lovelace"
    assert body["emails"] == ["ada@example.com"]
    assert body["phones"] == ["+442079460958"]
    assert body["social_handles"] == ["twitter:adal"]
    assert body["external_ids"] == ["u-1"]


def test_create_contact_with_taken_email_is_conflict(client: TestClient, tenant: Tenant) -> None:
    first = _create(client, tenant, emails=["dup@example.com"])
    response = client.post(
        "/api/v1/contacts", json={"emails": ["DUP@example.com"]}, headers=tenant.admin
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/conflict")
    assert problem["contact_id"] == first["id"]


def test_identify_attaches_new_identifier_to_existing_contact(
    client: TestClient, tenant: Tenant
) -> None:
    existing = _create(client, tenant, first_name="Grace", emails=["grace@navy.mil"])
    response = client.post(
        "/api/v1/contacts/identify",
        json={"emails": ["grace@navy.mil"], "phones": ["+1 555 0100"], "last_name": "Hopper"},
        headers=tenant.admin,
    )
    assert response.status_code == 200
    result = response.json()
    assert result["created"] is False
    assert result["contact"]["id"] == existing["id"]
    assert result["matched_on"] == ["email:grace@navy.mil"]
    assert result["contact"]["phones"] == ["+15550100"]
    assert result["contact"]["last_name"] == "Hopper"
    # the phone alone now finds the same person
    again = client.post(
        "/api/v1/contacts/identify", json={"phones": ["+1-555-0100"]}, headers=tenant.admin
    )
    assert again.json()["contact"]["id"] == existing["id"]


def test_identify_creates_when_nothing_matches(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/contacts/identify", json={"external_ids": ["p-9"]}, headers=tenant.admin
    )
    assert response.status_code == 201
    assert response.json()["created"] is True


def test_identify_reports_identifiers_of_other_contacts(client: TestClient, tenant: Tenant) -> None:
    a = _create(client, tenant, emails=["a@x.io"])
    b = _create(client, tenant, phones=["+39 06 1234 5678"])
    result = client.post(
        "/api/v1/contacts/identify",
        json={"emails": ["a@x.io"], "phones": ["0039 06 12345678"]},
        headers=tenant.admin,
    ).json()
    assert result["contact"]["id"] == a["id"]
    assert result["conflicting_contact_ids"] == [b["id"]]
    assert result["contact"]["phones"] == []  # never silently moved from b


def test_contact_email_domain_links_account(client: TestClient, tenant: Tenant) -> None:
    account = client.post(
        "/api/v1/accounts",
        json={"name": "Acme", "domains": ["https://www.Acme.io/"]},
        headers=tenant.admin,
    ).json()
    assert account["domains"] == ["acme.io"]
    contact = _create(client, tenant, emails=["wile@acme.io"])
    assert contact["account_id"] == account["id"]
    free = _create(client, tenant, emails=["someone@gmail.com"])
    assert free["account_id"] is None


def test_merge_moves_identifiers_timeline_and_is_audited(
    client: TestClient, tenant: Tenant
) -> None:
    winner = _create(client, tenant, first_name="Lin", emails=["lin@corp.cn"])
    loser = _create(client, tenant, last_name="Wei", phones=["+86 10 1234 5678"], locale="zh-CN")
    client.post(
        "/api/v1/interactions",
        json={
            "kind": "call",
            "channel": "phone",
            "occurred_at": "2026-01-02T03:04:05Z",
            "contact_id": loser["id"],
        },
        headers=tenant.admin,
    )
    response = client.post(
        f"/api/v1/contacts/{winner['id']}/merge",
        json={"loser_id": loser["id"]},
        headers=tenant.headers(Role.AGENT),
    )
    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["contact"]["phones"] == ["+861012345678"]
    assert merged["contact"]["last_name"] == "Wei"
    assert merged["contact"]["locale"] == "zh-CN"
    assert merged["moved"]["interactions.contact_id"] == 1
    assert merged["moved"]["contact_identifiers.contact_id"] == 1
    timeline = client.get(f"/api/v1/contacts/{winner['id']}/timeline", headers=tenant.admin).json()
    assert [i["kind"] for i in timeline["items"]] == ["call"]
    # the loser's id resolves to the winner; lists no longer show the loser
    assert (
        client.get(f"/api/v1/contacts/{loser['id']}", headers=tenant.admin).json()["id"]
        == winner["id"]
    )
    ids = [
        c["id"]
        for c in client.get("/api/v1/contacts?limit=500", headers=tenant.admin).json()["items"]
    ]
    assert loser["id"] not in ids
    assert winner["id"] in ids
    with tenant.session() as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "contact.merged")
        ).one()
    assert audit.target_id == winner["id"]
    assert audit.detail["loser_id"] == loser["id"]
    assert audit.detail["loser_snapshot"]["phones"] == ["+861012345678"]
    assert audit.actor_user_id == tenant.user_ids[Role.AGENT]


def test_merge_into_itself_is_rejected(client: TestClient, tenant: Tenant) -> None:
    c = _create(client, tenant, emails=["self@x.io"])
    response = client.post(
        f"/api/v1/contacts/{c['id']}/merge", json={"loser_id": c["id"]}, headers=tenant.admin
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/validation-error")


def test_search_by_name_email_and_phone(client: TestClient, tenant: Tenant) -> None:
    ada = _create(
        client, tenant, first_name="Ada", last_name="Lovelace", emails=["ada@analytical.org"]
    )
    _create(client, tenant, first_name="Adam", last_name="Smith", phones=["+44 131 496 0000"])
    _create(client, tenant, first_name="Zoe", last_name="Adams")

    def names(q: str) -> list[str]:
        response = client.get("/api/v1/contacts", params={"q": q}, headers=tenant.admin)
        assert response.status_code == 200
        return [c["name"] for c in response.json()["items"]]

    assert names("ada") == ["Ada Lovelace", "Adam Smith", "Zoe Adams"]
    assert names("ada lo") == ["Ada Lovelace"]
    assert names("LOVEL") == ["Ada Lovelace"]
    assert names("ada@anal") == ["Ada Lovelace"]
    assert names("+44 131 496") == ["Adam Smith"]
    assert names("nobody") == []
    assert (
        client.get(
            "/api/v1/contacts", params={"email": "ADA@analytical.org"}, headers=tenant.admin
        ).json()["items"][0]["id"]
        == ada["id"]
    )


def test_invalid_identifier_is_a_validation_problem(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/contacts", json={"emails": ["not-an-email"]}, headers=tenant.admin
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "emails"
    assert "not an email" in body["detail"]


def test_merge_history_is_readable_by_admins_only(client: TestClient, tenant: Tenant) -> None:
    winner = _create(client, tenant, emails=["keep@x.io"])
    loser = _create(client, tenant, emails=["drop@x.io"])
    client.post(
        f"/api/v1/contacts/{winner['id']}/merge",
        json={"loser_id": loser["id"]},
        headers=tenant.admin,
    )
    params = {"target_type": "contact", "target_id": winner["id"]}
    trail = client.get("/api/v1/audit", params=params, headers=tenant.admin)
    assert trail.status_code == 200
    entries = trail.json()["items"]
    assert [e["action"] for e in entries] == ["contact.merged"]
    assert entries[0]["detail"]["loser_snapshot"]["emails"] == ["drop@x.io"]
    denied = client.get("/api/v1/audit", params=params, headers=tenant.headers(Role.AGENT))
    assert denied.status_code == 403
    assert denied.json()["required_permission"] == "audit:read"


def test_chinese_names_show_and_search_family_name_first(
    client: TestClient, tenant: Tenant
) -> None:
    made = _create(client, tenant, first_name="伟", last_name="王", emails=["wangwei@corp.cn"])
    assert made["name"] == "王伟"
    found = client.get("/api/v1/contacts", params={"q": "王伟"}, headers=tenant.admin).json()
    assert [c["id"] for c in found["items"]] == [made["id"]]
    western = _create(client, tenant, first_name="Wei", last_name="Wang")
    assert western["name"] == "Wei Wang"
