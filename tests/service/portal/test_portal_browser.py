"""The portal in a real browser: a customer asks for a link, takes it from the real SMTP sink,
signs in, submits a ticket with a file, sees the agent's reply (sent through the API) and
rates it. Debian's Chromium through Playwright, the app under uvicorn on a free local port."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.service.portal.conftest import Portal, link_in, wait_for_mail
from tests.web.browser import TIMEOUT_MS, launched_chromium, require_chromium, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def portal_server(mail_client: TestClient) -> Iterator[str]:
    require_chromium()
    with serving(mail_client.app) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


def test_customer_signs_in_submits_sees_the_reply_and_rates_it(
    portal_server: str, chromium: Any, portal: Portal
) -> None:
    from playwright.sync_api import expect

    contact_id, address = portal.contact()
    context = chromium.new_context(locale="en-US")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        page.goto(f"{portal_server}{portal.path()}")
        expect(page).to_have_url(f"{portal_server}{portal.path('/sign-in')}")
        page.get_by_label("Email").fill(address)
        before = len(portal.mx.received)
        page.get_by_role("button", name="Email me a sign-in link").click()
        expect(page.locator("#sign-in-notice")).to_contain_text("a sign-in link is on its way")

        link = link_in(wait_for_mail(portal.mx, address, after=before))
        page.goto(f"{portal_server}{link}")
        page.get_by_role("button", name="Sign in").click()
        expect(page).to_have_url(f"{portal_server}{portal.path('/tickets')}")
        expect(page.get_by_text("You have no requests yet.")).to_be_visible()

        page.get_by_role("link", name="New request").first.click()
        # typing the subject asks the help center for articles (after a short pause)
        with page.expect_request(lambda r: f"/help/{portal.slug}/suggest?q=" in r.url):
            page.get_by_label("Subject").fill("The invoice PDF is blank")
        page.get_by_label("How can we help?").fill("Every invoice downloads as an empty page.")
        page.get_by_label("Attachments (optional)").set_input_files(
            files=[{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}]
        )
        page.get_by_role("button", name="Send request").click()
        expect(page.get_by_role("heading", name="The invoice PDF is blank")).to_be_visible()
        expect(page.locator("#thread")).to_contain_text("invoice.pdf")

        ticket = portal.api("GET", f"/tickets?requester_id={contact_id}")["items"][0]
        portal.api(
            "POST",
            f"/tickets/{ticket['id']}/messages",
            json={"body": "Fixed: please download it again.", "status": "solved"},
        )
        page.reload()
        expect(page.locator("#thread")).to_contain_text("Fixed: please download it again.")
        expect(page.locator("#ticket-status")).to_have_text("Solved")

        page.get_by_label("5 · Very satisfied").check()
        page.get_by_label("Anything you would like to add? (optional)").fill("Fast, thank you")
        page.get_by_role("button", name="Send rating").click()
        expect(page.get_by_text("Thank you for your feedback!")).to_be_visible()
        expect(page.locator("#rating-given")).to_have_text("Your rating: 5 of 5")
        csat = portal.api("GET", f"/tickets/{ticket['id']}/csat")
        assert (csat["score"], csat["comment"]) == (5, "Fast, thank you")

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You are signed out.")).to_be_visible()
        page.goto(f"{portal_server}{portal.path('/tickets')}")
        expect(page).to_have_url(f"{portal_server}{portal.path('/sign-in')}")
        assert refused == []  # brand.css and portal.js load under the pages' CSP
        # nothing failed but, when no help center answers, its suggestions; and the favicon probe
        unexpected = [u for u in failed if f"/help/{portal.slug}/suggest?q=" not in u]
        assert [u for u in unexpected if not u.endswith("/favicon.ico")] == []
    finally:
        context.close()
