"""Journey pages in a real browser (headless Chromium through Playwright, the app under
uvicorn, as tests/web/test_browser.py): an admin creates a journey with the editor, customers
move through it, and the analytics page draws the funnel and the Sankey of touchpoint paths."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.experience.journeys.test_api import record
from tests.experience.touchpoints.test_api import contact
from tests.factories import Tenant
from tests.web.browser import browser, live_server, signed_in
from tests.web.conftest import MakeUser, make_user

pytestmark = pytest.mark.browser

PLOT_MS = 20_000  # plotly.js is 4 MB of script: slow to parse on a busy machine

__all__ = ["browser", "live_server", "make_user"]  # fixtures used below


def test_admin_builds_a_journey_and_sees_its_funnel_and_paths(
    live_server: str, browser: Any, client: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    user = make_user(tenant, role=Role.ADMIN, name="Ada Admin")
    context, page, errors = signed_in(browser, live_server, user.email, user.password)
    try:
        page.goto(f"{live_server}/journeys")
        page.locator("#journey-new").click()
        page.get_by_label("Name").fill("Browser journey")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(lambda url: url.rstrip("/").split("/")[-1].isdigit())
        journey_id = int(page.url.split("?")[0].rstrip("/").split("/")[-1])
        for _ in range(2):
            person = contact(client, tenant)
            record(client, tenant, contact_id=person["id"], channel="in_person", kind="meeting")
            record(
                client,
                tenant,
                contact_id=person["id"],
                kind="nps_response",
                score=9,
                occurred_at="2026-05-05T10:00:00Z",
            )
        page.goto(f"{live_server}/journeys/{journey_id}?since=2026-04-01&until=2026-05-31")
        funnel = page.locator("#chart-journey-funnel.js-plotly-plot")
        expect(funnel).to_have_count(1, timeout=PLOT_MS)
        expect(funnel.locator(".funnellayer .trace")).to_have_count(1)
        sankey = page.locator("#chart-journey-paths.js-plotly-plot")
        expect(sankey).to_have_count(1, timeout=PLOT_MS)
        expect(sankey.locator(".sankey-node")).to_have_count(2)
        expect(page.locator("#journey-paths tbody tr").first).to_contain_text(
            "meeting → nps_response"
        )
        assert errors == []
    finally:
        context.close()
