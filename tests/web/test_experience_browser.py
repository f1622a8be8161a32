"""The CX dashboard and the next-best-action panel in a real browser (headless Chromium through
Playwright, the app under uvicorn, as tests/web/test_browser.py): the dashboard draws its
charts, and the contact page loads its actions and dismisses one with its button."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.db import utcnow
from cxhub.core.permissions import Role
from cxhub.service.tickets.models import Ticket
from tests.experience.connected.helpers import analysed, requester_of, ticket
from tests.factories import Tenant, unique
from tests.web.browser import browser, live_server, signed_in
from tests.web.conftest import MakeUser

pytestmark = pytest.mark.browser

PLOT_MS = 20_000  # plotly.js is 4 MB of script: slow to parse on a busy machine

__all__ = ["browser", "live_server"]  # fixtures used below


def test_dashboard_draws_its_charts(
    live_server: str, browser: Any, client: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    now = utcnow()
    email = f"{unique('cx')}@example.com"
    first = ticket(client, tenant, email=email, channel="email", created_at=now - timedelta(days=9))
    second = ticket(client, tenant, email=email, channel="chat", created_at=now - timedelta(days=8))
    analysed(tenant, first, topics=["billing"], sentiment="negative", score=-0.8)
    analysed(tenant, second, topics=["billing"], sentiment="positive", score=0.6)
    user = make_user(tenant, role=Role.ANALYST, name="Cx Lead")
    context, page, errors = signed_in(browser, live_server, user.email, user.password)
    try:
        page.get_by_role("link", name="Experience").click()
        expect(page).to_have_url(f"{live_server}/experience")
        trend = page.locator("#cx-connected-trend.js-plotly-plot")
        expect(trend).to_have_count(1, timeout=PLOT_MS)
        expect(trend.locator(".scatterlayer .trace")).to_have_count(4)
        sentiment = page.locator("#cx-sentiment-channel.js-plotly-plot")
        expect(sentiment.locator(".barlayer .trace")).to_have_count(3)
        expect(page.locator("[data-tile='switch'] .tile-value")).to_have_text("50.0%")
        expect(page.locator("[data-negative-topics] tr[data-topic='billing']")).to_have_count(1)
        page.locator("[data-lowest-customers] a").first.click()
        expect(page).to_have_url(f"{live_server}/contacts/{requester_of(tenant, first)}")
        assert errors == []
    finally:
        context.close()


def test_contact_page_dismisses_a_next_best_action(
    live_server: str, browser: Any, client: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    email = f"{unique('nba')}@example.com"
    ticket_id = ticket(client, tenant, email=email, channel="web", created_at=utcnow())
    with tenant.session() as session:
        row = session.scalar(select(Ticket).where(Ticket.id == ticket_id))
        assert row is not None
        row.sla_breached = True
    contact = requester_of(tenant, ticket_id)
    user = make_user(tenant, role=Role.AGENT, name="Nia Agent")
    context, page, errors = signed_in(browser, live_server, user.email, user.password)
    try:
        page.goto(f"{live_server}/contacts/{contact}")
        action = page.locator(f"[data-action='reply_ticket:{ticket_id}']")
        expect(action).to_have_count(1)
        expect(action).to_contain_text("has breached its SLA")
        action.get_by_role("button", name="Dismiss").click()
        expect(page).to_have_url(f"{live_server}/contacts/{contact}")
        expect(page.locator("[data-no-actions]")).to_have_count(1)
        expect(page.locator("[data-decisions] [data-status='dismissed']")).to_have_count(1)
        assert errors == []
    finally:
        context.close()
