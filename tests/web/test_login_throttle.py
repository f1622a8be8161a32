"""Login throttling through the login page: account lockout, IP limit, audit, cookies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.audit import AuditEntry
from cxhub.core.runtime import Runtime
from cxhub.people.login_guard import LoginGuard
from cxhub.people.pages import TOO_MANY_ATTEMPTS, WRONG_CREDENTIALS
from tests.factories import Tenant, unique
from tests.web.conftest import MakeUser, WebUser, form_token, sign_in


@dataclass
class FakeClock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(app: FastAPI, runtime: Runtime) -> Iterator[FakeClock]:
    """A fresh login guard (own IP buckets) on the shared app, with a clock the test moves."""
    fake = FakeClock(datetime.now(UTC))
    settings = runtime.settings.model_copy(
        update={"login_max_failures": 3, "login_lockout_seconds": 900, "login_ip_max_failures": 8}
    )
    previous = getattr(app.state, "login_guard", None)
    app.state.login_guard = LoginGuard(settings, runtime.session_factory, clock=fake)
    yield fake
    app.state.login_guard = previous


def _fail(web: TestClient, user: WebUser, times: int) -> None:
    for _ in range(times):
        response = sign_in(web, user, password="wrong-password!")
        assert response.status_code == 400
        assert WRONG_CREDENTIALS in response.text


def test_account_locks_after_repeated_failures_even_for_the_right_password(
    web: TestClient, tenant: Tenant, make_user: MakeUser, clock: FakeClock
) -> None:
    user = make_user(tenant)
    _fail(web, user, 3)
    locked = sign_in(web, user)
    assert locked.status_code == 429
    assert TOO_MANY_ATTEMPTS in locked.text
    assert int(locked.headers["retry-after"]) == 900
    assert "cxhub_session" not in web.cookies

    clock.advance(901)
    assert sign_in(web, user).status_code == 303


def test_lockout_doubles_and_a_successful_login_resets_it(
    web: TestClient, tenant: Tenant, make_user: MakeUser, clock: FakeClock
) -> None:
    user = make_user(tenant)
    _fail(web, user, 3)
    clock.advance(901)
    _fail(web, user, 3)
    assert int(sign_in(web, user).headers["retry-after"]) == 1800
    clock.advance(1801)
    assert sign_in(web, user).status_code == 303
    web.cookies.clear()
    _fail(web, user, 2)  # the counter started again from zero
    assert sign_in(web, user).status_code == 303


def test_lockout_does_not_reveal_whether_the_account_exists(
    web: TestClient, tenant: Tenant, make_user: MakeUser, clock: FakeClock
) -> None:
    ghost = WebUser(
        email=f"{unique('ghost')}@example.com", password="whatever-1234", user_id=0, tenant=tenant
    )
    _fail(web, ghost, 3)
    response = sign_in(web, ghost)
    assert response.status_code == 429
    assert TOO_MANY_ATTEMPTS in response.text


def test_other_accounts_are_unaffected(
    web: TestClient, tenant: Tenant, make_user: MakeUser, clock: FakeClock
) -> None:
    victim, bystander = make_user(tenant), make_user(tenant)
    _fail(web, victim, 3)
    assert sign_in(web, victim).status_code == 429
    assert sign_in(web, bystander).status_code == 303


def test_one_address_is_limited_across_accounts(
    web: TestClient, tenant: Tenant, make_user: MakeUser, clock: FakeClock
) -> None:
    users = [make_user(tenant) for _ in range(4)]
    for user in users:
        _fail(web, user, 2)  # 8 failures from one IP, no account reaches 3
    refused = sign_in(web, make_user(tenant))
    assert refused.status_code == 429
    assert TOO_MANY_ATTEMPTS in refused.text
    clock.advance(120)  # the bucket refills evenly: 8 per 900 s
    assert sign_in(web, make_user(tenant)).status_code == 303


def test_every_lockout_is_audited(
    web: TestClient, tenant: Tenant, make_user: MakeUser, clock: FakeClock
) -> None:
    user = make_user(tenant)
    _fail(web, user, 3)
    with tenant.session() as session:
        entries = list(
            session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "user.login_locked", AuditEntry.target_id == user.user_id
                )
            )
        )
    assert len(entries) == 1
    assert entries[0].detail["seconds"] == 900


def test_session_id_is_rotated_at_login(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    user = make_user(tenant)
    assert sign_in(web, user).status_code == 303
    first = web.cookies["cxhub_session"]
    web.cookies.clear()
    form = web.get("/login")
    web.cookies.set(
        "cxhub_session", first, domain="testserver.local", path="/"
    )  # a session id planted before the login
    response = web.post(
        "/login",
        data={"email": user.email, "password": user.password, "csrf_token": form_token(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    second = web.cookies["cxhub_session"]
    assert second != first
    web.cookies.clear()
    web.cookies.set("cxhub_session", first, domain="testserver.local", path="/")
    assert web.get("/customers", follow_redirects=False).status_code == 303  # the old id ended
