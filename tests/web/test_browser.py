"""The shell in a real browser: log in, live search, open a contact, load more, log out.

Runs the app under uvicorn on a free local port and drives Debian's Chromium through
Playwright's sync API (never a downloaded browser), with the fixtures every browser test shares
(`tests/web/browser.py`).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import Tenant, unique
from tests.web.browser import TIMEOUT_MS, browser, live_server
from tests.web.conftest import MakeUser, api

pytestmark = pytest.mark.browser

__all__ = ["browser", "live_server"]  # fixtures used below


def test_sign_in_search_open_contact_load_more_sign_out(
    live_server: str, browser: Any, client: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    user = make_user(tenant, name="Bea Browser")
    surname = unique("Zephyr").capitalize()
    contact = api(
        client,
        tenant,
        "POST",
        "/contacts",
        first_name="Nora",
        last_name=surname,
        emails=[f"nora@{unique('shop')}.example"],
    )
    for day in range(1, 26):
        api(
            client,
            tenant,
            "POST",
            "/interactions",
            kind="chat.message",
            channel="chat",
            occurred_at=f"2026-04-{day:02d}T08:00:00Z",
            contact_id=contact["id"],
            summary=f"browser touchpoint {day:02d}",
        )

    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live_server}/")
        expect(page).to_have_url(f"{live_server}/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(user.password)
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{live_server}/customers")

        search = page.get_by_role("searchbox", name="Search customers").first
        expect(search).to_be_focused()  # autofocus on the search page
        search.press_sequentially(surname[:8].lower(), delay=20)
        result = page.locator("#results [data-result]", has_text=f"Nora {surname}")
        expect(result).to_have_count(1)
        expect(page).to_have_url(f"{live_server}/customers?q={surname[:8].lower()}")

        search.press("ArrowDown")
        expect(result).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server}/contacts/{contact['id']}")
        expect(page.get_by_role("heading", name=f"Nora {surname}")).to_be_visible()

        items = page.locator("[data-timeline-item]")
        expect(items).to_have_count(20)
        expect(items.first).to_contain_text("browser touchpoint 25")
        page.get_by_role("link", name="Load more").click()
        expect(items).to_have_count(25)
        expect(items.last).to_contain_text("browser touchpoint 01")
        expect(page.get_by_role("link", name="Load more")).to_have_count(0)
        expect(page).to_have_url(f"{live_server}/contacts/{contact['id']}")  # no full reload

        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(f"{live_server}/login")
        expect(page.get_by_text("You are signed out.")).to_be_visible()
        page.goto(f"{live_server}/contacts/{contact['id']}")
        expect(page).to_have_url(f"{live_server}/login?next=/contacts/{contact['id']}")
    finally:
        context.close()


def test_slash_focuses_search_from_any_page(
    live_server: str, browser: Any, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    user = make_user(tenant)
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live_server}/login?next=/accounts")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(user.password)
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server}/accounts")
        page.locator("h1").click()
        page.keyboard.press("/")
        expect(page.locator("#account-q")).to_be_focused()
    finally:
        context.close()


def test_agent_works_a_ticket_from_the_inbox_with_the_keyboard(
    live_server: str, browser: Any, client: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    user = make_user(tenant, name="Kim Keys")
    subject = f"Router blinking {unique('b')}"
    ticket = api(
        client,
        tenant,
        "POST",
        "/tickets",
        subject=subject,
        description="The light keeps blinking.",
        requester={"emails": [f"{unique('cust')}@example.org"], "first_name": "Rui"},
        assignee_id=user.user_id,
    )
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(user.password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Tickets").click()
        expect(page).to_have_url(f"{live_server}/tickets")
        row = page.locator("[data-ticket-row]", has_text=subject)
        expect(row).to_have_count(1)

        page.keyboard.press("j")
        expect(row).to_be_focused()
        page.keyboard.press("x")
        expect(row.locator("[data-select]")).to_be_checked()
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{live_server}/tickets/{ticket['number']}")
        expect(page.get_by_role("heading", name=subject)).to_be_visible()

        page.get_by_label("Message").fill("Please restart it.\nThen tell me.")
        page.get_by_label("Submit as").select_option("pending")
        page.get_by_role("button", name="Submit", exact=True).click()

        expect(page).to_have_url(f"{live_server}/tickets/{ticket['number']}")
        expect(page.get_by_text("Reply sent.")).to_be_visible()
        expect(page.locator("[data-message]").last).to_contain_text("Please restart it.")
        expect(page.locator(".ticket-head .status")).to_have_text("pending")
    finally:
        context.close()


def test_dashboard_draws_charts_and_a_channel_bar_opens_the_filtered_inbox(
    live_server: str, browser: Any, client: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    user = make_user(tenant, name="Dana Dashboard")
    subjects = {}
    for channel, count in (("email", 3), ("chat", 1)):
        for _ in range(count):
            subject = f"Dashboard {channel} {unique('d')}"
            subjects.setdefault(channel, []).append(subject)
            api(
                client,
                tenant,
                "POST",
                "/tickets",
                subject=subject,
                description="d",
                channel=channel,
                requester={"emails": [f"{unique('dash')}@example.org"]},
            )
    errors: list[str] = []
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: errors.append(message.text) if message.type == "error" else None,
    )
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(user.password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Dashboard").click()
        expect(page).to_have_url(f"{live_server}/service/dashboard")

        chart = page.locator("#chart-channel.js-plotly-plot")
        expect(chart).to_have_count(1)
        expect(chart.locator("svg.main-svg").first).to_be_attached()
        bars = chart.locator(".bars .point path")
        expect(bars).to_have_count(2)  # email and chat, the bigger first
        # volume and channels; no reply, SLA or rating yet: those charts say "No data…"
        expect(page.locator(".js-plotly-plot")).to_have_count(2)
        expect(page.get_by_text("No data in this period.")).to_have_count(3)

        chart.scroll_into_view_if_needed()
        box = bars.first.bounding_box()
        assert box is not None
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_url(lambda url: "/tickets?" in url and "channel=email" in url)
        expect(page.locator("[data-drill-filters]")).to_contain_text("Email")
        rows = page.locator("[data-ticket-row]")
        expect(rows).to_have_count(3)
        for subject in subjects["email"]:
            expect(page.locator("[data-ticket-row]", has_text=subject)).to_have_count(1)
        assert errors == []
    finally:
        context.close()
