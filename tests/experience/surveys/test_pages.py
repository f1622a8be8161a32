"""Survey pages without a browser: the builder refuses bad input with a 422 page, roles, the
results page, and every message the templates use exists in en/it/zh/id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from cxhub.experience.surveys.messages import MESSAGES
from cxhub.experience.surveys.pages import TEMPLATES_DIR
from cxhub.web.i18n import builtin_catalogues
from tests.experience.surveys.helpers import make_survey
from tests.factories import Tenant
from tests.web.conftest import MakeUser, make_user, sign_in, web

__all__ = ["make_user", "web"]  # fixtures used below

TEMPLATE_MESSAGE = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def test_every_template_message_is_translated() -> None:
    shell = builtin_catalogues()
    used: set[str] = set()
    for template in Path(TEMPLATES_DIR).rglob("*.html"):
        used |= {m.group(1) or m.group(2) for m in TEMPLATE_MESSAGE.finditer(template.read_text())}
    assert len(used) > 30
    for language in ("en", "it", "zh", "id"):
        known = set(MESSAGES[language]) | set(shell[language])
        assert sorted(used - known) == [], language
    assert MESSAGES["zh"]["Surveys"] == "问卷"


def test_the_builder_creates_and_refuses_bad_input(client: TestClient, tenant: Tenant) -> None:
    form = {
        "name": "Pulse",
        "kind": "csat",
        "status": "active",
        "languages": ["en", "it"],
        "default_language": "en",
        "trigger_type": "manual",
        "trigger_channel": "email",
        "sample_percent": "50",
        "channels": ["email", "link"],
        "questions": "",
        "throttle_days": "21",
    }
    created = client.post("/surveys/new", data=form, headers=tenant.admin, follow_redirects=False)
    assert created.status_code == 303, created.text
    survey_id = int(created.headers["location"].rsplit("/", 1)[1])
    survey = client.get(f"/api/v1/surveys/{survey_id}", headers=tenant.admin).json()
    assert (survey["kind"], survey["sample_percent"], survey["languages"]) == (
        "csat",
        50,
        ["en", "it"],
    )
    settings = client.get("/api/v1/survey-settings", headers=tenant.admin).json()
    assert settings["throttle_days"] == 21
    bad = client.post(
        "/surveys/new", data={**form, "questions": '[{"type": "poll"}]'}, headers=tenant.admin
    )
    assert bad.status_code == 422
    assert 'id="builder-error"' in bad.text
    not_json = client.post(
        "/surveys/new", data={**form, "questions": "{nope"}, headers=tenant.admin
    )
    assert not_json.status_code == 422
    edit = client.get(f"/surveys/{survey_id}/edit", headers=tenant.admin)
    assert edit.status_code == 200
    assert 'value="Pulse"' in edit.text


def test_roles_on_pages(client: TestClient, tenant: Tenant) -> None:
    survey = make_survey(client, tenant)
    viewer = tenant.headers(Role.VIEWER)
    assert client.get("/surveys", headers=viewer).status_code == 200
    results = client.get(f"/surveys/{survey['id']}", headers=viewer)
    assert results.status_code == 200
    assert "Close the loop" not in results.text
    assert client.get("/surveys/new", headers=viewer).status_code == 403
    assert (
        client.get(f"/surveys/{survey['id']}/edit", headers=tenant.headers(Role.CSM)).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("language", "label"),
    [
        ("en", "Response rate"),
        ("it", "Tasso di risposta"),
        ("zh", "回复率"),
        ("id", "Tingkat tanggapan"),
    ],
)
def test_results_speak_every_language(
    web: TestClient,
    client: TestClient,
    tenant: Tenant,
    make_user: MakeUser,
    language: str,
    label: str,
) -> None:
    survey = make_survey(client, tenant, kind="ces")
    assert sign_in(web, make_user(tenant, locale=language)).status_code == 303
    page = web.get(f"/surveys/{survey['id']}")
    assert page.status_code == 200
    assert label in page.text
