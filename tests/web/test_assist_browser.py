"""The ticket page's assist panel in a real browser: it loads in place with a similar solved
ticket and its resolution, and "Use this macro" fills the reply box with the macro's reply."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.knowledge.search import semantic
from tests.factories import Tenant, unique
from tests.web.browser import TIMEOUT_MS, browser, live_server  # noqa: F401 - fixtures
from tests.web.conftest import MakeUser, api

pytestmark = pytest.mark.browser


@pytest.fixture
def keyword_only() -> Iterator[None]:
    semantic.use_embedder(None)
    yield
    semantic.reset_embedder()


def test_assist_panel_shows_similar_ticket_and_applies_the_suggested_macro(
    keyword_only: None,
    live_server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    client: TestClient,
    tenant: Tenant,
    make_user: MakeUser,
) -> None:
    from playwright.sync_api import expect

    user = make_user(tenant, name="Ada Assist")
    requester = {"emails": [f"{unique('cust')}@example.org"], "first_name": "Rui"}
    solved = api(
        client,
        tenant,
        "POST",
        "/tickets",
        subject="Router keeps rebooting",
        description="My router reboots every ten minutes",
        requester=requester,
    )
    macro = api(
        client,
        tenant,
        "POST",
        "/macros",
        name="Router firmware",
        actions=[{"type": "reply_public", "body": "Please update the router firmware."}],
    )
    api(client, tenant, "POST", f"/tickets/{solved['id']}/macros/{macro['id']}/apply")
    api(client, tenant, "PATCH", f"/tickets/{solved['id']}", status="solved")
    fresh = api(
        client,
        tenant,
        "POST",
        "/tickets",
        subject="Router rebooting again",
        description="The router reboots all the time",
        requester=requester,
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
        page.goto(f"{live_server}/tickets/{fresh['number']}")
        similar = page.locator(f'[data-kb-similar] [data-ticket="{solved["id"]}"]')
        expect(similar).to_contain_text(f"#{solved['number']}")
        expect(similar).to_contain_text("Please update the router firmware.")
        suggestion = page.locator(f'[data-kb-macros] [data-macro="{macro["id"]}"]')
        expect(suggestion).to_contain_text("Applied to 1 similar tickets")
        suggestion.get_by_role("link", name="Use this macro").click()
        expect(page.locator("#reply-body")).to_have_value("Please update the router firmware.")
        expect(page).to_have_url(f"{live_server}/tickets/{fresh['number']}")
    finally:
        context.close()
