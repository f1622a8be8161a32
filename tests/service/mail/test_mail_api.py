"""Mail routes: mailboxes, the raw-MIME endpoint, the inbound log."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.permissions import Role
from cxhub.service.tickets.models import Ticket
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique

RAW = (
    b"From: Bo Chen <bo@customer.test>\r\nTo: support@acme.test\r\nSubject: Invoice\r\n"
    b"Message-ID: <raw-%s@customer.test>\r\n\r\nWhere is my invoice?\r\n"
)


def _address() -> str:
    return f"{unique('help')}@{unique('d')}.example.com"


def test_mailboxes_are_created_listed_and_deleted(client: TestClient, tenant: Tenant) -> None:
    first = client.post(
        "/api/v1/mailboxes",
        json={"address": _address().upper(), "display_name": "Help"},
        headers=tenant.admin,
    )
    assert first.status_code == 201, first.text
    assert first.json()["is_default"] is True
    assert first.json()["address"] == first.json()["address"].lower()
    second = client.post(
        "/api/v1/mailboxes", json={"address": _address(), "is_default": True}, headers=tenant.admin
    )
    listed = client.get("/api/v1/mailboxes", headers=tenant.admin).json()
    defaults = {m["id"]: m["is_default"] for m in listed}
    assert defaults == {first.json()["id"]: False, second.json()["id"]: True}
    deleted = client.delete(f"/api/v1/mailboxes/{second.json()['id']}", headers=tenant.admin)
    assert deleted.status_code == 204
    [left] = client.get("/api/v1/mailboxes", headers=tenant.admin).json()
    assert left["is_default"] is True


def test_an_address_belongs_to_one_workspace(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    address = _address()
    assert client.post("/api/v1/mailboxes", json={"address": address}, headers=tenant.admin)
    taken = client.post(
        "/api/v1/mailboxes", json={"address": address.upper()}, headers=other_tenant.admin
    )
    assert_problem(taken, 409, "conflict")


def test_mailbox_validation_and_permissions(client: TestClient, tenant: Tenant) -> None:
    for bad in ("not-an-address", "a b@x.com", "support+tag@x.com"):
        response = client.post("/api/v1/mailboxes", json={"address": bad}, headers=tenant.admin)
        assert_problem(response, 422, "validation-error")
    denied = client.post(
        "/api/v1/mailboxes", json={"address": _address()}, headers=tenant.headers(Role.AGENT)
    )
    assert_problem(denied, 403, "forbidden")


def test_raw_mime_endpoint_stores_then_processes(client: TestClient, tenant: Tenant) -> None:
    raw = RAW.replace(b"%s", unique().encode())
    response = client.post(
        "/api/v1/mail/inbound",
        content=raw,
        headers={**tenant.headers(Role.AGENT), "Content-Type": "message/rfc822"},
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "received"
    shown = client.get(f"/api/v1/mail/inbound/{response.json()['id']}", headers=tenant.admin)
    assert shown.json()["status"] == "processed"
    with tenant.session() as session:
        ticket = session.scalars(select(Ticket)).one()
    assert ticket.id == shown.json()["ticket_id"]
    assert ticket.subject == "Invoice"


def test_raw_mime_endpoint_refuses_other_media_types_and_viewers(
    client: TestClient, tenant: Tenant
) -> None:
    wrong = client.post(
        "/api/v1/mail/inbound",
        content=b"hello",
        headers={**tenant.admin, "Content-Type": "text/plain"},
    )
    assert_problem(wrong, 415, "unsupported-media-type")
    viewer = client.post(
        "/api/v1/mail/inbound",
        content=RAW,
        headers={**tenant.headers(Role.VIEWER), "Content-Type": "message/rfc822"},
    )
    assert_problem(viewer, 403, "forbidden")
    listed = client.get("/api/v1/mail/inbound", headers=tenant.headers(Role.AGENT))
    assert_problem(listed, 403, "forbidden")


def test_retry_is_only_for_quarantined_mail(client: TestClient, tenant: Tenant) -> None:
    raw = RAW.replace(b"%s", unique().encode())
    created = client.post(
        "/api/v1/mail/inbound",
        content=raw,
        headers={**tenant.admin, "Content-Type": "message/rfc822"},
    ).json()
    retried = client.post(f"/api/v1/mail/inbound/{created['id']}/retry", headers=tenant.admin)
    assert_problem(retried, 409, "conflict")
