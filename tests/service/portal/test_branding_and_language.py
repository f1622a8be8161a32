"""Branding per workspace (admin API, checked logo uploads) and the portal in the customer's
language (the contact's locale, else the browser's)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.audit import AuditEntry
from cxhub.core.permissions import Role
from tests.service.portal.conftest import Portal, wait_for_mail

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def test_admins_set_name_and_colour_and_the_portal_wears_them(
    portal: Portal, browser: TestClient
) -> None:
    bad = portal.client.put(
        "/api/v1/portal/settings",
        json={"enabled": True, "primary_colour": "red;}body{display:none"},
        headers=portal.desk.tenant.admin,
    )
    assert bad.status_code == 422
    saved = portal.api(
        "PUT",
        "/portal/settings",
        json={"enabled": True, "display_name": "Globex Care", "primary_colour": "#AA3300"},
    )
    assert saved["primary_colour"] == "#aa3300"
    assert saved["portal_path"] == portal.path()
    css = browser.get(portal.path("/brand.css"))
    assert css.headers["content-type"].startswith("text/css")
    assert "--portal-primary: #aa3300;" in css.text
    page = browser.get(portal.path("/sign-in"))
    assert "Globex Care" in page.text
    assert "style=" not in page.text
    with portal.desk.tenant.session() as session:
        actions = set(session.scalars(select(AuditEntry.action)))
    assert "portal_settings.updated" in actions


def test_only_admins_configure_the_portal(portal: Portal) -> None:
    tenant = portal.desk.tenant
    for role in (Role.AGENT, Role.CSM, Role.VIEWER):
        answer = portal.client.put(
            "/api/v1/portal/settings", json={"enabled": False}, headers=tenant.headers(role)
        )
        assert answer.status_code == 403, role
    contact_id, _ = portal.contact()
    viewer = portal.client.put(
        f"/api/v1/contacts/{contact_id}/portal-access",
        json={"role": "account_admin"},
        headers=tenant.headers(Role.VIEWER),
    )
    assert viewer.status_code == 403
    agent = portal.client.put(
        f"/api/v1/contacts/{contact_id}/portal-access",
        json={"role": "account_admin"},
        headers=tenant.headers(Role.AGENT),
    )
    assert agent.status_code == 200
    assert agent.json()["role"] == "account_admin"
    assert agent.json()["sees_account_tickets"] is False  # no account: nothing more to see


def test_logo_upload_checks_type_and_size(portal: Portal, browser: TestClient) -> None:
    headers = portal.desk.tenant.admin
    svg = portal.client.put(
        "/api/v1/portal/logo", files={"file": ("logo.png", SVG, "image/png")}, headers=headers
    )
    assert svg.status_code == 415
    assert svg.json()["type"].endswith("unsupported-logo")
    huge = portal.client.put(
        "/api/v1/portal/logo",
        files={"file": ("logo.png", PNG + b"\x00" * 300_000, "image/png")},
        headers=headers,
    )
    assert huge.status_code == 415
    assert browser.get(portal.path("/logo")).status_code == 404
    saved = portal.client.put(
        "/api/v1/portal/logo", files={"file": ("x.bin", PNG, "text/html")}, headers=headers
    )
    assert saved.status_code == 200
    assert saved.json()["logo_content_type"] == "image/png"
    logo = browser.get(portal.path("/logo"))
    assert logo.content == PNG
    assert logo.headers["content-type"] == "image/png"
    assert portal.path("/logo") in browser.get(portal.path("/sign-in")).text
    assert portal.client.delete("/api/v1/portal/logo", headers=headers).status_code == 204
    assert browser.get(portal.path("/logo")).status_code == 404


def test_the_portal_speaks_the_browsers_language_before_sign_in(
    portal: Portal, browser: TestClient
) -> None:
    chinese = browser.get(portal.path("/sign-in"), headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "登录以跟进您的请求" in chinese.text
    assert chinese.headers["content-language"] == "zh"
    indonesian = browser.get(portal.path("/sign-in"), headers={"Accept-Language": "id"})
    assert "Kirimi saya tautan masuk" in indonesian.text


def test_an_italian_contact_gets_italian_mail_and_pages(
    portal: Portal, browser: TestClient
) -> None:
    _, address = portal.contact(locale="it-IT")
    before = len(portal.mx.received)
    portal.request_link(browser, address)
    message = wait_for_mail(portal.mx, address, after=before)
    assert message["Subject"] == "Il tuo link di accesso a Acme Help"
    portal.sign_in(browser, address)
    page = browser.get(portal.path("/tickets"), headers={"Accept-Language": "en"})
    assert "Le mie richieste" in page.text
    assert page.headers["content-language"] == "it"
