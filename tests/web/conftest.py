"""Fixtures for page tests: a cookie jar of our own and users who can sign in with a password.

The suite's `client` is shared by the whole session, so `web` empties its cookies before and after
each test: a login here must never leak into another test's API calls.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from cxhub.people import service as people
from cxhub.people.schemas import UserCreate
from tests.factories import Tenant, unique

PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class WebUser:
    email: str
    password: str
    user_id: int
    tenant: Tenant


@pytest.fixture
def web(client: TestClient) -> Iterator[TestClient]:
    client.cookies.clear()
    yield client
    client.cookies.clear()


MakeUser = Callable[..., WebUser]


@pytest.fixture
def make_user() -> MakeUser:
    def build(
        tenant: Tenant,
        *,
        role: Role = Role.AGENT,
        locale: str = "en",
        time_zone: str = "UTC",
        name: str = "Alex Agent",
    ) -> WebUser:
        email = f"{unique('web')}@example.com"
        with tenant.session() as session:
            user = people.create_user(
                session,
                workspace_id=tenant.workspace_id,
                data=UserCreate(
                    email=email,
                    name=name,
                    role=role,
                    password=PASSWORD,
                    locale=locale,
                    time_zone=time_zone,
                ),
            )
            user_id = user.id
        return WebUser(email=email, password=PASSWORD, user_id=user_id, tenant=tenant)

    return build


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', html)
    assert found is not None, "the page has no csrf_token field"
    return found.group(1)


def sign_in(
    client: TestClient, user: WebUser, *, next_url: str = "", password: str | None = None
) -> httpx.Response:
    """Submit the login form the way a browser does (GET the form, POST it back)."""
    page = client.get("/login")
    assert page.status_code == 200
    return client.post(
        "/login",
        data={
            "email": user.email,
            "password": password if password is not None else user.password,
            "csrf_token": form_token(page.text),
            "next": next_url,
        },
        follow_redirects=False,
    )


@pytest.fixture
def signed_in(web: TestClient, tenant: Tenant, make_user: MakeUser) -> WebUser:
    """An agent of `tenant`, signed in on `web`."""
    user = make_user(tenant)
    assert sign_in(web, user).status_code == 303
    return user


def api(client: TestClient, tenant: Tenant, method: str, path: str, **body: Any) -> Any:
    """Create data through the public API as the tenant's admin token."""
    response = client.request(method, f"/api/v1{path}", json=body or None, headers=tenant.admin)
    assert response.status_code < 300, response.text
    return response.json()
