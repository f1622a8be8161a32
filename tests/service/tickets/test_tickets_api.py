"""Tickets over HTTP: create, thread, status machine, reopen, merge, spam, attachments."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.factories import Tenant, unique


def _ticket(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload = {
        "subject": "Printer on fire",
        "description": "It started smoking after the update.",
        "requester": {"emails": [f"{unique('r')}@example.com"], "first_name": "Ada"},
        **body,
    }
    response = client.post("/api/v1/tickets", json=payload, headers=tenant.admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _thread(client: TestClient, tenant: Tenant, ticket_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/tickets/{ticket_id}/messages", headers=tenant.admin)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_create_identifies_requester_numbers_tickets_and_records_the_description(
    client: TestClient, tenant: Tenant
) -> None:
    email = f"{unique('ada')}@example.com"
    first = _ticket(client, tenant, requester={"emails": [email]}, tags=["Billing", "vip  user"])
    second = _ticket(client, tenant, requester={"emails": [email.upper()]})
    assert second["number"] == first["number"] + 1
    assert first["requester_id"] == second["requester_id"]
    assert first["status"] == "new"
    assert first["tags"] == ["billing", "vip_user"]
    thread = _thread(client, tenant, first["id"])
    assert [(m["author_kind"], m["body"], m["public"]) for m in thread] == [
        ("customer", "It started smoking after the update.", True)
    ]
    assert thread[0]["author_contact_id"] == first["requester_id"]


def test_ticket_numbers_are_per_workspace(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = _ticket(client, tenant)
    theirs = client.post(
        "/api/v1/tickets",
        json={"subject": "s", "description": "d", "requester": {"emails": ["x@example.com"]}},
        headers=other_tenant.admin,
    ).json()
    assert theirs["number"] <= mine["number"]
    assert (
        client.get(f"/api/v1/tickets/{mine['id']}", headers=other_tenant.admin).status_code == 404
    )


def test_external_id_makes_create_idempotent(client: TestClient, tenant: Tenant) -> None:
    first = _ticket(client, tenant, external_id="zendesk-1")
    again = client.post(
        "/api/v1/tickets",
        json={
            "subject": "other",
            "description": "d",
            "requester_id": first["requester_id"],
            "external_id": "zendesk-1",
        },
        headers=tenant.admin,
    )
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert again.json()["subject"] == "Printer on fire"


def test_agent_reply_opens_and_stamps_first_reply_note_does_not(
    client: TestClient, tenant: Tenant
) -> None:
    ticket = _ticket(client, tenant)
    note = client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"body": "Checking with engineering", "public": False},
        headers=tenant.headers(Role.AGENT),
    )
    assert note.status_code == 201, note.text
    after_note = client.get(f"/api/v1/tickets/{ticket['id']}", headers=tenant.admin).json()
    assert after_note["first_replied_at"] is None
    assert after_note["status"] == "new"
    reply = client.post(
        f"/api/v1/tickets/{ticket['id']}/messages",
        json={"body": "Please unplug it.", "status": "pending"},
        headers=tenant.headers(Role.AGENT),
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["author_user_id"] == tenant.user_ids[Role.AGENT]
    after = client.get(f"/api/v1/tickets/{ticket['id']}", headers=tenant.admin).json()
    assert after["status"] == "pending"
    assert after["first_replied_at"] == reply.json()["created_at"]
    kinds = [(m["author_kind"], m["public"]) for m in _thread(client, tenant, ticket["id"])]
    assert kinds == [("customer", True), ("agent", False), ("agent", True)]


def test_customer_reply_reopens_pending_and_solved(client: TestClient, tenant: Tenant) -> None:
    ticket = _ticket(client, tenant)
    url = f"/api/v1/tickets/{ticket['id']}"
    assert client.patch(url, json={"status": "solved"}, headers=tenant.admin).json()["solved_at"]
    customer = client.post(
        f"{url}/messages", json={"body": "Still broken", "as_customer": True}, headers=tenant.admin
    )
    assert customer.status_code == 201, customer.text
    assert customer.json()["author_kind"] == "customer"
    reopened = client.get(url, headers=tenant.admin).json()
    assert reopened["status"] == "open"
    assert reopened["solved_at"] is None
    assert reopened["reopen_count"] == 1
    thread = _thread(client, tenant, ticket["id"])
    assert [(m["author_kind"], m["body"]) for m in thread][1:] == [("customer", "Still broken")]


def test_illegal_transition_is_a_409_problem_and_changes_nothing(
    client: TestClient, tenant: Tenant
) -> None:
    ticket = _ticket(client, tenant)
    url = f"/api/v1/tickets/{ticket['id']}"
    client.patch(url, json={"status": "open", "priority": "high"}, headers=tenant.admin)
    body = assert_problem(
        client.patch(url, json={"status": "closed", "priority": "urgent"}, headers=tenant.admin),
        409,
        "illegal-status-transition",
    )
    assert body["allowed"] == ["on_hold", "pending", "solved"]
    unchanged = client.get(url, headers=tenant.admin).json()
    assert (unchanged["status"], unchanged["priority"]) == ("open", "high")


def test_closed_ticket_takes_no_messages_or_changes(client: TestClient, tenant: Tenant) -> None:
    ticket = _ticket(client, tenant)
    url = f"/api/v1/tickets/{ticket['id']}"
    client.patch(url, json={"status": "solved"}, headers=tenant.admin)
    assert client.patch(url, json={"status": "closed"}, headers=tenant.admin).json()["closed_at"]
    assert_problem(
        client.post(f"{url}/messages", json={"body": "hi"}, headers=tenant.admin),
        422,
        "validation-error",
    )
    assert_problem(
        client.patch(url, json={"priority": "low"}, headers=tenant.admin), 422, "validation-error"
    )


def test_assignment_validates_users_and_teams(client: TestClient, tenant: Tenant) -> None:
    ticket = _ticket(client, tenant)
    url = f"/api/v1/tickets/{ticket['id']}"
    assigned = client.patch(
        url, json={"assignee_id": tenant.user_ids[Role.AGENT]}, headers=tenant.admin
    ).json()
    assert assigned["assignee_id"] == tenant.user_ids[Role.AGENT]
    assert assigned["status"] == "open"
    body = assert_problem(
        client.patch(url, json={"assignee_id": 99_999_999}, headers=tenant.admin),
        422,
        "validation-error",
    )
    assert body["field"] == "assignee_id"


def test_tags_custom_fields_and_followers(client: TestClient, tenant: Tenant) -> None:
    ticket = _ticket(client, tenant, tags=["a", "b"], custom_fields={"order": "A-1", "size": 3})
    url = f"/api/v1/tickets/{ticket['id']}"
    changed = client.patch(
        url,
        json={
            "add_tags": ["c"],
            "remove_tags": ["a"],
            "custom_fields": {"size": None, "x": True},
            "follower_ids": [tenant.user_ids[Role.CSM]],
        },
        headers=tenant.admin,
    ).json()
    assert changed["tags"] == ["b", "c"]
    assert changed["custom_fields"] == {"order": "A-1", "x": True}
    assert changed["follower_ids"] == [tenant.user_ids[Role.CSM]]


def test_list_filters_and_pages(client: TestClient, tenant: Tenant) -> None:
    urgent = _ticket(client, tenant, priority="urgent", tags=["outage"])
    low = _ticket(client, tenant, priority="low")
    listed = client.get(
        "/api/v1/tickets",
        params={"priority": ["urgent", "high"], "tag": "outage"},
        headers=tenant.admin,
    ).json()
    assert [t["id"] for t in listed["items"]] == [urgent["id"]]
    unassigned = client.get(
        "/api/v1/tickets", params={"unassigned": True, "limit": 1}, headers=tenant.admin
    ).json()
    assert unassigned["items"][0]["id"] == low["id"]  # newest activity first
    assert unassigned["next_cursor"]


def test_tickets_and_messages_land_on_the_requester_timeline(
    client: TestClient, tenant: Tenant
) -> None:
    ticket = _ticket(client, tenant)
    client.post(
        f"/api/v1/tickets/{ticket['id']}/messages", json={"body": "On it"}, headers=tenant.admin
    )
    timeline = client.get(
        f"/api/v1/contacts/{ticket['requester_id']}/timeline", headers=tenant.admin
    ).json()["items"]
    kinds = {item["kind"] for item in timeline}
    assert {"ticket.created", "ticket.customer_message", "ticket.agent_message"} <= kinds
    assert all(item["source_id"] == str(ticket["id"]) for item in timeline)


def test_merge_moves_thread_and_points_source_to_target(client: TestClient, tenant: Tenant) -> None:
    target = _ticket(client, tenant, tags=["t"])
    source = _ticket(client, tenant, subject="Same printer", tags=["s"])
    merged = client.post(
        f"/api/v1/tickets/{target['id']}/merge",
        json={"source_ids": [source["id"]]},
        headers=tenant.headers(Role.AGENT),
    )
    assert merged.status_code == 200, merged.text
    assert merged.json()["tags"] == ["s", "t"]
    thread = _thread(client, tenant, target["id"])
    assert len(thread) == 3  # both descriptions and the merge note
    assert thread[-1]["public"] is False
    old = client.get(f"/api/v1/tickets/{source['id']}", headers=tenant.admin).json()
    assert (old["merged_into_id"], old["status"]) == (target["id"], "closed")
    assert_problem(
        client.post(
            f"/api/v1/tickets/{target['id']}/merge",
            json={"source_ids": [source["id"]]},
            headers=tenant.admin,
        ),
        422,
        "validation-error",
    )
    audit = client.get("/api/v1/audit", params={"action": "ticket.merged"}, headers=tenant.admin)
    assert any(e["target_id"] == target["id"] for e in audit.json()["items"])


def test_spam_hides_ticket_from_lists(client: TestClient, tenant: Tenant) -> None:
    ticket = _ticket(client, tenant, tags=["spamcheck"])
    spam = client.post(f"/api/v1/tickets/{ticket['id']}/spam", headers=tenant.admin).json()
    assert spam["is_spam"] is True
    listed = client.get("/api/v1/tickets", params={"tag": "spamcheck"}, headers=tenant.admin)
    assert listed.json()["items"] == []


def test_viewer_reads_but_cannot_write(client: TestClient, tenant: Tenant) -> None:
    ticket = _ticket(client, tenant)
    viewer = tenant.headers(Role.VIEWER)
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=viewer).status_code == 200
    assert_problem(
        client.patch(f"/api/v1/tickets/{ticket['id']}", json={"priority": "low"}, headers=viewer),
        403,
        "forbidden",
    )


def test_attachment_upload_bind_and_download(client: TestClient, tenant: Tenant) -> None:
    content = "ciao 你好 <script>alert(1)</script>".encode()
    upload = client.post(
        "/api/v1/attachments",
        files={"file": ("../../etc/note.html", content, "text/html")},
        headers=tenant.admin,
    )
    assert upload.status_code == 201, upload.text
    attachment = upload.json()
    assert attachment["filename"] == "_.._etc_note.html"  # no path, no leading dot
    assert attachment["size_bytes"] == len(content)
    ticket = _ticket(client, tenant, attachment_ids=[attachment["id"]])
    thread = _thread(client, tenant, ticket["id"])
    assert [a["id"] for a in thread[0]["attachments"]] == [attachment["id"]]
    download = client.get(attachment["url"], headers=tenant.admin)
    assert download.content == content
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    reused = client.post(
        "/api/v1/tickets",
        json={
            "subject": "s",
            "description": "d",
            "requester_id": ticket["requester_id"],
            "attachment_ids": [attachment["id"]],
        },
        headers=tenant.admin,
    )
    assert_problem(reused, 422, "validation-error")


def test_oversized_attachment_is_413(client: TestClient, tenant: Tenant, settings: Any) -> None:
    too_big = b"x" * (settings.attachment_max_bytes + 1)
    response = client.post(
        "/api/v1/attachments", files={"file": ("big.bin", too_big)}, headers=tenant.admin
    )
    assert_problem(response, 413, "attachment-too-large")


def test_create_needs_exactly_one_requester(client: TestClient, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/tickets", json={"subject": "s", "description": "d"}, headers=tenant.admin
    )
    assert_problem(response, 422, "validation-error")
