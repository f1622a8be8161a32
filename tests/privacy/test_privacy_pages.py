"""The web UI for data-subject requests: download a contact's data and erase it from the
contact's page, the erasure log at /privacy, and who may do what."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.factories import Tenant
from tests.web.conftest import MakeUser, api, form_token, make_user, sign_in, web

__all__ = ["make_user", "web"]  # fixtures used below


def _person(web: TestClient, tenant: Tenant, name: str) -> dict[str, object]:
    contact = api(web, tenant, "POST", "/contacts", first_name=name, emails=[f"{name}@example.com"])
    api(
        web,
        tenant,
        "POST",
        "/tickets",
        subject=f"{name}'s printer",
        description=f"{name} cannot print",
        requester={"emails": [f"{name}@example.com"]},
    )
    return contact


def test_an_admin_downloads_and_erases_a_contact_from_its_page(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    admin = make_user(tenant, role=Role.ADMIN)
    assert sign_in(web, admin).status_code == 303
    contact = _person(web, tenant, "Grace")
    number = contact["id"]
    assert f'href="/contacts/{number}/privacy"' in web.get(f"/contacts/{number}").text
    page = web.get(f"/contacts/{number}/privacy")
    assert page.status_code == 200
    assert "Erase permanently" in page.text
    token = form_token(page.text)

    assert web.post(f"/contacts/{number}/privacy/export", data={}).status_code == 403  # no CSRF
    download = web.post(f"/contacts/{number}/privacy/export", data={"csrf_token": token})
    assert download.status_code == 200
    assert (
        download.headers["content-disposition"] == f'attachment; filename="contact-{number}.json"'
    )
    document = json.loads(download.text)
    assert document["contact"]["emails"] == ["grace@example.com"]
    assert [t["ticket"]["subject"] for t in document["tickets"]] == ["Grace's printer"]

    wrong = web.post(
        f"/contacts/{number}/privacy/erase",
        data={"csrf_token": token, "confirm": str(number + 1)},
        follow_redirects=False,
    )
    assert wrong.status_code == 303
    assert (
        "Type the contact&#39;s number to confirm the erasure."
        in web.get(wrong.headers["location"]).text
    )
    assert web.get(f"/contacts/{number}").status_code == 200  # nothing erased

    erased = web.post(
        f"/contacts/{number}/privacy/erase",
        data={"csrf_token": token, "confirm": f"#{number}", "reason": "DSR-42"},
        follow_redirects=False,
    )
    assert erased.status_code == 303
    log = web.get(erased.headers["location"].split("#")[0]).text
    assert "The contact&#39;s personal data was erased." in log
    records = api(web, tenant, "GET", "/privacy/erasures")["items"]
    assert [(r["requested_contact_id"], r["reason"]) for r in records] == [(number, "DSR-42")]
    assert f'data-erasure="{records[0]["id"]}"' in log
    assert web.get(f"/contacts/{number}").status_code == 404
    exports = api(web, tenant, "GET", "/audit?action=contact.exported")["items"]
    assert [(e["target_id"], e["actor_user_id"]) for e in exports] == [(number, admin.user_id)]

    again = web.post(
        f"/contacts/{number}/privacy/erase",
        data={"csrf_token": token, "confirm": str(number)},
        follow_redirects=True,
    )
    assert "This contact was already erased." in again.text


def test_analysts_export_but_only_admins_erase_and_agents_do_neither(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    contact = _person(web, tenant, "Linus")
    number = contact["id"]
    assert sign_in(web, make_user(tenant, role=Role.ANALYST)).status_code == 303
    page = web.get(f"/contacts/{number}/privacy")
    assert page.status_code == 200
    assert "Erase permanently" not in page.text
    token = form_token(page.text)
    refused = web.post(
        f"/contacts/{number}/privacy/erase", data={"csrf_token": token, "confirm": str(number)}
    )
    assert refused.status_code == 403
    assert web.get("/privacy").status_code == 403
    web.cookies.clear()
    assert sign_in(web, make_user(tenant, role=Role.AGENT)).status_code == 303
    assert "data-privacy-link" not in web.get(f"/contacts/{number}").text
    assert web.get(f"/contacts/{number}/privacy").status_code == 403
    assert api(web, tenant, "GET", f"/contacts/{number}")["id"] == number  # still there


def test_another_workspaces_contact_is_not_found(
    web: TestClient, tenant: Tenant, other_tenant: Tenant, make_user: MakeUser
) -> None:
    foreign = _person(web, other_tenant, "Ada")
    assert sign_in(web, make_user(tenant, role=Role.ADMIN)).status_code == 303
    page = web.get(f"/contacts/{foreign['id']}/privacy")
    assert page.status_code == 404
    assert "Ada" not in page.text
    token = form_token(web.get(f"/contacts/{_person(web, tenant, 'Mine')['id']}/privacy").text)
    erase = web.post(
        f"/contacts/{foreign['id']}/privacy/erase",
        data={"csrf_token": token, "confirm": str(foreign["id"])},
    )
    assert erase.status_code == 404
    assert api(web, other_tenant, "GET", f"/contacts/{foreign['id']}")["first_name"] == "Ada"
