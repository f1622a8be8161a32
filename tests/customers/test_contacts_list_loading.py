"""The contact list reads its page's identifiers in one statement (issue 7).

`GET /api/v1/contacts` loads its contacts without the `selectin` loader and builds each answer
from plain (contact_id, kind, value) rows (`service.contact_outs`): the values, their order (by
identifier id) and the display name must be the ones the contact's relationship gives, the
statements must not grow with the page, and another workspace's rows must stay out.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.runtime import Runtime
from cxhub.customers.contacts import service
from cxhub.customers.contacts.models import ContactIdentifier, IdentifierKind
from tests.factories import Tenant, unique


def _create(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/contacts", json=body, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _listed(client: TestClient, tenant: Tenant, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/contacts", params={"limit": 25, **params}, headers=tenant.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_list_carries_each_contacts_identifiers_in_id_order(
    client: TestClient, tenant: Tenant
) -> None:
    tag = unique("p")
    full = _create(
        client,
        tenant,
        first_name=f"{tag}Ada",
        emails=[f"zed-{tag}@example.com"],
        phones=["+44 20 7946 0958"],
        social_handles=["twitter:@ada"],
        external_ids=["u-1", "u-0"],
    )
    # Attached later, so a higher id: listed after the first e-mail although it sorts before.
    identified = client.post(
        "/api/v1/contacts/identify",
        json={"emails": [f"zed-{tag}@example.com", f"abe-{tag}@example.com"]},
        headers=tenant.admin,
    )
    assert identified.status_code == 200, identified.text
    nameless = _create(client, tenant, phones=["+1 555 0100"], emails=[f"n-{tag}@example.com"])
    bare = _create(client, tenant, last_name=f"{tag}Bare")
    empty = _create(client, tenant)

    listed = {c["id"]: c for c in _listed(client, tenant)}

    assert set(listed) == {full["id"], nameless["id"], bare["id"], empty["id"]}
    ada = listed[full["id"]]
    assert ada["emails"] == [f"zed-{tag}@example.com", f"abe-{tag}@example.com"]
    assert ada["phones"] == ["+442079460958"]
    assert ada["social_handles"] == ["twitter:ada"]
    assert ada["external_ids"] == ["u-1", "u-0"]
    # No name: the first identifier (by id) names the contact; nothing at all: its number.
    assert listed[nameless["id"]]["name"] == f"n-{tag}@example.com"
    assert listed[bare["id"]]["emails"] == []
    assert listed[empty["id"]]["name"] == f"Contact #{empty['id']}"
    for contact_id, item in listed.items():
        alone = client.get(f"/api/v1/contacts/{contact_id}", headers=tenant.admin).json()
        assert item == alone
    searched = _listed(client, tenant, q=f"{tag}ada")
    assert searched == [ada]


def test_a_full_search_page_costs_the_same_statements_as_a_short_one(
    client: TestClient, tenant: Tenant, statements: list[str]
) -> None:
    for n in range(26):
        _create(
            client,
            tenant,
            first_name=f"Ada{n:02d}",
            emails=[f"ada{n}-{unique()}@example.com"],
            external_ids=[unique("u")],
        )

    statements.clear()
    full = _listed(client, tenant, q="ada")
    full_page = list(statements)
    statements.clear()
    _listed(client, tenant, q="ada", limit=2)
    short_page = list(statements)

    assert len(full) == 25
    assert all(len(c["emails"]) == 1 and len(c["external_ids"]) == 1 for c in full)
    identifier_reads = [s for s in full_page if "contact_identifiers" in s]
    assert len(identifier_reads) <= 2, identifier_reads  # the search, the page's identifiers
    assert len(full_page) == len(short_page), (full_page, short_page)


def test_another_workspaces_identifier_rows_never_show(
    client: TestClient, tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    """An identifier row of another workspace pointing at this workspace's contact (which no code
    path writes) stays out: the plain read goes through the workspace filter."""
    mine = _create(client, tenant, emails=[f"{unique('me')}@example.com"])
    intruder = f"{unique('them')}@example.com"
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        session.add(
            ContactIdentifier(
                workspace_id=other_tenant.workspace_id,
                contact_id=mine["id"],
                kind=IdentifierKind.EMAIL,
                value=intruder,
            )
        )

    (listed,) = _listed(client, tenant)

    assert listed["emails"] == mine["emails"]
    with tenant.session() as session:
        found = service.identifiers_by_contact(session, contact_ids=[mine["id"]])
    assert found == {mine["id"]: [(IdentifierKind.EMAIL, mine["emails"][0])]}
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        unfiltered = service.identifiers_by_contact(session, contact_ids=[mine["id"]])
    assert (IdentifierKind.EMAIL, intruder) in unfiltered[mine["id"]]
