"""Sign-in by e-mailed link over real SMTP: single use, short-lived, no enumeration, no fixation."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.audit import AuditEntry
from cxhub.core.db import utcnow
from cxhub.service.mail.models import OutboundEmail
from cxhub.service.portal import signin
from cxhub.service.portal.permissions import PORTAL_COOKIE
from tests.service.portal.conftest import Portal, form_field, link_in, mails_to, wait_for_mail


def test_a_known_customer_signs_in_with_the_emailed_link(
    portal: Portal, browser: TestClient
) -> None:
    contact_id, address = portal.contact()
    answer = portal.request_link(browser, address)
    assert answer.status_code == 200
    assert "a sign-in link is on its way" in answer.text
    message = wait_for_mail(portal.mx, address)
    assert message["Subject"] == "Your sign-in link for Acme Help"
    assert message["Auto-Submitted"] == "auto-replied"
    link = link_in(message)
    assert link.startswith(portal.path("/sign-in/"))
    confirm = browser.get(link)
    assert confirm.status_code == 200
    assert 'id="confirm-form"' in confirm.text
    assert PORTAL_COOKIE not in browser.cookies  # opening the link signs nobody in
    signed_in = browser.post(link, follow_redirects=False)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == portal.path("/tickets")
    cookie = signed_in.headers["set-cookie"]
    assert f"{PORTAL_COOKIE}=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert f"Path={portal.path()}" in cookie
    assert browser.get(portal.path("/tickets")).status_code == 200
    with portal.desk.tenant.session() as session:
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "portal.signed_in", AuditEntry.target_id == contact_id
            )
        ).all()
        assert len(entries) == 1
        assert entries[0].actor_user_id is None


def test_a_link_works_once(portal: Portal, browser: TestClient) -> None:
    _, address = portal.contact()
    portal.request_link(browser, address)
    link = link_in(wait_for_mail(portal.mx, address))
    assert browser.post(link, follow_redirects=False).status_code == 303
    with portal.browser() as other:
        again = other.post(link, follow_redirects=False)
        assert again.status_code == 400
        assert "expired or was already used" in again.text
        assert other.get(link).status_code == 400
        assert other.get(portal.path("/tickets"), follow_redirects=False).status_code == 303


def test_an_expired_link_is_refused(portal: Portal, browser: TestClient) -> None:
    _, address = portal.contact()
    with portal.desk.tenant.session() as session:
        issued = signin.issue_link(session, email=address, now=utcnow() - timedelta(minutes=16))
        assert issued is not None
    refused = browser.post(portal.path(f"/sign-in/{issued.token}"), follow_redirects=False)
    assert refused.status_code == 400


def test_unknown_addresses_get_the_same_answer_and_no_mail(
    portal: Portal, browser: TestClient
) -> None:
    _, known = portal.contact()
    stranger = f"nobody-{known}"
    known_answer = portal.request_link(browser, known)
    unknown_answer = portal.request_link(browser, stranger)
    assert unknown_answer.status_code == known_answer.status_code == 200
    assert form_field(unknown_answer.text, "form_token") == form_field(
        known_answer.text, "form_token"
    )
    assert unknown_answer.text == known_answer.text
    wait_for_mail(portal.mx, known)
    assert mails_to(portal.mx, stranger) == 0
    with portal.desk.tenant.session() as session:
        rows = session.scalars(select(OutboundEmail).where(OutboundEmail.to == stranger)).all()
        assert rows == []


def test_a_contact_without_portal_access_gets_no_link(portal: Portal, browser: TestClient) -> None:
    contact_id, address = portal.contact()
    portal.api("PUT", f"/contacts/{contact_id}/portal-access", json={"role": "no_access"})
    assert portal.request_link(browser, address).status_code == 200
    with portal.desk.tenant.session() as session:
        assert session.scalars(select(OutboundEmail).where(OutboundEmail.to == address)).all() == []


def test_revoking_access_ends_the_session(portal: Portal, browser: TestClient) -> None:
    contact_id, address = portal.contact()
    portal.sign_in(browser, address)
    portal.api("PUT", f"/contacts/{contact_id}/portal-access", json={"role": "no_access"})
    assert browser.get(portal.path("/tickets"), follow_redirects=False).status_code == 303


def test_link_requests_are_rate_limited_per_address(portal: Portal, browser: TestClient) -> None:
    _, address = portal.contact()
    variants = [address, address.upper(), f" {address} ", address.upper()]
    codes = [portal.request_link(browser, v).status_code for v in variants]
    assert codes == [200, 200, 200, 429]
    limited = portal.request_link(browser, address)
    assert int(limited.headers["retry-after"]) > 0
    _, other = portal.contact()
    assert portal.request_link(browser, other).status_code == 200


def test_the_link_request_needs_the_forms_token(portal: Portal, browser: TestClient) -> None:
    _, address = portal.contact()
    refused = browser.post(portal.path("/sign-in"), data={"email": address, "form_token": "x"})
    assert refused.status_code == 403


def test_signing_in_replaces_any_session_id_the_browser_brought(
    portal: Portal, browser: TestClient
) -> None:
    _, address = portal.contact()
    planted = "attacker-chosen-session-id"
    portal.request_link(browser, address)
    link = link_in(wait_for_mail(portal.mx, address))
    signed_in = browser.post(
        link, headers={"Cookie": f"{PORTAL_COOKIE}={planted}"}, follow_redirects=False
    )
    assert signed_in.status_code == 303
    issued = signed_in.cookies.get(PORTAL_COOKIE)
    assert issued
    assert issued != planted
    assert len(issued) >= 40
    with portal.browser() as attacker:
        attacker.cookies.set(PORTAL_COOKIE, planted)
        assert attacker.get(portal.path("/tickets"), follow_redirects=False).status_code == 303


def test_sign_out_ends_the_session(portal: Portal, browser: TestClient) -> None:
    _, address = portal.contact()
    token = portal.sign_in(browser, address)
    cookie = browser.cookies.get(PORTAL_COOKIE, path=portal.path())
    assert browser.post(portal.path("/sign-out"), data={}).status_code == 403  # no CSRF token
    out = browser.post(portal.path("/sign-out"), data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    with portal.browser() as stolen:
        stolen.cookies.set(PORTAL_COOKIE, cookie or "", path=portal.path())
        assert stolen.get(portal.path("/tickets"), follow_redirects=False).status_code == 303


def test_portal_and_agent_sessions_never_stand_in_for_each_other(
    portal: Portal, browser: TestClient
) -> None:
    _, address = portal.contact()
    portal.sign_in(browser, address)
    cookie = browser.cookies.get(PORTAL_COOKIE, path=portal.path())
    with portal.browser() as api_caller:
        api_caller.cookies.set("cxhub_session", cookie or "")
        assert api_caller.get("/api/v1/tickets").status_code == 401


def test_a_link_of_one_workspace_does_not_open_another(
    portal: Portal, browser: TestClient, mail_client: TestClient
) -> None:
    _, address = portal.contact()
    portal.request_link(browser, address)
    link = link_in(wait_for_mail(portal.mx, address))
    from tests.factories import make_tenant

    other = make_tenant(portal.desk.tenant.runtime)  # type: ignore[arg-type]
    mail_client.put(
        "/api/v1/portal/settings", json={"enabled": True}, headers=other.admin
    ).raise_for_status()
    foreign = link.replace(portal.path(), f"/portal/{other.slug}")
    assert browser.post(foreign, follow_redirects=False).status_code == 400
    assert browser.post(link, follow_redirects=False).status_code == 303


def test_a_portal_that_is_off_does_not_exist(portal: Portal, browser: TestClient) -> None:
    portal.api("PUT", "/portal/settings", json={"enabled": False})
    assert browser.get(portal.path("/sign-in")).status_code == 404
    assert browser.get("/portal/no-such-workspace/sign-in").status_code == 404


def test_erasing_a_contact_removes_their_portal_rows(portal: Portal, browser: TestClient) -> None:
    from cxhub.service.portal.models import PortalAccess, PortalSession, PortalSignInLink

    contact_id, address = portal.contact()
    portal.api("PUT", f"/contacts/{contact_id}/portal-access", json={"role": "member"})
    portal.sign_in(browser, address)
    portal.api("POST", f"/contacts/{contact_id}/erase", json={"confirm": contact_id})
    assert browser.get(portal.path("/tickets"), follow_redirects=False).status_code == 303
    with portal.desk.tenant.session() as session:
        for model in (PortalAccess, PortalSession, PortalSignInLink):
            rows = session.scalars(select(model).where(model.contact_id == contact_id)).all()
            assert rows == [], model.__name__
        # the sign-in mail sent to them is emptied like every outbound mail to their address
        assert session.scalars(select(OutboundEmail).where(OutboundEmail.to == address)).all() == []


def test_a_merge_carries_no_portal_session_or_role_to_the_winner(
    portal: Portal, browser: TestClient
) -> None:
    winner_id, winner_address = portal.contact()
    loser_id, loser_address = portal.contact()
    portal.api("PUT", f"/contacts/{winner_id}/portal-access", json={"role": "member"})
    portal.api("PUT", f"/contacts/{loser_id}/portal-access", json={"role": "account_admin"})
    portal.sign_in(browser, loser_address)
    portal.api("POST", f"/contacts/{winner_id}/merge", json={"loser_id": loser_id})
    assert browser.get(portal.path("/tickets"), follow_redirects=False).status_code == 303
    assert portal.api("GET", f"/contacts/{winner_id}/portal-access")["role"] == "member"
    with portal.browser() as winner:
        portal.sign_in(winner, winner_address)


def test_the_hourly_job_deletes_expired_links_and_sessions(portal: Portal) -> None:
    from cxhub.core.jobs import JobRequest
    from cxhub.service.portal.models import PortalSession, PortalSignInLink
    from cxhub.service.portal.tasks import FORGET_EXPIRED

    _, address = portal.contact()
    with portal.desk.tenant.session() as session:
        old = signin.issue_link(session, email=address, now=utcnow() - timedelta(hours=1))
        fresh = signin.issue_link(session, email=address)
        assert old is not None
        assert fresh is not None
    runtime = portal.desk.tenant.runtime
    assert runtime is not None
    runtime.job_queue.submit(JobRequest(FORGET_EXPIRED, portal.desk.tenant.workspace_id, {}))
    with portal.desk.tenant.session() as session:
        hashes = set(session.scalars(select(PortalSignInLink.token_sha256)))
        assert signin.token_hash(old.token) not in hashes
        assert signin.token_hash(fresh.token) in hashes
        assert (
            session.scalars(select(PortalSession).where(PortalSession.expires_at <= utcnow())).all()
            == []
        )


def test_the_data_subject_export_shows_portal_use_without_tokens(
    portal: Portal, browser: TestClient
) -> None:
    contact_id, address = portal.contact()
    portal.api("PUT", f"/contacts/{contact_id}/portal-access", json={"role": "account_admin"})
    portal.sign_in(browser, address)
    exported = portal.client.get(
        f"/api/v1/contacts/{contact_id}/export", headers=portal.desk.tenant.admin
    )
    assert exported.status_code == 200
    section = exported.json()["portal"]
    assert section["role"] == "account_admin"
    assert len(section["sign_in_links"]) == 1
    assert section["sign_in_links"][0]["used_at"] is not None
    assert len(section["sessions"]) == 1
    cookie = browser.cookies.get(PORTAL_COOKIE) or ""
    assert cookie
    assert cookie not in exported.text
    assert signin.token_hash(cookie) not in exported.text
