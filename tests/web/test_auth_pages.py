"""Login, logout, redirects for signed-out visitors, CSRF on forms, session cookies."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from cxhub.api.app import create_app
from cxhub.core.runtime import Runtime
from cxhub.core.settings import Settings
from cxhub.web.auth import safe_next_url
from tests.factories import Tenant
from tests.web.conftest import MakeUser, WebUser, form_token, sign_in


def test_root_sends_signed_out_visitors_to_login(web: TestClient) -> None:
    response = web.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_root_sends_signed_in_people_to_search(web: TestClient, signed_in: WebUser) -> None:
    response = web.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/customers"


def test_signed_out_page_visit_redirects_to_login_with_next(web: TestClient) -> None:
    response = web.get("/contacts/42?cursor=abc", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/contacts/42%3Fcursor%3Dabc"
    form = web.get(response.headers["location"])
    assert 'name="next" value="/contacts/42?cursor=abc"' in form.text


def test_login_sets_a_safe_session_cookie_and_follows_next(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    user = make_user(tenant, name="Grace Agent")
    response = sign_in(web, user, next_url="/accounts?q=acme")
    assert response.status_code == 303
    assert response.headers["location"] == "/accounts?q=acme"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("cxhub_session=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie
    page = web.get("/customers")
    assert page.status_code == 200
    assert "Grace Agent" in page.text


def test_session_cookie_is_secure_when_configured(
    settings: Settings, runtime: Runtime, tenant: Tenant, make_user: MakeUser
) -> None:
    secure_app: FastAPI = create_app(settings.model_copy(update={"cookie_secure": True}), runtime)
    with TestClient(secure_app, base_url="https://testserver") as client:
        response = sign_in(client, make_user(tenant))
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_wrong_password_shows_the_form_again_without_enumeration(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    user = make_user(tenant)
    wrong_password = sign_in(web, user, password="not-the-password")
    ghost = WebUser("nobody-here@example.com", "whatever-password", 0, tenant)
    unknown_email = sign_in(web, ghost)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 400
        assert (
            "set-cookie" not in response.headers
            or "cxhub_session=" not in (response.headers["set-cookie"])
        )
        assert "The email or password is not correct." in response.text
        assert '<form method="post" action="/login"' in response.text
    assert web.get("/customers", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example",
        "javascript:alert(1)",
        "/\r\nSet-Cookie:x",
        "http:/evil.example",
    ],
)
def test_login_refuses_open_redirects(
    web: TestClient, tenant: Tenant, make_user: MakeUser, target: str
) -> None:
    response = sign_in(web, make_user(tenant), next_url=target)
    assert response.status_code == 303
    assert response.headers["location"] == "/customers"


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/contacts/1?cursor=x#timeline", "/contacts/1?cursor=x#timeline"),
        ("/accounts", "/accounts"),
        ("//evil.example", "/home"),
        ("/\tevil", "/home"),
        ("evil.example", "/home"),
        ("/login", "/home"),
        (None, "/home"),
    ],
)
def test_safe_next_url(candidate: str | None, expected: str) -> None:
    assert safe_next_url(candidate, default="/home") == expected


def test_login_form_without_its_token_is_refused(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    user = make_user(tenant)
    web.get("/login")
    response = web.post(
        "/login",
        data={"email": user.email, "password": user.password, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "cxhub_session=" not in response.headers.get("set-cookie", "")
    assert web.get("/customers", follow_redirects=False).status_code == 303


def test_logout_without_csrf_token_is_refused_and_keeps_the_session(
    web: TestClient, signed_in: WebUser
) -> None:
    response = web.post("/logout", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "This form has expired" in response.text
    forged = web.post("/logout", data={"csrf_token": "0" * 64}, follow_redirects=False)
    assert forged.status_code == 403
    assert web.get("/customers", follow_redirects=False).status_code == 200


def test_logout_with_token_ends_the_session(web: TestClient, signed_in: WebUser) -> None:
    page = web.get("/customers")
    old_cookie = web.cookies.get("cxhub_session")
    response = web.post(
        "/logout", data={"csrf_token": form_token(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    login = web.get("/login")
    assert "You are signed out." in login.text
    assert web.get("/customers", follow_redirects=False).status_code == 303
    # The old session id is dead on the server too, not only forgotten by this browser.
    web.cookies.set("cxhub_session", old_cookie or "")
    assert web.get("/customers", follow_redirects=False).status_code == 303


def test_pages_token_works_for_the_api_header(web: TestClient, signed_in: WebUser) -> None:
    page = web.get("/customers")
    token = form_token(page.text)
    assert f'<meta name="csrf-token" content="{token}">' in page.text
    refused = web.post("/api/v1/contacts", json={"first_name": "Zed"})
    assert refused.status_code == 403
    created = web.post(
        "/api/v1/contacts", json={"first_name": "Zed"}, headers={"X-CSRF-Token": token}
    )
    assert created.status_code == 201


def test_pages_carry_security_headers(web: TestClient, signed_in: WebUser) -> None:
    response = web.get("/customers")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"
    assert "cdn" not in response.text.lower()
