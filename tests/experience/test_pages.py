"""The CX dashboard and the next-best-action panel as pages: the sections show the numbers of
the metrics API, bad filters answer 400, the panel's forms need CSRF and the write permission,
and every message the new pages use exists in en/it/zh/id."""

from __future__ import annotations

import re
import string
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from cxhub.core.db import utcnow
from cxhub.core.permissions import Role
from cxhub.experience.connected import messages as dashboard_messages
from cxhub.experience.connected import sections
from cxhub.experience.nextaction import messages as panel_messages
from cxhub.experience.nextaction import pages as panel_pages
from cxhub.experience.nextaction.rules import RULES, ActionKind, Signal, score_signal
from cxhub.web.i18n import builtin_catalogues
from cxhub.web.shell import TEMPLATES_DIR
from tests.experience.connected.helpers import analysed, requester_of, ticket
from tests.factories import Tenant, unique
from tests.web.conftest import MakeUser, form_token, sign_in

TEMPLATE_MESSAGE = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _signed_in(web: TestClient, tenant: Tenant, make_user: MakeUser, role: Role) -> None:
    user = make_user(tenant, role=role)
    assert sign_in(web, user).status_code == 303


def test_dashboard_shows_every_section_with_the_api_numbers(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    now = utcnow()
    email = f"{unique('c')}@example.com"
    first = ticket(web, tenant, email=email, channel="email", created_at=now - timedelta(days=3))
    ticket(web, tenant, email=email, channel="chat", created_at=now - timedelta(days=2))
    analysed(tenant, first, topics=["billing"], sentiment="negative", score=-0.7)
    _signed_in(web, tenant, make_user, Role.ANALYST)
    page = web.get("/experience", params={"period": "30"})
    assert page.status_code == 200, page.text
    for section in sections.all_sections():
        assert f'data-section="{section.key}"' in page.text
    api = web.get(
        "/api/v1/metrics/experience",
        params={"since": (now - timedelta(days=30)).isoformat()},
        headers=tenant.admin,
    ).json()
    assert api["connected"]["tickets"] == 2
    assert api["connected"]["channel_switches"] == 0  # no topic on the chat ticket
    tile = re.search(r'data-tile="score".*?tile-value">([^<]*)<', page.text, re.S)
    assert tile is not None
    assert tile.group(1) == f"{round(api['connected']['score'], 1):g}".replace(".0", "")
    assert 'data-topic="billing"' in page.text
    assert f'href="/contacts/{requester_of(tenant, first)}"' in page.text
    assert 'id="cx-sentiment-channel"' in page.text


def test_dashboard_rejects_bad_filters(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    _signed_in(web, tenant, make_user, Role.AGENT)
    for params in ({"window": "5"}, {"period": "12"}, {"period": "custom", "from": "x"}):
        page = web.get("/experience", params=params)
        assert page.status_code == 400
        assert "data-period-error" in page.text
    web.cookies.clear()
    assert web.get("/experience", follow_redirects=False).status_code in (302, 303, 401)


def _world(web: TestClient, tenant: Tenant) -> dict[str, Any]:
    from sqlalchemy import select

    from cxhub.service.tickets.models import Ticket

    email = f"{unique('n')}@example.com"
    ticket_id = ticket(web, tenant, email=email, channel="email", created_at=utcnow())
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == ticket_id))
        assert row is not None
        row.sla_breached = True
    return {"ticket": ticket_id, "contact": requester_of(tenant, ticket_id)}


