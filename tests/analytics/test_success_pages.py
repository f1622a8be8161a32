"""The customer-success pages: numbers straight from the functions the API answers with,
sign-in and navigation, workspace isolation, bad input shown as a message, Italian, and every
message they use translated."""

from __future__ import annotations

import html
import json
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.numbers import format_decimal
from fastapi.testclient import TestClient

from cxhub.analytics import revenue_charts, success_charts, success_pages
from cxhub.analytics.health import score_account
from cxhub.analytics.success_messages import MESSAGES
from cxhub.core.permissions import Role
from cxhub.success.cockpit.pages import MESSAGES as COCKPIT
from cxhub.success.health import service as health
from cxhub.success.health.models import AccountHealthScore
from cxhub.web.i18n import builtin_catalogues
from cxhub.web.shell import TEMPLATES_DIR
from tests.analytics.test_success_api import MARCH, march
from tests.factories import Tenant, unique
from tests.success.test_expansion_api import scenario
from tests.web.conftest import MakeUser, api, sign_in

__all__ = ["march", "scenario"]  # fixtures used below

TEMPLATE_MESSAGE = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _signed_in(web: TestClient, tenant: Tenant, make_user: MakeUser, **user: Any) -> None:
    assert sign_in(web, make_user(tenant, **user)).status_code == 303


def _tiles(page: str) -> dict[str, str]:
    found = re.findall(
        r'<div class="tile"[^>]*>\s*<dt>([^<]*)</dt>\s*<dd><span class="tile-value">([^<]*)<', page
    )
    return {html.unescape(label): html.unescape(value) for label, value in found}


def _charts(page: str) -> dict[str, Any]:
    return {
        chart_id: json.loads(html.unescape(spec))
        for chart_id, spec in re.findall(r'id="(chart-[a-z-]+)" data-chart="([^"]*)"', page)
    }


def _scored_account(web: TestClient, tenant: Tenant) -> int:
    """Two daily scores 7 days apart: billing went from active (1) to past due (0)."""
    account = int(api(web, tenant, "POST", "/accounts", name=unique("Healthy "))["id"])
    with tenant.session() as session:
        card = health.default_scorecard(session, workspace_id=tenant.workspace_id)
        definition = health.definition_of(card)
        day = date(2026, 5, 1)
        for offset, billing in ((0, 1.0), (7, 0.0)):
            result = score_account(
                definition,
                {"billing_status": billing, "usage_trend": 1.0, "csat": 90.0, "sla_breaches": 0},
            )
            session.add(
                AccountHealthScore(
                    workspace_id=tenant.workspace_id,
                    account_id=account,
                    scorecard_id=card.id,
                    day=day + timedelta(days=offset),
                    score=result.score,
                    band=result.band,
                    coverage=result.coverage,
                    components=result.model_dump(mode="json"),
                )
            )
    return account


def test_the_account_health_page(web: TestClient, tenant: Tenant, make_user: MakeUser) -> None:
    account = _scored_account(web, tenant)
    _signed_in(web, tenant, make_user, role=Role.CSM)
    page = web.get(f"/accounts/{account}/health")
    assert page.status_code == 200, page.text
    assert "'unsafe-inline'" in page.headers["content-security-policy"].split("style-src")[1]
    api_body = api(web, tenant, "GET", f"/accounts/{account}/health")
    latest = api_body["latest"]
    tiles = _tiles(page.text)
    assert tiles["Score"] == format_decimal(round(latest["score"], 1), locale="en")
    assert tiles["Band"] == latest["band"]
    change = api_body["change"]
    assert tiles["Change in 7 days"] == f"{change['change']:+.1f}"
    charts = _charts(page.text)
    score = charts["chart-health-score"]["data"][0]
    assert score["y"] == [pytest.approx(p["score"]) for p in api_body["history"]]
    band_lines = [shape["y0"] for shape in charts["chart-health-score"]["layout"]["shapes"]]
    assert band_lines == [40, 70]  # where fair and good start
    components = {t["name"] for t in charts["chart-health-components"]["data"]}
    assert "Billing status (1 active, 0.7 trialing, 0 past due or ended)" in components
    # "why it changed": billing first (the largest change), with its points before and after
    rows = re.findall(r'<tr data-metric="([a-z_]+)">', page.text)
    assert rows[0] == "billing_status" == change["components"][0]["metric"]


