"""Accounts over HTTP: CRUD, filters, domains, owners, sorting and pagination."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique


def _create(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/accounts", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _names(client: TestClient, tenant: Tenant, **params: Any) -> list[str]:
    response = client.get("/api/v1/accounts", params=params, headers=tenant.admin)
    assert response.status_code == 200, response.text
    return [a["name"] for a in response.json()["items"]]


def test_create_read_update_delete(client: TestClient, tenant: Tenant) -> None:
    created = _create(
        client,
        tenant,
        name="  Nusantara Logistik ",
        domains=["nusantara.co.id"],
        industry="logistics",
        tier="enterprise",
        country="id",
        owner_id=tenant.user_ids[Role.CSM],
        custom_attributes={"plan": "scale"},
        external_id="crm-42",
    )
    assert created["name"] == "Nusantara Logistik"
    assert created["country"] == "ID"
    assert created["domains"] == ["nusantara.co.id"]
    assert created["custom_attributes"] == {"plan": "scale"}
    url = f"/api/v1/accounts/{created['id']}"
    assert client.get(url, headers=tenant.admin).json() == created

    patched = client.patch(
        url,
        json={
            "tier": "mid-market",
            "domains": ["nusantara.id", "nusantara.co.id"],
            "industry": None,
        },
        headers=tenant.admin,
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["tier"] == "mid-market"
    assert body["industry"] is None
    assert sorted(body["domains"]) == ["nusantara.co.id", "nusantara.id"]
    assert body["name"] == "Nusantara Logistik"  # untouched fields stay
    assert body["updated_at"] >= created["updated_at"]

    assert client.delete(url, headers=tenant.admin).status_code == 204
    assert_problem(client.get(url, headers=tenant.admin), 404, "not-found")
    assert_problem(client.delete(url, headers=tenant.admin), 404, "not-found")


def test_deleting_an_account_keeps_its_contacts(client: TestClient, tenant: Tenant) -> None:
    domain = f"{unique('keep')}.com"
    account = _create(client, tenant, name="Gone", domains=[domain])
    contact = client.post(
        "/api/v1/contacts", json={"emails": [f"ana@{domain}"]}, headers=tenant.admin
    ).json()
    assert contact["account_id"] == account["id"]
    client.delete(f"/api/v1/accounts/{account['id']}", headers=tenant.admin)
    kept = client.get(f"/api/v1/contacts/{contact['id']}", headers=tenant.admin)
    assert kept.status_code == 200
    assert kept.json()["account_id"] is None


def test_filters(client: TestClient, tenant: Tenant) -> None:
    csm = tenant.user_ids[Role.CSM]
    _create(client, tenant, name="Alpha Foods", tier="smb", country="IT", domains=["alpha.it"])
    _create(client, tenant, name="Alphabet Soup", tier="enterprise", country="US", owner_id=csm)
    _create(client, tenant, name="Beta Mart", tier="smb", country="ID", owner_id=csm)
    _create(client, tenant, name="北京数据", tier="enterprise", country="CN")

    assert _names(client, tenant, q="alpha") == ["Alpha Foods", "Alphabet Soup"]
    assert _names(client, tenant, q="ALPHABET") == ["Alphabet Soup"]
    assert _names(client, tenant, q="foods") == []  # prefix of the name, not a substring
    assert _names(client, tenant, q="北京") == ["北京数据"]
    assert _names(client, tenant, tier="smb") == ["Alpha Foods", "Beta Mart"]
    assert _names(client, tenant, country="it") == ["Alpha Foods"]
    assert _names(client, tenant, owner_id=csm) == ["Alphabet Soup", "Beta Mart"]
    assert _names(client, tenant, domain="ALPHA.it") == ["Alpha Foods"]
    assert _names(client, tenant, tier="smb", country="ID") == ["Beta Mart"]
    assert _names(client, tenant, q="zzz") == []


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("Acme.COM", "acme.com"),
        ("https://www.acme.com/pricing", "acme.com"),
        ("http://shop.acme.co.uk", "shop.acme.co.uk"),
        ("  xn--80ak6aa92e.com ", "xn--80ak6aa92e.com"),
    ],
)
def test_domains_are_normalised(
    client: TestClient, tenant: Tenant, given: str, stored: str
) -> None:
    assert _create(client, tenant, name="Norm", domains=[given])["domains"] == [stored]


def test_duplicate_domains_in_one_request_collapse(client: TestClient, tenant: Tenant) -> None:
    made = _create(client, tenant, name="Twice", domains=["twice.io", "WWW.twice.io", "twice.io/"])
    assert made["domains"] == ["twice.io"]


@pytest.mark.parametrize("bad", ["not a domain", "localhost", "-acme.com", "acme", ""])
def test_invalid_domains_are_refused(client: TestClient, tenant: Tenant, bad: str) -> None:
    response = client.post(
        "/api/v1/accounts", json={"name": "Bad", "domains": [bad]}, headers=tenant.admin
    )
    assert assert_problem(response, 422, "validation-error")["field"] == "domains"


@pytest.mark.parametrize("free", ["gmail.com", "qq.com", "libero.it", "yahoo.co.id"])
def test_free_mail_domains_are_refused(client: TestClient, tenant: Tenant, free: str) -> None:
    response = client.post(
        "/api/v1/accounts", json={"name": "Free", "domains": [free]}, headers=tenant.admin
    )
    body = assert_problem(response, 422, "validation-error")
    assert body["field"] == "domains"
    assert "public mail provider" in body["detail"]


def test_two_accounts_cannot_own_one_domain(client: TestClient, tenant: Tenant) -> None:
    first = _create(client, tenant, name="Owner", domains=["owned.example"])
    response = client.post(
        "/api/v1/accounts",
        json={"name": "Squatter", "domains": ["https://owned.example"]},
        headers=tenant.admin,
    )
    assert assert_problem(response, 409, "conflict")["field"] == "domains"
    other = _create(client, tenant, name="Other", domains=["other.example"])
    response = client.patch(
        f"/api/v1/accounts/{other['id']}",
        json={"domains": ["other.example", "owned.example"]},
        headers=tenant.admin,
    )
    assert_problem(response, 409, "conflict")
    assert client.get(f"/api/v1/accounts/{other['id']}", headers=tenant.admin).json()[
        "domains"
    ] == ["other.example"]
    # an account may keep its own domains on update
    same = client.patch(
        f"/api/v1/accounts/{first['id']}", json={"domains": ["owned.example"]}, headers=tenant.admin
    )
    assert same.status_code == 200


def test_a_released_domain_can_be_claimed(client: TestClient, tenant: Tenant) -> None:
    first = _create(client, tenant, name="Seller", domains=["moving.example"])
    client.patch(f"/api/v1/accounts/{first['id']}", json={"domains": []}, headers=tenant.admin)
    assert _create(client, tenant, name="Buyer", domains=["moving.example"])["domains"] == [
        "moving.example"
    ]


def test_owner_must_be_a_user_of_the_workspace(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = other_tenant.user_ids[Role.CSM]
    for owner in (foreign, 987654321):
        response = client.post(
            "/api/v1/accounts", json={"name": "Owned", "owner_id": owner}, headers=tenant.admin
        )
        assert assert_problem(response, 422, "validation-error")["field"] == "owner_id"
    account = _create(client, tenant, name="Reowned", owner_id=tenant.user_ids[Role.CSM])
    response = client.patch(
        f"/api/v1/accounts/{account['id']}", json={"owner_id": foreign}, headers=tenant.admin
    )
    assert_problem(response, 422, "validation-error")
    cleared = client.patch(
        f"/api/v1/accounts/{account['id']}", json={"owner_id": None}, headers=tenant.admin
    )
    assert cleared.json()["owner_id"] is None


def test_external_id_conflict_on_update_names_the_field(client: TestClient, tenant: Tenant) -> None:
    _create(client, tenant, name="One", external_id="ext-1")
    two = _create(client, tenant, name="Two", external_id="ext-2")
    response = client.patch(
        f"/api/v1/accounts/{two['id']}", json={"external_id": "ext-1"}, headers=tenant.admin
    )
    assert assert_problem(response, 409, "conflict")["field"] == "external_id"


def test_external_id_conflict_on_create_names_the_field(client: TestClient, tenant: Tenant) -> None:
    _create(client, tenant, name="One", external_id="dup-ext")
    response = client.post(
        "/api/v1/accounts", json={"name": "Two", "external_id": "dup-ext"}, headers=tenant.admin
    )
    assert assert_problem(response, 409, "conflict")["field"] == "external_id"


def test_sort_by_name_and_created_at_with_pagination(client: TestClient, tenant: Tenant) -> None:
    names = ["delta", "Alpha", "charlie", "Bravo", "echo"]
    made = [_create(client, tenant, name=n) for n in names]

    def walk(**params: Any) -> list[str]:
        seen: list[str] = []
        cursor = None
        while True:
            query = {"limit": 2, **params, **({"cursor": cursor} if cursor else {})}
            body = client.get("/api/v1/accounts", params=query, headers=tenant.admin).json()
            assert len(body["items"]) <= 2
            seen += [a["name"] for a in body["items"]]
            cursor = body["next_cursor"]
            if cursor is None:
                return seen

    # names sort case-insensitively
    assert walk() == ["Alpha", "Bravo", "charlie", "delta", "echo"]
    assert walk(sort="-name") == ["echo", "delta", "charlie", "Bravo", "Alpha"]
    assert walk(sort="-created_at") == [a["name"] for a in reversed(made)]
    assert walk(sort="created_at") == names
    assert walk(sort="id") == names


def test_agents_read_but_only_admins_delete(client: TestClient, tenant: Tenant) -> None:
    account = _create(client, tenant, name="Guarded")
    url = f"/api/v1/accounts/{account['id']}"
    assert client.get(url, headers=tenant.headers(Role.VIEWER)).status_code == 200
    denied = client.delete(url, headers=tenant.headers(Role.AGENT))
    assert assert_problem(denied, 403, "forbidden")["required_permission"] == "customers:delete"
