"""The topic explorer in a real browser (headless Chromium through Playwright, the app under
uvicorn, as tests/web/test_browser.py): a CX lead sees the trending topics with their sparklines,
opens one, reads its examples, names it and merges another into it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.experience.topics.conftest import THEMES, create_ticket, discover, topics_by_theme
from tests.factories import Tenant
from tests.web.browser import browser, live_server, signed_in
from tests.web.conftest import MakeUser

pytestmark = pytest.mark.browser

__all__ = ["browser", "live_server"]  # fixtures used below


def test_a_lead_names_and_merges_topics_in_the_explorer(
    live_server: str, browser: Any, client: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    tickets = {t: [create_ticket(client, tenant, x) for x in texts] for t, texts in THEMES.items()}
    discover(client, tenant, k=3)
    topics = topics_by_theme(client, tenant, tickets)
    user = make_user(tenant, role=Role.AGENT, name="Lea Lead")
    context, page, errors = signed_in(browser, live_server, user.email, user.password)
    try:
        page.get_by_role("link", name="Topics").click()
        expect(page).to_have_url(f"{live_server}/experience/topics")
        rows = page.locator("#topics tbody tr[data-topic]")
        expect(rows).to_have_count(3)
        expect(page.locator("#topics svg.sparkline polyline")).to_have_count(3)
        expect(page.locator('#topics [data-flag="trending"]')).to_have_count(3)

        refund = topics["refund"]["id"]
        page.locator(f'tr[data-topic="{refund}"] a').first.click()
        expect(page).to_have_url(f"{live_server}/experience/topics/{refund}")
        expect(page.locator("#topic-examples blockquote")).to_have_count(5)
        page.get_by_label("Name").fill("Refund delays")
        page.locator("#topic-rename").click()
        expect(page.locator("#topic-name")).to_have_text("Refund delays")
        expect(page.get_by_text("Topic saved.")).to_be_visible()

        delivery = topics["delivery"]["id"]
        page.goto(f"{live_server}/experience/topics/{delivery}")
        page.get_by_label("Merge into").select_option(str(refund))
        page.locator("#topic-merge").click()
        expect(page).to_have_url(f"{live_server}/experience/topics/{refund}")
        expect(page.get_by_text("Topics merged.")).to_be_visible()
        page.get_by_role("link", name="All topics").click()
        expect(page.locator("#topics tbody tr[data-topic]")).to_have_count(2)
        expect(page.locator(f'tr[data-topic="{refund}"]')).to_contain_text("Refund delays")
        assert errors == []
    finally:
        context.close()


def test_a_lead_splits_a_topic_in_the_explorer(
    live_server: str, browser: Any, client: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    from playwright.sync_api import expect

    themes = {t: THEMES[t] for t in ("refund", "delivery")}
    tickets = {t: [create_ticket(client, tenant, x) for x in texts] for t, texts in themes.items()}
    discover(client, tenant, k=2)
    topics = topics_by_theme(client, tenant, tickets)
    refund, delivery = topics["refund"]["id"], topics["delivery"]["id"]
    client.post(
        f"/api/v1/topics/{delivery}/merge", json={"into_topic_id": refund}, headers=tenant.admin
    )
    user = make_user(tenant, role=Role.AGENT, name="Sam Split")
    context, page, errors = signed_in(browser, live_server, user.email, user.password)
    try:
        page.goto(f"{live_server}/experience/topics/{refund}")
        boxes = page.locator('#topic-examples input[name="text"]')
        expect(boxes).to_have_count(5)
        boxes.nth(0).check()
        boxes.nth(1).check()
        page.get_by_label("New topic title").fill("Picked texts")
        page.locator("#topic-split-move").click()
        expect(page.locator("#topic-name")).to_have_text("Picked texts")
        expect(page.get_by_text("Topic split.")).to_be_visible()
        expect(page.locator("#topic-examples blockquote")).to_have_count(2)

        page.goto(f"{live_server}/experience/topics/{refund}")
        page.get_by_label("Split into sub-topics").select_option("2")
        page.locator("#topic-split").click()
        expect(page.get_by_text("Topic split.")).to_be_visible()
        page.get_by_role("link", name="All topics").click()
        expect(page.locator("#topics tbody tr[data-topic]")).to_have_count(3)
        assert errors == []
    finally:
        context.close()
