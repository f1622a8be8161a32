"""The agent's helpdesk pages: inbox views and bulk bar, the workspace, reply and field forms."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.permissions import Role
from cxhub.service.tickets.models import Ticket
from tests.factories import Tenant, unique
from tests.web.conftest import MakeUser, WebUser, api, form_token, sign_in


def _ticket(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "subject": f"Printer {unique('s')}",
        "description": "It started smoking\nafter the update.",
        "requester": {"emails": [f"{unique('r')}@example.com"], "first_name": "Ada"},
        **body,
    }
    return api(client, tenant, "POST", "/tickets", **payload)  # type: ignore[no-any-return]


def _get(client: TestClient, tenant: Tenant, ticket_id: int) -> dict[str, Any]:
    return api(client, tenant, "GET", f"/tickets/{ticket_id}")  # type: ignore[no-any-return]


def _flashes(html: str) -> list[str]:
    return re.findall(r'<p class="flash flash-\w+"[^>]*>([^<]*)</p>', html)


def test_inbox_lists_only_this_workspace_and_views_filter(
    web: TestClient, tenant: Tenant, other_tenant: Tenant, signed_in: WebUser
) -> None:
    mine = _ticket(web, tenant, assignee_id=signed_in.user_id)
    unassigned = _ticket(web, tenant)
    pending = _ticket(web, tenant)
    api(web, tenant, "PATCH", f"/tickets/{pending['id']}", status="pending")
    theirs = _ticket(web, other_tenant)

    default = web.get("/tickets")
    assert default.status_code == 200
    assert mine["subject"] in default.text  # "My open tickets" is the default view
    assert unassigned["subject"] not in default.text
    assert 'aria-current="page" data-view="my-open"><span>My open tickets' in default.text

    everything = web.get("/tickets", params={"view": "all-unsolved"}).text
    for ticket in (mine, unassigned, pending):
        assert ticket["subject"] in everything
    assert theirs["subject"] not in everything
    assert "Ada" in everything  # the requester's name
    assert f'href="/tickets/{mine["number"]}"' in everything

    unassigned_view = web.get("/tickets", params={"view": "unassigned"}).text
    assert unassigned["subject"] in unassigned_view
    assert mine["subject"] not in unassigned_view
    waiting = api(
        web,
        tenant,
        "POST",
        "/views",
        name="Waiting",
        shared=True,
        conditions={"statuses": ["pending"]},
    )
    pending_view = web.get("/tickets", params={"view": waiting["id"]}).text
    assert pending["subject"] in pending_view
    assert unassigned["subject"] not in pending_view
    solved_view = web.get("/tickets", params={"view": "recently-solved"}).text
    assert "No tickets in this view." in solved_view


def test_inbox_pages_with_a_cursor(web: TestClient, tenant: Tenant, signed_in: WebUser) -> None:
    subjects = [_ticket(web, tenant)["subject"] for _ in range(27)]
    first = web.get("/tickets", params={"view": "unassigned"}).text
    found = re.search(r'href="(/tickets\?view=unassigned&amp;cursor=[^"]+)" rel="next"', first)
    assert found is not None
    second = web.get(found.group(1).replace("&amp;", "&")).text
    shown_first = {s for s in subjects if s in first}
    shown_second = {s for s in subjects if s in second}
    assert len(shown_first) == 25
    assert shown_first.isdisjoint(shown_second)
    assert shown_first | shown_second == set(subjects)
    assert 'rel="next"' not in second


def test_workspace_shows_thread_notes_and_customer_context(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    domain = f"{unique('acme')}.example"
    account = api(
        web, tenant, "POST", "/accounts", name="Acme Rockets", domains=[domain], tier="gold"
    )
    email = f"ada@{domain}"
    ticket = _ticket(
        web, tenant, requester={"emails": [email], "first_name": "Ada", "last_name": "Byron"}
    )
    other = _ticket(web, tenant, requester={"emails": [email]}, subject="Second problem")
    api(
        web,
        tenant,
        "POST",
        f"/tickets/{ticket['id']}/messages",
        body="<b>Hold on</b>\nline two",
        public=False,
    )
    page = web.get(f"/tickets/{ticket['number']}")
    assert page.status_code == 200
    html = page.text
    assert ticket["subject"] in html
    assert "It started smoking\nafter the update." in html  # plain text, line breaks kept
    assert "&lt;b&gt;Hold on&lt;/b&gt;" in html
    assert "<b>Hold on" not in html
    assert re.search(r'class="msg msg-agent msg-note"', html)
    assert re.search(r'class="msg msg-customer"', html)
    assert "Internal note" in html
    assert "Ada Byron" in html
    assert email in html
    assert f'href="/accounts/{account["id"]}"' in html
    assert "gold" in html
    assert f'href="/tickets/{other["number"]}"' in html  # their other open ticket
    assert "ticket.created" in html  # recent timeline entries
    assert 'action="/tickets/{}/reply"'.format(ticket["number"]) in html
    assert web.get("/tickets/999999999").status_code == 404
    assert "Page not found" in web.get("/tickets/999999999").text


def test_workspace_of_another_workspace_is_a_404(
    web: TestClient, tenant: Tenant, other_tenant: Tenant, signed_in: WebUser
) -> None:
    theirs = _ticket(web, other_tenant, subject="Their secret")
    _ticket(web, tenant)
    page = web.get(f"/tickets/{theirs['number']}")
    assert "Their secret" not in page.text
    # Numbers are per workspace: the same number is either one of ours or not found.
    with tenant.session() as session:
        ours = session.scalar(select(Ticket).where(Ticket.number == theirs["number"]))
        our_subject = ours.subject if ours is not None else None
    if our_subject is None:
        assert page.status_code == 404
        assert "Page not found" in page.text
    else:
        assert page.status_code == 200
        assert escape(our_subject) in page.text


def test_reply_adds_a_message_and_redirects_with_a_flash(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    ticket = _ticket(web, tenant)
    url = f"/tickets/{ticket['number']}"
    token = form_token(web.get(url).text)
    response = web.post(
        f"{url}/reply",
        data={
            "csrf_token": token,
            "body": "Please unplug it.\nThen wait.",
            "visibility": "public",
            "status": "pending",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == url
    after = web.get(url)
    assert _flashes(after.text) == ["Reply sent."]
    assert "Please unplug it.\nThen wait." in after.text
    assert _get(web, tenant, ticket["id"])["status"] == "pending"
    assert _flashes(web.get(url).text) == []  # shown once

    note = web.post(
        f"{url}/reply",
        data={"csrf_token": token, "body": "internal only", "visibility": "internal"},
    )
    assert _flashes(note.text) == ["Internal note added."]
    thread = api(web, tenant, "GET", f"/tickets/{ticket['id']}/messages")["items"]
    assert [(m["body"], m["public"]) for m in thread][-1] == ("internal only", False)


def test_reply_without_csrf_is_refused(web: TestClient, tenant: Tenant, signed_in: WebUser) -> None:
    ticket = _ticket(web, tenant)
    response = web.post(f"/tickets/{ticket['number']}/reply", data={"body": "sneaky"})
    assert response.status_code == 403
    assert len(api(web, tenant, "GET", f"/tickets/{ticket['id']}/messages")["items"]) == 1


def test_illegal_status_change_shows_an_error_flash_and_changes_nothing(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    ticket = _ticket(web, tenant)
    api(web, tenant, "PATCH", f"/tickets/{ticket['id']}", status="open", priority="high")
    url = f"/tickets/{ticket['number']}"
    token = form_token(web.get(url).text)
    response = web.post(
        f"{url}/fields",
        data={"csrf_token": token, "status": "closed", "priority": "urgent", "tags": "billing"},
    )
    assert response.status_code == 200
    assert _flashes(response.text) == ["This status change is not allowed."]
    unchanged = _get(web, tenant, ticket["id"])
    assert (unchanged["status"], unchanged["priority"], unchanged["tags"]) == ("open", "high", [])

    ok = web.post(
        f"{url}/fields",
        data={"csrf_token": token, "status": "open", "priority": "urgent", "tags": "Billing vip"},
    )
    assert _flashes(ok.text) == ["Ticket updated."]
    changed = _get(web, tenant, ticket["id"])
    assert (changed["priority"], changed["tags"]) == ("urgent", ["billing", "vip"])


def test_closed_ticket_refuses_replies_with_a_flash(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    ticket = _ticket(web, tenant)
    api(web, tenant, "PATCH", f"/tickets/{ticket['id']}", status="solved")
    api(web, tenant, "PATCH", f"/tickets/{ticket['id']}", status="closed")
    url = f"/tickets/{ticket['number']}"
    page = web.get(url).text
    assert f'action="{url}/reply"' not in page
    token = form_token(page)
    response = web.post(f"{url}/reply", data={"csrf_token": token, "body": "hello?"})
    assert _flashes(response.text) == ["This ticket is closed and can no longer be changed."]
    assert len(api(web, tenant, "GET", f"/tickets/{ticket['id']}/messages")["items"]) == 1


def test_viewer_sees_the_ticket_but_no_forms_and_may_not_post(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    ticket = _ticket(web, tenant)
    viewer = make_user(tenant, role=Role.VIEWER, name="Vic Viewer")
    assert sign_in(web, viewer).status_code == 303
    url = f"/tickets/{ticket['number']}"
    page = web.get(url)
    assert page.status_code == 200
    assert ticket["subject"] in page.text
    assert "/reply" not in page.text
    assert "/fields" not in page.text
    assert 'name="ticket_id"' not in web.get("/tickets", params={"view": "all-unsolved"}).text
    token = form_token(page.text)  # the sign-out form
    denied = web.post(f"{url}/reply", data={"csrf_token": token, "body": "hi"})
    assert denied.status_code == 403
    assert (
        web.post(
            "/tickets/bulk",
            data={"csrf_token": token, "ticket_id": ticket["id"], "status": "solved"},
        ).status_code
        == 403
    )
    assert len(api(web, tenant, "GET", f"/tickets/{ticket['id']}/messages")["items"]) == 1


def test_inbox_bulk_bar_changes_selected_tickets_and_reports_failures(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    first = _ticket(web, tenant)
    second = _ticket(web, tenant)
    solved = _ticket(web, tenant)
    api(web, tenant, "PATCH", f"/tickets/{solved['id']}", status="solved")
    token = form_token(web.get("/tickets", params={"view": "all-unsolved"}).text)
    response = web.post(
        "/tickets/bulk",
        data={
            "csrf_token": token,
            "ticket_id": [first["id"], second["id"]],
            "assignee": "me",
            "add_tag": "wave 2",
            "back": "/tickets?view=all-unsolved",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/tickets?view=all-unsolved"
    assert _flashes(web.get(response.headers["location"]).text) == [
        "The selected tickets were updated."
    ]
    for ticket in (first, second):
        changed = _get(web, tenant, ticket["id"])
        assert (changed["assignee_id"], changed["tags"], changed["status"]) == (
            signed_in.user_id,
            ["wave_2"],
            "open",
        )
    partial = web.post(
        "/tickets/bulk",
        data={"csrf_token": token, "ticket_id": [first["id"], solved["id"]], "status": "pending"},
    )
    assert _flashes(partial.text) == ["Some of the selected tickets could not be changed."]
    assert _get(web, tenant, first["id"])["status"] == "pending"
    assert _get(web, tenant, solved["id"])["status"] == "solved"
    nothing = web.post("/tickets/bulk", data={"csrf_token": token, "status": "pending"})
    assert _flashes(nothing.text) == ["Select tickets and a change first."]


def test_pages_speak_italian(web: TestClient, tenant: Tenant, make_user: MakeUser) -> None:
    ticket = _ticket(web, tenant)
    api(web, tenant, "PATCH", f"/tickets/{ticket['id']}", status="pending")
    user = make_user(tenant, locale="it-IT", time_zone="Europe/Rome", name="Giulia Rossi")
    assert sign_in(web, user).status_code == 303
    inbox = web.get("/tickets", params={"view": "all-unsolved"}).text
    assert '<html lang="it">' in inbox
    for italian in ("Ticket", "I miei ticket aperti", "Oggetto", "Richiedente", "in attesa"):
        assert italian in inbox, italian
    page = web.get(f"/tickets/{ticket['number']}").text
    for italian in (
        "Conversazione",
        "Rispondi",
        "Invia come",
        "Richiedente",
        "Altri ticket aperti",
    ):
        assert italian in page, italian
    assert "Conversation" not in page