def test_an_unscored_account_says_so(web: TestClient, tenant: Tenant, make_user: MakeUser) -> None:
    account = int(api(web, tenant, "POST", "/accounts", name=unique("New "))["id"])
    _signed_in(web, tenant, make_user)
    page = web.get(f"/accounts/{account}/health")
    assert page.status_code == 200
    assert "data-no-health" in page.text


def test_the_account_usage_page(
    web: TestClient, tenant: Tenant, make_user: MakeUser, scenario: dict[str, int]
) -> None:
    """The scenario's events are at 2026-06-01; the page looks at the last 30 days from now,
    so the tiles must equal `GET /accounts/{id}/usage` at the same moment."""
    busy = scenario["busy"]
    _signed_in(web, tenant, make_user, role=Role.VIEWER)
    page = web.get(f"/accounts/{busy}/usage")
    assert page.status_code == 200, page.text
    body = api(web, tenant, "GET", f"/accounts/{busy}/usage")
    tiles = _tiles(page.text)
    assert tiles["MAU"] == str(body["mau"])
    assert tiles["Seats in use"] == f"{body['active_seats']} / {body['licensed_seats']}"
    assert body["licensed_seats"] == 4  # the starter subscription's seats
    assert 'data-figure="chart-usage-users"' in page.text
    assert 'data-figure="chart-usage-seats"' in page.text


def test_the_revenue_dashboard_shows_the_success_metrics(
    web: TestClient, tenant: Tenant, make_user: MakeUser, march: dict[str, int]
) -> None:
    _signed_in(web, tenant, make_user, role=Role.ANALYST)
    page = web.get("/success/revenue", params=MARCH)
    assert page.status_code == 200, page.text
    assert 'href="/success/revenue"' in page.text.split("</nav>")[0]
    body = web.get(
        "/api/v1/metrics/success", params=MARCH | {"group_by": "month"}, headers=tenant.admin
    ).json()
    revenue = body["total"]["revenue"]
    tiles = _tiles(page.text)
    assert tiles["Start MRR"] == "€520.00"
    assert tiles["End MRR"] == "€590.00"
    assert tiles["GRR"] == f"{revenue['grr']:.1f}%"
    assert tiles["NRR"] == f"{revenue['nrr']:.1f}%"
    assert tiles["Logo churn"] == "25.0%"
    waterfall = _charts(page.text)["chart-mrr-waterfall"]["data"][0]
    assert waterfall["type"] == "waterfall"
    assert waterfall["y"] == [520.0, 80.0, 60.0, 50.0, -20.0, -100.0, 590.0]
    assert waterfall["measure"][0] == "absolute"
    assert waterfall["measure"][-1] == "total"
    retention = _charts(page.text)["chart-retention"]["data"]
    assert retention[1]["y"] == [g["revenue"]["nrr"] for g in body["groups"]]
    renewals = re.findall(r'<tr data-renewal="(\d+)">', page.text)
    assert len(renewals) == body["total"]["renewals"][-1]["subscriptions"] == 4
    assert "At risk" in page.text


def test_a_bad_month_is_a_message(web: TestClient, tenant: Tenant, make_user: MakeUser) -> None:
    _signed_in(web, tenant, make_user, role=Role.CSM)
    for params, message in (
        ({"from": "March"}, "Enter months as year-month"),
        ({"from": "2026-05", "to": "2026-01"}, "must not be after"),
        ({"from": "2020-01", "to": "2026-01"}, "at most 36 months"),
    ):
        page = web.get("/success/revenue", params=params)
        assert page.status_code == 400
        assert message in page.text
    bad = web.get("/success/expansion", params={"action": "discount"})
    assert bad.status_code == 400


