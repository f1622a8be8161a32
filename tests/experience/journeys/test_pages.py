"""Journey pages: the list, the editor (admins; bad JSON and bad rules answered on the form
with 422), the analytics page with its funnel, time-in-stage and score tables, in every UI
language; viewers read but cannot edit; other workspaces' journeys are not found."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from cxhub.experience.journeys import pages
from cxhub.experience.journeys.messages import MESSAGES
from tests.experience.journeys.test_api import record
from tests.experience.touchpoints.test_api import contact
from tests.factories import Tenant
from tests.web.conftest import MakeUser, make_user, sign_in, web

__all__ = ["make_user", "web"]  # fixtures used below

USED = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)*)"|_\(\s*'((?:[^'\\]|\\.)*)'""")


def test_every_message_of_the_pages_is_translated() -> None:
    used: set[str] = set()
    for template in Path(pages.TEMPLATES_DIR).rglob("*.html"):
        used |= {
            (m.group(1) or m.group(2)).replace('\\"', '"')
            for m in USED.finditer(template.read_text())
        }
    used |= {pages.SAVED, pages.BAD_JSON, pages.BAD_DATE, "Step {n}", *(n.label for n in pages.NAV)}
    for language in ("en", "it", "zh", "id"):
        assert used <= set(MESSAGES[language]), (language, used - set(MESSAGES[language]))


def test_admins_create_and_edit_journeys_on_the_form(client: TestClient, tenant: Tenant) -> None:
    admin = tenant.admin
    form = client.get("/journeys/new", headers=admin)
    assert form.status_code == 200
    assert 'id="journey-edit"' in form.text
    created = client.post(
        "/journeys/new",
        data={"name": "Onboarding journey", "stages": "", "active": "true"},
        headers=admin,
        follow_redirects=False,
    )
    assert created.status_code == 303, created.text
    journey_id = int(created.headers["location"].rsplit("/", 1)[1])
    stages = [{"key": "trial", "name": "Trial"}, {"key": "paid", "name": "Paid", "rules": []}]
    saved = client.post(
        f"/journeys/{journey_id}/edit",
        data={"name": "Trial to paid", "stages": json.dumps(stages), "active": "true"},
        headers=admin,
        follow_redirects=False,
    )
    assert saved.status_code == 303
    listed = client.get("/journeys", headers=admin)
    assert "Trial to paid" in listed.text
    assert "Trial → Paid" in listed.text
    broken = client.post(
        f"/journeys/{journey_id}/edit",
        data={"name": "x", "stages": "[{", "active": "true"},
        headers=admin,
    )
    assert broken.status_code == 422
    assert "The stages are not valid JSON." in broken.text
    bad_rule = [{"key": "a", "name": "A", "rules": [{"on": "renewal"}]}, stages[1]]
    refused = client.post(
        f"/journeys/{journey_id}/edit",
        data={"name": "x", "stages": json.dumps(bad_rule), "lang": "it"},
        headers=admin,
    )
    assert refused.status_code == 422
    assert "within_days" in refused.text


def test_viewers_read_but_cannot_edit(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    created = client.post("/api/v1/journeys", json={"name": "J"}, headers=tenant.admin).json()
    viewer = tenant.headers(Role.VIEWER)
    assert client.get("/journeys", headers=viewer).status_code == 200
    assert client.get(f"/journeys/{created['id']}", headers=viewer).status_code == 200
    assert client.get("/journeys/new", headers=viewer).status_code == 403
    denied = client.post("/journeys/new", data={"name": "x"}, headers=viewer)
    assert denied.status_code == 403
    assert client.get(f"/journeys/{created['id']}", headers=other_tenant.admin).status_code == 404


def test_analytics_page_shows_funnel_times_and_scores_in_italian(
    client: TestClient, web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    created = client.post("/api/v1/journeys", json={"name": "Journey"}, headers=tenant.admin)
    journey_id = created.json()["id"]
    person = contact(client, tenant)
    record(client, tenant, contact_id=person["id"], channel="in_person", kind="meeting")
    record(
        client,
        tenant,
        contact_id=person["id"],
        kind="nps_response",
        score=10,
        occurred_at="2026-05-03T10:00:00Z",
    )
    url = f"/journeys/{journey_id}?since=2026-04-01&until=2026-05-31"
    page = client.get(url, headers=tenant.admin)
    assert page.status_code == 200, page.text
    for table in ("journey-funnel", "journey-time-in-stage", "journey-paths", "journey-by-stage"):
        assert f'id="{table}"' in page.text
    assert 'id="chart-journey-funnel"' in page.text
    assert 'id="chart-journey-paths"' in page.text
    assert "meeting → nps_response" in page.text
    user = make_user(tenant, role=Role.ANALYST, locale="it-IT", time_zone="Europe/Rome")
    assert sign_in(web, user).status_code == 303
    italian = web.get(url)
    assert '<html lang="it">' in italian.text
    assert "Tempo nella fase" in italian.text
    assert "Imbuto" in italian.text
    bad = client.get(f"/journeys/{journey_id}?since=yesterday", headers=tenant.admin)
    assert bad.status_code == 422
    assert "Enter dates as year-month-day." in bad.text
    reversed_window = client.get(
        f"/journeys/{journey_id}?since=2026-05-31&until=2026-04-01", headers=tenant.admin
    )
    assert reversed_window.status_code == 422
