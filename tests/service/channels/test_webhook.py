"""Webhook channels: configuration, signed inbound messages, threading, outbound replies."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.core.permissions import Role
from cxhub.customers.timeline.models import Channel
from cxhub.service.channels.models import ChannelReceipt
from cxhub.service.tickets.models import Ticket, TicketMessage
from tests.api.problems import assert_problem
from tests.factories import Tenant
from tests.service.channels.conftest import Webhook, message


def _counts(tenant: Tenant) -> tuple[int, int]:
    with tenant.session() as session:
        tickets = session.scalar(select(func.count()).select_from(Ticket)) or 0
        messages = session.scalar(select(func.count()).select_from(TicketMessage)) or 0
        return tickets, messages


def _set_status(client: TestClient, tenant: Tenant, ticket_id: int, status: str) -> None:
    response = client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"status": status}, headers=tenant.admin
    )
    assert response.status_code == 200, response.text


def test_secret_is_shown_once(client: TestClient, tenant: Tenant, webhook: Webhook) -> None:
    assert len(webhook.secret) >= 32
    shown = client.get(f"/api/v1/channels/{webhook.id}", headers=tenant.admin).json()
    assert "secret" not in shown
    assert shown["inbound_path"] == f"/api/v1/channels/{webhook.id}/inbound"
    listed = client.get("/api/v1/channels", headers=tenant.admin).json()
    assert [c["id"] for c in listed] == [webhook.id]
    assert all("secret" not in c for c in listed)


def test_channel_crud_and_validation(client: TestClient, tenant: Tenant, webhook: Webhook) -> None:
    duplicate = client.post(
        "/api/v1/channels", json={"name": "Chat", "kind": "sms"}, headers=tenant.admin
    )
    assert_problem(duplicate, 409, "conflict")
    bad_kind = client.post(
        "/api/v1/channels", json={"name": "X", "kind": "pigeon"}, headers=tenant.admin
    )
    assert_problem(bad_kind, 422, "validation-error")
    agent = client.post(
        "/api/v1/channels", json={"name": "Y", "kind": "sms"}, headers=tenant.headers(Role.AGENT)
    )
    assert_problem(agent, 403, "forbidden")
    patched = client.patch(
        f"/api/v1/channels/{webhook.id}", json={"name": "Live chat"}, headers=tenant.admin
    )
    assert patched.json()["name"] == "Live chat"
    deleted = client.delete(f"/api/v1/channels/{webhook.id}", headers=tenant.admin)
    assert deleted.status_code == 204
    gone = client.get(f"/api/v1/channels/{webhook.id}", headers=tenant.admin)
    assert_problem(gone, 404, "not-found")


def test_missing_or_bad_signature_is_401_and_stores_nothing(
    client: TestClient, tenant: Tenant, webhook: Webhook
) -> None:
    body = json.dumps(message()).encode()
    missing = client.post(f"/api/v1/channels/{webhook.id}/inbound", content=body)
    assert_problem(missing, 401, "unauthenticated")
    wrong = webhook.post(message(), secret="not-the-secret")
    assert_problem(wrong, 401, "unauthenticated")
    garbage = client.post(
        f"/api/v1/channels/{webhook.id}/inbound",
        content=body,
        headers={"X-Cxhub-Signature": "sha256=zzz\u00e9".encode("latin-1")},
    )
    assert_problem(garbage, 401, "unauthenticated")
    # a token of the channel's own workspace does not replace the signature
    with_token = client.post(
        f"/api/v1/channels/{webhook.id}/inbound", content=body, headers=tenant.admin
    )
    assert_problem(with_token, 401, "unauthenticated")
    assert _counts(tenant) == (0, 0)


def test_unknown_or_inactive_channel_is_404(
    client: TestClient, tenant: Tenant, webhook: Webhook
) -> None:
    client.patch(f"/api/v1/channels/{webhook.id}", json={"active": False}, headers=tenant.admin)
    assert_problem(webhook.post(message()), 404, "not-found")
    unknown = Webhook(webhook.id + 10_000, webhook.secret, client)
    assert_problem(unknown.post(message()), 404, "not-found")


def test_signed_but_malformed_body_is_422(webhook: Webhook) -> None:
    response = webhook.post({"thread_id": "x"})
    assert_problem(response, 422, "validation-error")


def test_signed_message_opens_a_ticket_and_the_thread_continues_it(
    client: TestClient, tenant: Tenant, webhook: Webhook
) -> None:
    first = webhook.post(message(text="My parcel is late", subject="Parcel"))
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["created_ticket"] is True
    assert body["duplicate"] is False
    ticket = client.get(f"/api/v1/tickets/{body['ticket_id']}", headers=tenant.admin).json()
    assert ticket["channel"] == "chat"
    assert ticket["subject"] == "Parcel"
    assert ticket["number"] == body["ticket_number"]

    second = webhook.post(message(text="Any news?", author={"name": "Ada"}))
    assert second.status_code == 201, second.text
    assert second.json()["ticket_id"] == body["ticket_id"]
    assert second.json()["created_ticket"] is False
    other = webhook.post(message(thread="conv-2"))
    assert other.json()["ticket_id"] != body["ticket_id"]
    assert _counts(tenant) == (2, 3)


def test_resent_message_id_is_a_duplicate(tenant: Tenant, webhook: Webhook) -> None:
    sent = message(message_id="m-1")
    first = webhook.post(sent)
    again = webhook.post(sent)
    assert again.status_code == 200
    assert again.json() == {**first.json(), "created_ticket": False, "duplicate": True}
    assert _counts(tenant) == (1, 1)
    with tenant.session() as session:
        assert session.scalar(select(func.count()).select_from(ChannelReceipt)) == 1


def test_closed_ticket_gets_a_follow_up(
    client: TestClient, tenant: Tenant, webhook: Webhook
) -> None:
    first = webhook.post(message()).json()
    _set_status(client, tenant, first["ticket_id"], "solved")
    _set_status(client, tenant, first["ticket_id"], "closed")
    follow_up = webhook.post(message(text="It broke again"))
    assert follow_up.status_code == 201
    assert follow_up.json()["created_ticket"] is True
    new_id = follow_up.json()["ticket_id"]
    assert new_id != first["ticket_id"]
    ticket = client.get(f"/api/v1/tickets/{new_id}", headers=tenant.admin).json()
    assert ticket["follow_up_of_id"] == first["ticket_id"]
    # the conversation now feeds the follow-up
    assert webhook.post(message()).json()["ticket_id"] == new_id


def test_solved_ticket_is_reopened(client: TestClient, tenant: Tenant, webhook: Webhook) -> None:
    first = webhook.post(message()).json()
    _set_status(client, tenant, first["ticket_id"], "solved")
    reply = webhook.post(message(text="Still not working"))
    assert reply.json()["ticket_id"] == first["ticket_id"]
    ticket = client.get(f"/api/v1/tickets/{first['ticket_id']}", headers=tenant.admin).json()
    assert ticket["status"] == "open"
    assert ticket["reopen_count"] == 1


def test_author_identity_resolves_to_one_contact(
    client: TestClient, tenant: Tenant, webhook: Webhook
) -> None:
    known = client.post(
        "/api/v1/contacts", json={"emails": ["grace@example.com"]}, headers=tenant.admin
    ).json()
    sent = webhook.post(message(author={"name": "Grace Hopper", "email": "grace@example.com"}))
    ticket = client.get(f"/api/v1/tickets/{sent.json()['ticket_id']}", headers=tenant.admin).json()
    assert ticket["requester_id"] == known["id"]
    platform = webhook.post(message(thread="c9", author={"external_id": "u-42"}))
    again = webhook.post(message(thread="c10", author={"external_id": "u-42"}))
    requesters = {
        client.get(f"/api/v1/tickets/{r.json()['ticket_id']}", headers=tenant.admin).json()[
            "requester_id"
        ]
        for r in (platform, again)
    }
    assert len(requesters) == 1
    anonymous = webhook.post(message(thread="c11", author={"name": "Nobody"}))
    assert_problem(anonymous, 422, "validation-error")


def test_outbound_lists_public_agent_replies(
    client: TestClient, tenant: Tenant, webhook: Webhook
) -> None:
    ticket_id = webhook.post(message(thread="conv-out")).json()["ticket_id"]
    client.post(
        f"/api/v1/tickets/{ticket_id}/messages",
        json={"body": "We are on it"},
        headers=tenant.admin,
    )
    client.post(
        f"/api/v1/tickets/{ticket_id}/messages",
        json={"body": "internal", "public": False},
        headers=tenant.admin,
    )
    page = client.get(
        f"/api/v1/channels/{webhook.id}/outbound", headers=tenant.headers(Role.VIEWER)
    )
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    assert [(i["body"], i["thread_id"]) for i in items] == [("We are on it", "conv-out")]
    later = client.get(
        f"/api/v1/channels/{webhook.id}/outbound",
        params={"since_id": page.json()["next_since_id"]},
        headers=tenant.admin,
    )
    assert later.json()["items"] == []


def test_other_workspace_channel_is_not_found(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    foreign = client.post(
        "/api/v1/channels", json={"name": "B chat", "kind": "sms"}, headers=other_tenant.admin
    ).json()
    for method, suffix in (("GET", ""), ("PATCH", ""), ("DELETE", ""), ("GET", "/outbound")):
        response = client.request(
            method, f"/api/v1/channels/{foreign['id']}{suffix}", json={}, headers=tenant.admin
        )
        assert_problem(response, 404, "not-found")
    # B's channel files B's tickets, whatever token comes along
    posted = Webhook(foreign["id"], foreign["secret"], client).post(message())
    assert posted.status_code == 201
    with tenant.session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0
    with other_tenant.session() as session:
        ticket = session.scalar(select(Ticket))
        assert ticket is not None
        assert ticket.channel == Channel.SMS
