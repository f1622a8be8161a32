"""A customer's tickets in the portal: only their own (or their account's, if allowed), the
public thread only, replies that reopen, new tickets with checked attachments, ratings."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cxhub.service.portal.events import PortalTicketSubmitted
from tests.factories import unique
from tests.service.portal.conftest import Portal

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _api_ticket(
    portal: Portal, contact_id: int, subject: str = "Printer on fire"
) -> dict[str, Any]:
    result: dict[str, Any] = portal.api(
        "POST",
        "/tickets",
        json={"subject": subject, "description": "It smokes.", "requester_id": contact_id},
    )
    return result


def _submit(
    portal: Portal, browser: TestClient, token: str, *, files: list[Any] | None = None, **data: str
) -> Any:
    return browser.post(
        portal.path("/tickets"),
        data={"csrf_token": token, "subject": "Cannot log in", "description": "Help", **data},
        files=files or [],
        follow_redirects=False,
    )


def test_submitting_a_ticket_with_a_file_and_a_search_id(
    portal: Portal, browser: TestClient, mail_runtime: Any
) -> None:
    contact_id, address = portal.contact()
    token = portal.sign_in(browser, address)
    seen: list[PortalTicketSubmitted] = []
    mail_runtime.events.subscribe(PortalTicketSubmitted, seen.append)
    form = browser.get(portal.path("/tickets/new")).text
    assert 'id="article-suggestions"' in form
    assert f"/help/{portal.slug}/suggest" in form
    assert 'name="search_id"' in form
    sent = _submit(
        portal,
        browser,
        token,
        search_id="search-42",
        files=[("files", ("screen.png", PNG, "image/png"))],
    )
    assert sent.status_code == 303, sent.text
    number = int(sent.headers["location"].rsplit("/", 1)[1])
    listed = portal.api("GET", f"/tickets?requester_id={contact_id}")["items"]
    assert [t["number"] for t in listed] == [number]
    assert listed[0]["channel"] == "web"
    ticket_id = listed[0]["id"]
    messages = portal.api("GET", f"/tickets/{ticket_id}/messages")["items"]
    assert messages[0]["body"] == "Help"
    assert messages[0]["author_kind"] == "customer"
    assert [a["filename"] for a in messages[0]["attachments"]] == ["screen.png"]
    assert [(e.ticket_id, e.search_id) for e in seen] == [(ticket_id, "search-42")]
    page = browser.get(portal.path(f"/tickets/{number}"))
    assert "Cannot log in" in page.text
    assert "screen.png" in page.text


def test_refused_uploads_and_missing_fields(portal: Portal, browser: TestClient) -> None:
    contact_id, address = portal.contact()
    token = portal.sign_in(browser, address)
    html = _submit(portal, browser, token, files=[("files", ("x.html", b"<script>", "text/html"))])
    assert html.status_code == 400
    assert "cannot be attached" in html.text
    many = [("files", (f"f{i}.txt", b"hello", "text/plain")) for i in range(6)]
    assert _submit(portal, browser, token, files=many).status_code == 400
    assert _submit(portal, browser, token, subject=" ").status_code == 400
    assert _submit(portal, browser, token, csrf_token="forged").status_code == 403
    assert portal.api("GET", f"/tickets?requester_id={contact_id}")["items"] == []


def test_a_customer_sees_only_their_own_tickets(portal: Portal, browser: TestClient) -> None:
    mine_id, address = portal.contact()
    theirs_id, _ = portal.contact()
    mine = _api_ticket(portal, mine_id, "My own problem")
    theirs = _api_ticket(portal, theirs_id, "Somebody else's secret")
    portal.sign_in(browser, address)
    listing = browser.get(portal.path("/tickets")).text
    assert "My own problem" in listing
    assert "Somebody else" not in listing
    assert browser.get(portal.path(f"/tickets/{mine['number']}")).status_code == 200
    for path in (
        f"/tickets/{theirs['number']}",
        f"/tickets/{theirs['number'] + 1000}",
        "/tickets/2147483647",
    ):
        missing = browser.get(portal.path(path))
        assert missing.status_code == 404, path
        assert 'id="portal-error"' in missing.text  # the portal's own layout, not the agents'
        assert "Acme Help" in missing.text
        assert "/login" not in missing.text
    stolen = browser.get(portal.path("/tickets?scope=account"))
    assert "Somebody else" not in stolen.text


def test_a_session_of_one_workspace_sees_nothing_of_another(
    portal: Portal, browser: TestClient, mail_client: TestClient
) -> None:
    from tests.factories import make_tenant

    _, address = portal.contact()
    portal.sign_in(browser, address)
    other = make_tenant(portal.desk.tenant.runtime)  # type: ignore[arg-type]
    mail_client.put(
        "/api/v1/portal/settings", json={"enabled": True}, headers=other.admin
    ).raise_for_status()
    contact = mail_client.post(
        "/api/v1/contacts",
        json={"emails": [address], "first_name": "Same address"},
        headers=other.admin,
    ).json()
    foreign = mail_client.post(
        "/api/v1/tickets",
        json={"subject": "Other workspace", "description": "x", "requester_id": contact["id"]},
        headers=other.admin,
    ).json()
    cookie = browser.cookies.get("cxhub_portal")
    answer = browser.get(
        f"/portal/{other.slug}/tickets/{foreign['number']}",
        headers={"Cookie": f"cxhub_portal={cookie}"},
        follow_redirects=False,
    )
    assert answer.status_code == 303  # not signed in there: to that portal's sign-in
    assert "/sign-in" in answer.headers["location"]


def test_internal_notes_never_reach_the_customer(portal: Portal, browser: TestClient) -> None:
    contact_id, address = portal.contact()
    ticket = _api_ticket(portal, contact_id)
    secret = unique("internal-")
    upload = portal.client.post(
        "/api/v1/attachments",
        files={"file": ("note.txt", b"secret file", "text/plain")},
        headers=portal.desk.tenant.admin,
    ).json()
    portal.api(
        "POST",
        f"/tickets/{ticket['id']}/messages",
        json={"body": f"Note: {secret}", "public": False, "attachment_ids": [upload["id"]]},
    )
    portal.api("POST", f"/tickets/{ticket['id']}/messages", json={"body": "We are on it."})
    portal.sign_in(browser, address)
    page = browser.get(portal.path(f"/tickets/{ticket['number']}"))
    assert "We are on it." in page.text
    assert secret not in page.text
    assert "note.txt" not in page.text
    hidden = browser.get(portal.path(f"/tickets/{ticket['number']}/attachments/{upload['id']}"))
    assert hidden.status_code == 404


def test_a_reply_reopens_a_solved_ticket_and_files_download(
    portal: Portal, browser: TestClient
) -> None:
    contact_id, address = portal.contact()
    ticket = _api_ticket(portal, contact_id)
    portal.api("PATCH", f"/tickets/{ticket['id']}", json={"status": "solved"})
    token = portal.sign_in(browser, address)
    sent = browser.post(
        portal.path(f"/tickets/{ticket['number']}/reply"),
        data={"csrf_token": token, "body": "Still broken!"},
        files=[("files", ("log.txt", b"trace", "text/plain"))],
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    assert portal.api("GET", f"/tickets/{ticket['id']}")["status"] == "open"
    messages = portal.api("GET", f"/tickets/{ticket['id']}/messages")["items"]
    last = messages[-1]
    assert last["body"] == "Still broken!"
    assert last["author_kind"] == "customer"
    file_id = last["attachments"][0]["id"]
    download = browser.get(portal.path(f"/tickets/{ticket['number']}/attachments/{file_id}"))
    assert download.status_code == 200
    assert download.content == b"trace"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    no_token = browser.post(portal.path(f"/tickets/{ticket['number']}/reply"), data={"body": "x"})
    assert no_token.status_code == 403


def test_a_closed_ticket_takes_no_reply(portal: Portal, browser: TestClient) -> None:
    contact_id, address = portal.contact()
    ticket = _api_ticket(portal, contact_id)
    portal.api("PATCH", f"/tickets/{ticket['id']}", json={"status": "solved"})
    portal.api("PATCH", f"/tickets/{ticket['id']}", json={"status": "closed"})
    token = portal.sign_in(browser, address)
    refused = browser.post(
        portal.path(f"/tickets/{ticket['number']}/reply"),
        data={"csrf_token": token, "body": "hello?"},
    )
    assert refused.status_code == 409
    assert "This ticket is closed" in refused.text


def test_account_admins_see_their_accounts_tickets_members_do_not(
    portal: Portal, browser: TestClient
) -> None:
    account = portal.api("POST", "/accounts", json={"name": unique("Acme ")})
    lead_id, lead_address = portal.contact(account_id=account["id"])
    colleague_id, colleague_address = portal.contact(account_id=account["id"])
    colleagues = _api_ticket(portal, colleague_id, "Colleague's VPN issue")
    portal.api("PUT", f"/contacts/{lead_id}/portal-access", json={"role": "account_admin"})
    token = portal.sign_in(browser, lead_address)
    assert "Colleague" not in browser.get(portal.path("/tickets")).text
    assert "Colleague" in browser.get(portal.path("/tickets?scope=account")).text
    assert browser.get(portal.path(f"/tickets/{colleagues['number']}")).status_code == 200
    refused = browser.post(
        portal.path(f"/tickets/{colleagues['number']}/reply"),
        data={"csrf_token": token, "body": "on behalf"},
    )
    assert refused.status_code == 403
    with portal.browser() as member:
        portal.sign_in(member, colleague_address)
        lead_ticket = _api_ticket(portal, lead_id, "Lead's own")
        assert member.get(portal.path(f"/tickets/{lead_ticket['number']}")).status_code == 404
        assert "Lead" not in member.get(portal.path("/tickets?scope=account")).text


def test_rating_a_solved_ticket(portal: Portal, browser: TestClient) -> None:
    contact_id, address = portal.contact()
    ticket = _api_ticket(portal, contact_id)
    token = portal.sign_in(browser, address)
    page = browser.get(portal.path(f"/tickets/{ticket['number']}")).text
    assert 'id="rating-form"' not in page  # not solved yet
    early = browser.post(
        portal.path(f"/tickets/{ticket['number']}/rating"),
        data={"csrf_token": token, "score": "5"},
    )
    assert early.status_code == 400
    portal.api("PATCH", f"/tickets/{ticket['id']}", json={"status": "solved"})
    assert 'id="rating-form"' in browser.get(portal.path(f"/tickets/{ticket['number']}")).text
    bad = browser.post(
        portal.path(f"/tickets/{ticket['number']}/rating"), data={"csrf_token": token, "score": "9"}
    )
    assert bad.status_code == 400
    rated = browser.post(
        portal.path(f"/tickets/{ticket['number']}/rating"),
        data={"csrf_token": token, "score": "4", "comment": "Quick, thanks"},
        follow_redirects=False,
    )
    assert rated.status_code == 303
    csat = portal.api("GET", f"/tickets/{ticket['id']}/csat")
    # the solve already sent the e-mail survey: the portal answers that same survey
    assert (csat["score"], csat["comment"]) == (4, "Quick, thanks")
    assert "Your rating: 4 of 5" in browser.get(portal.path(f"/tickets/{ticket['number']}")).text


def test_a_customer_cannot_flood_the_inbox(
    portal: Portal, browser: TestClient, monkeypatch: Any
) -> None:
    from cxhub.service.portal import throttle

    monkeypatch.setattr(throttle, "WRITES_PER_CONTACT", 2)
    browser.app.state.portal_write_limiter = None  # type: ignore[attr-defined]
    contact_id, address = portal.contact()
    token = portal.sign_in(browser, address)
    codes = [_submit(portal, browser, token).status_code for _ in range(3)]
    assert codes == [303, 303, 429]
    assert len(portal.api("GET", f"/tickets?requester_id={contact_id}")["items"]) == 2
    browser.app.state.portal_write_limiter = None  # type: ignore[attr-defined]


def test_customer_text_is_escaped(portal: Portal, browser: TestClient) -> None:
    _, address = portal.contact()
    token = portal.sign_in(browser, address)
    sent = _submit(
        portal,
        browser,
        token,
        subject="<script>alert(1)</script>",
        description='<img src=x onerror="alert(2)">',
    )
    page = browser.get(sent.headers["location"]).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_the_ticket_list_pages_through_older_requests(portal: Portal, browser: TestClient) -> None:
    import re

    from cxhub.service.portal.access import PORTAL_PAGE_SIZE

    mine_id, address = portal.contact()
    theirs_id, _ = portal.contact()
    subjects = [f"Request {n:02d}" for n in range(PORTAL_PAGE_SIZE + 3)]
    for subject in subjects:
        _api_ticket(portal, mine_id, subject)
    _api_ticket(portal, theirs_id, "Request of somebody else")
    portal.sign_in(browser, address)
    first = browser.get(portal.path("/tickets")).text
    shown = re.findall(r"Request \d\d", first)
    assert len(shown) == PORTAL_PAGE_SIZE
    assert "Newest requests" not in first
    cursor = re.search(r'cursor=([^"&]+)" rel="next"', first)
    assert cursor is not None
    second = browser.get(portal.path(f"/tickets?scope=mine&cursor={cursor.group(1)}")).text
    rest = re.findall(r"Request \d\d", second)
    assert sorted(shown + rest) == sorted(subjects)  # every request once, nobody else's
    assert "data-next-page" not in second
    assert "Newest requests" in second
    bad = browser.get(portal.path("/tickets?cursor=not-a-cursor"))
    assert bad.status_code == 400