def test_panel_lists_actions_and_the_forms_decide_with_csrf(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    world = _world(web, tenant)
    _signed_in(web, tenant, make_user, Role.AGENT)
    contact_page = web.get(f"/contacts/{world['contact']}")
    assert (
        f'data-next-actions="/contacts/{world["contact"]}/next-actions-panel"' in contact_page.text
    )
    panel = web.get(f"/contacts/{world['contact']}/next-actions-panel")
    assert panel.status_code == 200
    key = f"reply_ticket:{world['ticket']}"
    assert f'data-action="{key}"' in panel.text
    form = {"action_key": key, "status": "dismissed", "contact_id": str(world["contact"])}
    refused = web.post("/next-actions/decide", data=form, follow_redirects=False)
    assert refused.status_code == 403
    form["csrf_token"] = form_token(panel.text)
    done = web.post("/next-actions/decide", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/contacts/{world['contact']}"
    panel = web.get(f"/contacts/{world['contact']}/next-actions-panel")
    assert f'data-action="{key}"' not in panel.text
    assert 'data-status="dismissed"' in panel.text
    decision = re.search(r'data-decision="(\d+)"', panel.text)
    assert decision is not None
    outcome = web.post(
        f"/next-actions/decisions/{decision.group(1)}/outcome",
        data={
            "outcome": "churned",
            "back": "https://evil.example/",
            "csrf_token": form_token(panel.text),
        },
        follow_redirects=False,
    )
    assert outcome.status_code == 400  # only this app's customer pages are a way back
    outcome = web.post(
        f"/next-actions/decisions/{decision.group(1)}/outcome",
        data={"outcome": "churned", "csrf_token": form_token(panel.text)},
        follow_redirects=False,
    )
    assert outcome.status_code == 303
    panel = web.get(f"/contacts/{world['contact']}/next-actions-panel")
    assert "data-outcome" in panel.text


def test_viewer_sees_the_panel_without_buttons_and_cannot_decide(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    world = _world(web, tenant)
    _signed_in(web, tenant, make_user, Role.VIEWER)
    panel = web.get(f"/contacts/{world['contact']}/next-actions-panel")
    assert f'data-action="reply_ticket:{world["ticket"]}"' in panel.text
    assert "/next-actions/decide" not in panel.text
    form = {
        "action_key": f"reply_ticket:{world['ticket']}",
        "status": "taken",
        "contact_id": str(world["contact"]),
        "csrf_token": form_token(web.get("/experience").text),
    }
    assert web.post("/next-actions/decide", data=form, follow_redirects=False).status_code == 403


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_new_message_exists_in_every_language() -> None:
    catalogues = builtin_catalogues()
    # The sections of surveys, journeys and topics share those sub-domains' catalogues.
    from cxhub.experience.journeys import dashboard as journey_section
    from cxhub.experience.journeys import messages as journey_messages
    from cxhub.experience.surveys import dashboard as survey_section
    from cxhub.experience.surveys import messages as survey_messages
    from cxhub.experience.topics import messages as topic_messages

    for module in (
        journey_messages,
        survey_messages,
        topic_messages,
        dashboard_messages,
        panel_messages,
    ):
        for language in ("en", "it", "zh", "id"):
            catalogues[language] = {**catalogues[language], **module.MESSAGES[language]}
    english = catalogues["en"]
    used: set[str] = set()
    for path in Path(TEMPLATES_DIR, "experience").glob("*.html"):
        used |= {m.group(1) or m.group(2) for m in TEMPLATE_MESSAGE.finditer(path.read_text())}
    for source in (
        sections.__file__,
        panel_pages.__file__,
        survey_section.__file__,
        journey_section.__file__,
    ):
        text = Path(source).read_text()
        used |= {m.group(1) or m.group(2) for m in TEMPLATE_MESSAGE.finditer(text)}
    used |= set(panel_pages.KIND_LABELS.values()) | set(panel_pages.STATUS_LABELS.values())
    used |= set(panel_pages.OUTCOME_LABELS.values()) | set(panel_pages.FLASH_MESSAGES)
    used |= {"Next best actions", "Show next best actions", "Experience"}
    facts: dict[str, Any] = {"score": 3, "days_left": 5, "recent_mean": -1.0, "breached": True}
    used |= {score_signal(Signal(kind, "1", 1, 1, facts)).reason for kind in ActionKind}
    used |= {score_signal(Signal(ActionKind.REPLY_TICKET, "1", 1, 1, {"breached": False})).reason}
    assert len(RULES) == len(ActionKind)
    assert sorted(used - set(english)) == []
    for language in ("it", "zh", "id"):
        for message in used:
            translation = catalogues[language].get(message)
            assert translation, (language, message)
            assert _fields(translation) == _fields(message), (language, message)


def test_panel_of_another_workspace_is_not_found(
    web: TestClient, tenant: Tenant, other_tenant: Tenant, make_user: MakeUser
) -> None:
    world = _world(web, other_tenant)
    _signed_in(web, tenant, make_user, Role.AGENT)
    assert web.get(f"/contacts/{world['contact']}/next-actions-panel").status_code == 404
    form = {
        "action_key": f"reply_ticket:{world['ticket']}",
        "status": "dismissed",
        "contact_id": str(world["contact"]),
        "csrf_token": form_token(web.get("/experience").text),
    }
    assert web.post("/next-actions/decide", data=form, follow_redirects=False).status_code == 404


def test_account_page_holds_the_panel_with_its_contacts_actions(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from sqlalchemy import select

    from cxhub.service.tickets.models import Ticket

    world = _world(web, tenant)
    account = web.post(
        "/api/v1/accounts", json={"name": unique("Acct ")}, headers=tenant.admin
    ).json()["id"]
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == world["ticket"]))
        assert row is not None
        row.account_id = account
    _signed_in(web, tenant, make_user, Role.CSM)
    page = web.get(f"/accounts/{account}")
    assert f'data-next-actions="/accounts/{account}/next-actions-panel"' in page.text
    panel = web.get(f"/accounts/{account}/next-actions-panel")
    assert f'data-action="reply_ticket:{world["ticket"]}"' in panel.text
    form = {
        "action_key": f"reply_ticket:{world['ticket']}",
        "status": "taken",
        "account_id": str(account),
        "csrf_token": form_token(panel.text),
    }
    done = web.post("/next-actions/decide", data=form, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/accounts/{account}"
    assert 'data-status="taken"' in web.get(f"/accounts/{account}/next-actions-panel").text