def test_the_expansion_list(
    web: TestClient, tenant: Tenant, make_user: MakeUser, scenario: dict[str, int]
) -> None:
    _signed_in(web, tenant, make_user, role=Role.CSM)
    page = web.get("/success/expansion")
    assert page.status_code == 200, page.text
    body = web.get("/api/v1/expansion", headers=tenant.admin).json()
    rows = re.findall(r'data-opportunity="([a-z_]+)" data-account="(\d+)"', page.text)
    assert rows == [(o["action"], str(o["account_id"])) for o in body["opportunities"]]
    assert rows  # the add-on rule finds Busy and three peers without sso
    # Page and API read the same stored snapshot of the day (ADR 0044).
    computed = re.findall(r'data-computed-at="([^"]+)"', page.text)
    assert [datetime.fromisoformat(c) for c in computed] == [
        datetime.fromisoformat(body["computed_at"])
    ]
    seats = web.get("/success/expansion", params={"action": "add_seats"}).text
    assert set(re.findall(r'data-opportunity="([a-z_]+)"', seats)) <= {"add_seats"}
    account_page = web.get(f"/accounts/{scenario['busy']}").text
    for link in (f"/accounts/{scenario['busy']}/health", f"/accounts/{scenario['busy']}/usage"):
        assert f'href="{link}"' in account_page


def test_sign_in_and_isolation(
    web: TestClient, tenant: Tenant, other_tenant: Tenant, make_user: MakeUser
) -> None:
    account = _scored_account(web, tenant)
    for path in (f"/accounts/{account}/health", "/success/revenue", "/success/expansion"):
        signed_out = web.get(path, follow_redirects=False)
        assert signed_out.status_code == 303
        assert signed_out.headers["location"].startswith("/login")
    _signed_in(web, other_tenant, make_user)
    assert web.get(f"/accounts/{account}/health").status_code == 404
    assert web.get(f"/accounts/{account}/usage").status_code == 404
    agent_nav = web.get("/success/revenue").text.split("</nav>")[0]
    assert 'href="/success/revenue"' not in agent_nav  # agents can read it, but it is not theirs


def test_the_pages_speak_italian(
    web: TestClient, tenant: Tenant, make_user: MakeUser, march: dict[str, int]
) -> None:
    _signed_in(web, tenant, make_user, role=Role.CSM, locale="it-IT", time_zone="Europe/Rome")
    page = web.get("/success/revenue", params=MARCH).text
    for italian in ("Cruscotto dei ricavi", "MRR iniziale", "520,00", "25,0%"):
        assert italian in page, italian
    assert "Revenue dashboard" not in page


def test_every_message_is_translated() -> None:
    builtin = builtin_catalogues()
    used: set[str] = set()
    for template in (Path(TEMPLATES_DIR) / "success").glob("*.html"):
        used |= {m.group(1) or m.group(2) for m in TEMPLATE_MESSAGE.finditer(template.read_text())}
    for module in (success_charts, revenue_charts):
        source = Path(module.__file__).read_text()
        used |= {m.group(1) or m.group(2) for m in TEMPLATE_MESSAGE.finditer(source)}
    used |= set(success_pages.ERROR_MESSAGES) | set(success_pages.ACTION_LABELS.values())
    used |= {item.label for item in success_pages.NAV}
    assert len(used) > 80
    for language in ("en", "it", "zh", "id"):
        # the cockpit (templates/success/cockpit.html) brings its own catalogue
        known = set(builtin[language]) | set(MESSAGES[language]) | set(COCKPIT[language])
        assert sorted(used - known) == [], language
    assert set(MESSAGES["it"]) == set(MESSAGES["en"]) == set(MESSAGES["zh"]) == set(MESSAGES["id"])
