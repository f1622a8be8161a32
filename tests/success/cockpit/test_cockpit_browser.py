"""The cockpit in a real browser: open it from the navigation, complete an overdue task with
its button, follow an account into its page (uvicorn + Debian's Chromium via Playwright)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.success.cockpit.conftest import Portfolio
from tests.web.browser import TIMEOUT_MS

pytestmark = pytest.mark.browser


def test_complete_a_task_and_open_an_account_from_the_cockpit(
    live_server: str,
    browser: Any,
    portfolio: Portfolio,
) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(portfolio.csm.email)
        page.get_by_label("Password").fill(portfolio.csm.password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Cockpit").click()
        expect(page).to_have_url(f"{live_server}/success/cockpit")
        expect(page.get_by_role("heading", name="CSM cockpit")).to_be_visible()

        rows = page.locator("tr[data-account]")
        expect(rows).to_have_count(3)
        expect(rows.first).to_have_attribute("data-account", str(portfolio.at_risk))
        expect(rows.first.locator("[data-band]")).to_have_text("poor")

        overdue = page.locator('[data-task-list="overdue"] [data-task]')
        expect(overdue).to_have_count(1)
        page.get_by_role("button", name="Complete task: Call the sponsor").click()
        expect(page.get_by_text("Task completed.")).to_be_visible()
        expect(page.locator('[data-task-list="overdue"]')).to_have_count(0)
        expect(page.get_by_text("Nothing overdue.")).to_be_visible()
        expect(page.locator('[data-count="overdue"]')).to_have_text("0")

        rows.first.get_by_role("link").click()
        expect(page).to_have_url(f"{live_server}/accounts/{portfolio.at_risk}")
        expect(page.get_by_text("Task done: Call the sponsor")).to_be_visible()  # the timeline
    finally:
        context.close()
