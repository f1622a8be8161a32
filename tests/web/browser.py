"""What the browser tests share: the app under uvicorn on a free local port, Debian's Chromium
through Playwright's sync API (never a downloaded browser), and a page signed in as a user that
collects the page's script and console errors.

Without /usr/bin/chromium the tests skip locally and fail in CI, so a CI image that lost its
browser cannot pass silently. A test module uses the fixtures by importing them
(`from tests.web.browser import browser, live_server`).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000  # two test workers share 2 cores in CI: a slow wait is not a failure


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is not installed; browser tests need Debian's chromium package"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """`app` under uvicorn in a daemon thread on a free port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@contextmanager
def launched_chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright, closed on exit."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def live_server(app: FastAPI) -> Iterator[str]:
    require_chromium()
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


def signed_in(
    browser: Any, live_server: str, email: str, password: str
) -> tuple[Any, Any, list[str]]:
    """A new en-US context whose page has signed in through the login form: (context, page,
    errors), where `errors` collects uncaught page errors and console errors. The caller closes
    the context (it is closed here when the sign-in itself fails)."""
    errors: list[str] = []
    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login" not in url)
    except BaseException:
        context.close()
        raise
    return context, page, errors
