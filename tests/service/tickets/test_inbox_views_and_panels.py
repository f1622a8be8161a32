"""The inbox's saved views with counts and drill-down filters; the workspace's SLA panel, CSAT
and macro picker."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.service.sla.service import check_breaches, running_targets
from cxhub.service.tickets.inbox_views import InboxTab
from cxhub.service.tickets.models import Ticket
from cxhub.service.views import service as views
from tests.factories import Tenant, unique
from tests.web.conftest import WebUser, api


def _ticket(client: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "subject": f"Case {unique('s')}",
        "description": "Help",
        "requester": {"emails": [f"{unique('r')}@example.com"], "first_name": "Ada"},
        **body,
    }
    return api(client, tenant, "POST", "/tickets", **payload)  # type: ignore[no-any-return]


def _counts(page: str) -> dict[str, str]:
    return dict(
        re.findall(r'data-view="([^"]+)"><span>[^<]*</span><span class="count"[^>]*>([^<]*)<', page)
    )


def test_inbox_lists_builtin_shared_and_personal_views_with_counts(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    for _ in range(3):
        _ticket(web, tenant, priority="urgent")
    _ticket(web, tenant, assignee_id=signed_in.user_id)
    shared = api(
        web,
        tenant,
        "POST",
        "/views",
        name="Urgent ones",
        shared=True,
        conditions={"priorities": ["urgent"]},
    )
    personal = web.post(
        "/api/v1/views",
        json={"name": "Mine, my way", "conditions": {"assignee": "me"}},
        headers={"X-CSRF-Token": _csrf(web)},
    )
    assert personal.status_code == 201, personal.text
    page = web.get("/tickets").text
    counts = _counts(page)
    assert counts["my-open"] == "1"
    assert counts["unassigned"] == "3"
    assert counts["unassigned-urgent"] == "3"
    assert counts["all-unsolved"] == "4"
    assert counts["recently-solved"] == "0"
    assert counts[shared["id"]] == "3"
    assert counts[personal.json()["id"]] == "1"
    assert "Urgent ones" in page
    assert "Mine, my way" in page
    listed = web.get("/tickets", params={"view": shared["id"]}).text
    assert listed.count("data-ticket-row") == 3


def _csrf(client: TestClient) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/tickets").text)
    assert found is not None
    return found.group(1)


def test_capped_counts_read_10k_plus(
    web: TestClient, tenant: Tenant, signed_in: WebUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert InboxTab(views.BUILTIN_VIEWS["all-unsolved"], 10_000, True).count_text == "10k+"
    assert InboxTab(views.BUILTIN_VIEWS["all-unsolved"], 9_999, False).count_text == "9999"
    for _ in range(3):
        _ticket(web, tenant)
    monkeypatch.setattr(views, "COUNT_CAP", 2)
    assert _counts(web.get("/tickets").text)["all-unsolved"] == "2+"


def test_drill_down_filters_narrow_the_view(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    email = _ticket(web, tenant, channel="email")
    chat = _ticket(web, tenant, channel="chat")
    old = _ticket(web, tenant, channel="email")
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == old["id"]))
        assert row is not None
        row.created_at = datetime(2025, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    params = {
        "view": "all",
        "channel": "email",
        "created_from": (now - timedelta(days=1)).isoformat(),
        "created_to": (now + timedelta(days=1)).isoformat(),
    }
    page = web.get("/tickets", params=params)
    assert page.status_code == 200
    assert email["subject"] in page.text
    assert chat["subject"] not in page.text
    assert old["subject"] not in page.text
    assert "data-drill-filters" in page.text
    assert "Clear filters" in page.text
    assert "All tickets" in page.text
    # the filters survive the bulk bar's way back
    back = re.search(r'name="back" value="([^"]+)"', page.text)
    assert back is not None
    assert "channel=email" in back.group(1)
    assert web.get("/tickets", params={"view": "all", "channel": "fax"}).status_code == 400


def test_sla_panel_shows_a_breached_target_in_red_and_a_running_one(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    api(
        web,
        tenant,
        "POST",
        "/sla-policies",
        name="Fast",
        conditions={"tags_any": ["vip"]},
        targets={"first_reply": 5, "resolution": 600},
    )
    ticket = _ticket(web, tenant, tags=["vip"])
    created = datetime.fromisoformat(ticket["created_at"])
    with tenant.session() as session:
        assert check_breaches(session, now=created + timedelta(minutes=6)) == 1
        states = {
            t.metric: t.state
            for t in running_targets(
                session, ticket_id=ticket["id"], now=created + timedelta(minutes=500)
            )
        }
    assert states == {"first_reply": "breached", "resolution": "at_risk"}  # 500 of 600 minutes
    page = web.get(f"/tickets/{ticket['number']}").text
    assert "data-sla-panel" in page
    breached = re.search(
        r'<li class="sla-breached" data-sla-target="first_reply"[^>]*>(.*?)</li>', page, re.S
    )
    assert breached is not None
    assert "Breached" in breached.group(1)
    assert "Due " in breached.group(1)
    assert 'data-sla-target="resolution" data-state="running"' in page
    plain = _ticket(web, tenant)
    assert "data-sla-panel" not in web.get(f"/tickets/{plain['number']}").text


def test_paused_target_says_so(web: TestClient, tenant: Tenant, signed_in: WebUser) -> None:
    api(
        web,
        tenant,
        "POST",
        "/sla-policies",
        name="Slow",
        conditions={"tags_any": ["wait"]},
        targets={"resolution": 600},
    )
    ticket = _ticket(web, tenant, tags=["wait"])
    api(web, tenant, "PATCH", f"/tickets/{ticket['id']}", status="pending")
    page = web.get(f"/tickets/{ticket['number']}").text
    assert 'data-sla-target="resolution" data-state="paused"' in page
    assert "No due time while paused" in page


def test_workspace_shows_the_rating_once_rated(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    ticket = _ticket(web, tenant)
    assert "data-csat" not in web.get(f"/tickets/{ticket['number']}").text
    api(web, tenant, "PATCH", f"/tickets/{ticket['id']}", status="solved")
    api(web, tenant, "POST", f"/tickets/{ticket['id']}/csat", score=2, comment="Too slow")
    page = web.get(f"/tickets/{ticket['number']}").text
    assert "data-csat" in page
    assert "2 of 5" in page
    assert "Not satisfied" in page
    assert "Too slow" in page


ASK_FOR_LOGS: dict[str, Any] = {
    "name": "Ask for logs",
    "actions": [
        {"type": "set_status", "status": "pending"},
        {"type": "reply_public", "body": "Hi {{ requester.first_name }}, logs please."},
    ],
}


def test_macro_picker_lists_macros_and_fills_the_reply_box(
    web: TestClient, tenant: Tenant, signed_in: WebUser
) -> None:
    macro = api(web, tenant, "POST", "/macros", **ASK_FOR_LOGS)
    inactive = api(
        web,
        tenant,
        "POST",
        "/macros",
        name="Old macro",
        active=False,
        actions=ASK_FOR_LOGS["actions"],
    )
    ticket = _ticket(web, tenant)
    page = web.get(f"/tickets/{ticket['number']}").text
    assert "data-macro-select" in page
    assert f'<option value="{macro["id"]}">Ask for logs</option>' in page
    assert "Old macro" not in page
    filled = web.get(f"/tickets/{ticket['number']}", params={"macro": macro["id"]}).text
    assert 'name="body" rows="6" required>Hi Ada, logs please.</textarea>' in filled
    assert '<option value="pending" selected>' in filled
    assert "Review the text before you submit it." in filled
    # previewing changed nothing: the agent still reviews and submits
    assert api(web, tenant, "GET", f"/tickets/{ticket['id']}")["status"] == "new"
    refused = web.get(f"/tickets/{ticket['number']}", params={"macro": inactive["id"]}).text
    assert "This macro cannot be applied to this ticket." in refused
    # the in-place fill uses the API's preview, which accepts the cookie session + CSRF header
    preview = web.post(
        f"/api/v1/tickets/{ticket['id']}/macros/{macro['id']}/apply",
        params={"preview": "true"},
        headers={"X-CSRF-Token": _csrf(web)},
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["public_reply"] == "Hi Ada, logs please."
