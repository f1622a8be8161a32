"""The shell other domains build on: navigation by role, static assets, flash messages."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxhub.api.deps import Principal
from cxhub.core.permissions import Permission, Role
from cxhub.web.shell import NavItem, WebShell, build_environment


def _principal(role: Role) -> Principal:
    return Principal(1, 1, role, "Someone", "en", "session", "token")


def test_navigation_shows_items_by_permission_and_role() -> None:
    shell = WebShell(env=build_environment())
    app = FastAPI()
    from fastapi import APIRouter

    shell.include(
        app,
        APIRouter(),
        nav=[
            NavItem("Admin", "/admin", Permission.PEOPLE_MANAGE, order=90),
            NavItem("Customers", "/customers", Permission.CUSTOMERS_READ, order=10),
            NavItem(
                "Portfolio",
                "/portfolio",
                Permission.CUSTOMERS_READ,
                order=20,
                roles=frozenset({Role.CSM}),
            ),
        ],
    )
    labels = {role: [i.label for i in shell.nav_for(_principal(role))] for role in Role}
    assert labels[Role.ADMIN] == ["Customers", "Admin"]
    assert labels[Role.CSM] == ["Customers", "Portfolio"]
    assert labels[Role.VIEWER] == ["Customers"]
    assert shell.nav_for(None) == []


def test_nav_item_active_state() -> None:
    item = NavItem("Accounts", "/accounts", Permission.CUSTOMERS_READ)
    assert item.is_active("/accounts")
    assert item.is_active("/accounts/12")
    assert not item.is_active("/accountsx")


def test_static_assets_are_served_with_a_content_version(web: TestClient) -> None:
    page = web.get("/login")
    for name in ("app.css", "app.js"):
        assert f"/static/{name}?v=" in page.text
        asset = web.get(f"/static/{name}")
        assert asset.status_code == 200
        assert len(asset.content) > 1000
    assert web.get("/static/icons.svg").headers["content-type"].startswith("image/svg")
    assert web.get("/static/missing.css").status_code == 404


def test_forged_flash_cookie_is_ignored(web: TestClient) -> None:
    web.cookies.set("cxhub_flash", "W1siZXJyb3IiLCJIYWNrZWQiXV0.deadbeef")
    page = web.get("/login")
    assert "Hacked" not in page.text
