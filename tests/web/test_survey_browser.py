"""The survey pages in a real browser (headless Chromium through Playwright, the app under
uvicorn, as tests/web/test_browser.py): an admin builds a survey in the builder, a contact
answers at the signed link in Italian, and the results page draws the distribution and the
trend, lists the comment with its follow-up and closes the loop."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.experience.surveys.helpers import link_send, make_account, make_contact, token_of
from tests.factories import Tenant
from tests.web.browser import browser, live_server, signed_in
from tests.web.conftest import MakeUser

pytestmark = pytest.mark.browser

CSP_INLINE_STYLE = "Applying inline style violates the following Content Security Policy"
PLOT_MS = 20_000  # plotly.js is 4 MB of script: slow to parse on a busy machine

__all__ = ["browser", "live_server"]  # fixtures used below


def test_build_answer_and_read_the_results(
    live_server: str, browser: Any, client: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    admin = make_user(tenant, role=Role.ADMIN, name="Ada Admin")
    context, page, errors = signed_in(browser, live_server, admin.email, admin.password)
    try:
        page.goto(f"{live_server}/surveys")
        page.locator("#new-survey").click()
        page.get_by_label("Name", exact=True).fill("Relationship NPS")
        page.get_by_label("Kind", exact=True).select_option("nps")
        page.get_by_label("Status", exact=True).select_option("active")
        page.get_by_label("Sample (%)").fill("100")
        page.locator("#save-survey").click()
        expect(page.locator("h1")).to_have_text("Relationship NPS")
        survey_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
        expect(page.locator("#survey-embed")).to_have_value(re.compile('data-survey="cxs_'))

        account = make_account(client, tenant, owner_id=tenant.user_ids[Role.CSM])
        contact = make_contact(client, tenant, locale="it", account_id=account["id"])
        token = token_of(link_send(client, tenant, survey_id, [contact["id"]])["links"][0]["url"])
        answer = context.new_page()
        answer.goto(f"{live_server}/s/{token}?score=3")
        expect(answer.locator("legend").first).to_contain_text("Quanto è probabile")
        expect(answer.locator('input[name="q_nps"][value="3"]')).to_be_checked()
        answer.locator('textarea[name="q_comment"]').fill("Troppo lento")
        answer.locator("#survey-form button[type=submit]").click()
        expect(answer.locator("#survey-thanks")).to_be_visible()
        answer.close()

        page.goto(f"{live_server}/surveys/{survey_id}")
        expect(page.locator("#survey-score")).to_have_text("-100.0")
        distribution = page.locator("#survey-distribution.js-plotly-plot")
        expect(distribution).to_have_count(1, timeout=PLOT_MS)
        expect(distribution.locator(".barlayer .trace")).to_have_count(1)
        # the chart's layers overlap (plotly's stylesheet applies) instead of covering the table
        boxes = [
            page.locator("#survey-distribution svg.main-svg").nth(i).bounding_box()
            for i in range(2)
        ]
        assert boxes[0] is not None
        assert boxes[1] is not None
        assert boxes[0]["y"] == boxes[1]["y"]
        expect(page.locator("#survey-trend.js-plotly-plot")).to_have_count(1, timeout=PLOT_MS)
        row = page.locator("#survey-comments tbody tr").first
        expect(row).to_contain_text("Troppo lento")
        expect(row.locator("[data-followup]")).to_have_attribute("data-followup", "open")
        row.get_by_role("button", name="Close the loop").click()
        expect(page.locator("#survey-comments tbody tr [data-followup]").first).to_have_attribute(
            "data-followup", "closed"
        )
        # plotly.js tries to add its stylesheet inline, which the CSP refuses (the same rules are
        # served as /assets/plotly-<version>.css); anything else is a real error
        assert [e for e in errors if not e.startswith(CSP_INLINE_STYLE)] == []
    finally:
        context.close()
