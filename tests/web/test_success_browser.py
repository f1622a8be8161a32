"""The customer-success pages in a real browser (headless Chromium through Playwright, the app
under uvicorn, as tests/web/test_browser.py): the account page leads to its health chart, the
revenue dashboard draws its MRR waterfall, and the expansion list opens an account."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.analytics.test_success_api import march
from tests.analytics.test_success_pages import _scored_account
from tests.factories import Tenant
from tests.success.test_expansion_api import scenario
from tests.web.browser import browser, live_server, signed_in
from tests.web.conftest import MakeUser

pytestmark = pytest.mark.browser

PLOT_MS = 20_000  # plotly.js is 4 MB of script: slow to parse on a busy machine

__all__ = ["browser", "live_server", "march", "scenario"]  # fixtures used below


def test_account_page_leads_to_the_health_charts(
    live_server: str, browser: Any, client: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    account = _scored_account(client, tenant)
    user = make_user(tenant, role=Role.CSM, name="Cora Csm")
    context, page, errors = signed_in(browser, live_server, user.email, user.password)
    try:
        page.goto(f"{live_server}/accounts/{account}")
        page.locator("[data-account-views]").get_by_role("link", name="Health").click()
        expect(page).to_have_url(f"{live_server}/accounts/{account}/health")
        score = page.locator("#chart-health-score.js-plotly-plot")
        expect(score).to_have_count(1, timeout=PLOT_MS)
        expect(score.locator(".scatterlayer .trace")).to_have_count(1)
        components = page.locator("#chart-health-components.js-plotly-plot")
        expect(components.locator(".scatterlayer .trace")).to_have_count(4)
        expect(page.locator("[data-why] tbody tr").first).to_have_attribute(
            "data-metric", "billing_status"
        )
        page.get_by_role("link", name="Usage").first.click()
        expect(page).to_have_url(f"{live_server}/accounts/{account}/usage")
        expect(page.locator("#chart-usage-seats.js-plotly-plot")).to_have_count(1, timeout=PLOT_MS)
        assert errors == []
    finally:
        context.close()


def test_revenue_dashboard_draws_the_waterfall_and_renewals(
    live_server: str,
    browser: Any,
    client: TestClient,
    tenant: Tenant,
    make_user: MakeUser,
    march: dict[str, int],
) -> None:
    from playwright.sync_api import expect

    user = make_user(tenant, role=Role.ANALYST, name="Ana Revenue")
    context, page, errors = signed_in(browser, live_server, user.email, user.password)
    try:
        page.get_by_role("link", name="Revenue").click()
        expect(page).to_have_url(f"{live_server}/success/revenue")
        page.get_by_label("First month").fill("2026-03")
        page.get_by_label("Last month").fill("2026-03")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(lambda url: "from=2026-03" in url)
        waterfall = page.locator("#chart-mrr-waterfall.js-plotly-plot")
        expect(waterfall).to_have_count(1, timeout=PLOT_MS)
        expect(waterfall.locator(".waterfalllayer .point")).to_have_count(7)
        expect(page.locator("#chart-renewals.js-plotly-plot .bars .point path")).not_to_have_count(
            0
        )
        expect(page.locator("[data-renewals] tbody tr")).to_have_count(4)
        page.locator("[data-renewals] tbody tr").first.get_by_role("link").click()
        page.wait_for_url(lambda url: url.endswith("/health"))
        assert errors == []
    finally:
        context.close()


def test_expansion_list_opens_an_account(
    live_server: str,
    browser: Any,
    client: TestClient,
    tenant: Tenant,
    make_user: MakeUser,
    scenario: dict[str, int],
) -> None:
    from playwright.sync_api import expect

    user = make_user(tenant, role=Role.CSM, name="Cal Expansion")
    context, page, errors = signed_in(browser, live_server, user.email, user.password)
    try:
        page.get_by_role("link", name="Expansion").click()
        expect(page).to_have_url(f"{live_server}/success/expansion")
        # The page reads usage up to now (the scenario's events are older than 30 days), so
        # the add-on rule is what fires: sso for Busy and the three peers without it.
        first = page.locator("[data-opportunities] tbody tr").first
        expect(first).to_have_attribute("data-opportunity", "add_on")
        expect(first.locator("[data-reason]")).to_contain_text("2 of 5 similar accounts")
        page.get_by_label("Kind").select_option("add_on")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(lambda url: "action=add_on" in url)
        expect(page.locator("[data-opportunities] tbody tr")).to_have_count(4)
        page.locator(f"#account-{scenario['busy']}").get_by_role("link").click()
        expect(page).to_have_url(f"{live_server}/accounts/{scenario['busy']}")
        assert errors == []
    finally:
        context.close()
