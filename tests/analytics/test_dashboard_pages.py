"""The service dashboard page: numbers straight from `service_kpis`, roles, period validation,
breakdowns, drill-down links, "—" for undefined values, the plotly.js asset route."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.analytics import dashboard_charts
from cxhub.analytics.service_kpis import KpiGroup, service_kpis
from cxhub.core.permissions import Role
from cxhub.service.tickets.models import Ticket, TicketStatus
from cxhub.web.assets import plotly_version
from cxhub.web.formatting import LocalFormat, babel_locale, zone
from cxhub.web.i18n import builtin_catalogues
from tests.factories import Tenant, unique
from tests.web.conftest import MakeUser, api, sign_in

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
MARCH = {"period": "custom", "from": "2026-03-01", "to": "2026-03-31"}
EN = LocalFormat(babel_locale("en", "en"), zone("UTC"))


def _ticket(client: TestClient, tenant: Tenant, **body: Any) -> int:
    payload = {
        "subject": f"s {unique('t')}",
        "description": "d",
        "requester": {"emails": [f"{unique('k')}@example.com"]},
        **body,
    }
    return int(api(client, tenant, "POST", "/tickets", **payload)["id"])


def _set(tenant: Tenant, ticket_id: int, **values: Any) -> None:
    with tenant.session() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.id == ticket_id))
        assert ticket is not None
        for name, value in values.items():
            setattr(ticket, name, value)


def _march(client: TestClient, tenant: Tenant) -> None:
    """A: email, first reply 1 h, solved after 2 h, one touch. B: email, first reply 3 h,
    solved after 5 h, reopened, two replies. C: web, first reply 2 h, open. D: web, no reply."""
    a = _ticket(client, tenant, channel="email")
    b = _ticket(client, tenant, channel="email")
    c = _ticket(client, tenant, channel="web")
    d = _ticket(client, tenant, channel="web")
    solved = TicketStatus.SOLVED
    _set(tenant, a, created_at=T0, first_replied_at=T0 + H, solved_at=T0 + 2 * H)
    _set(tenant, a, status=solved, agent_reply_count=1)
    _set(tenant, b, created_at=T0, first_replied_at=T0 + 3 * H, solved_at=T0 + 5 * H)
    _set(tenant, b, status=solved, agent_reply_count=2, reopen_count=1)
    _set(tenant, c, created_at=T0 + 24 * H, first_replied_at=T0 + 26 * H)
    _set(tenant, d, created_at=T0 + 24 * H)


def _tiles(page: str) -> list[tuple[str, str]]:
    found = re.findall(
        r'<div class="tile">\s*<dt>([^<]*)</dt>\s*<dd>(?:<a [^>]*>|<span class="tile-value">)([^<]*)<',
        page,
    )
    return [(html.unescape(label), html.unescape(value)) for label, value in found]


def test_an_analyst_sees_the_numbers_service_kpis_computes(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    _march(web, tenant)
    analyst = make_user(tenant, role=Role.ANALYST, name="Ana Lyst")
    assert sign_in(web, analyst).status_code == 303
    page = web.get("/service/dashboard", params=MARCH)
    assert page.status_code == 200
    start = datetime(2026, 3, 1, tzinfo=UTC)
    with tenant.session() as session:
        kpis = service_kpis(
            session,
            workspace_id=tenant.workspace_id,
            start=start,
            end=start + timedelta(days=31),
        )[0]
    tiles = dict(_tiles(page.text)[:3])
    assert tiles == {"Created": "4", "Solved": "2", "Backlog now": "2"}
    assert (kpis.created, kpis.solved, kpis.backlog_now) == (4, 2, 2)
    values = [value for _, value in _tiles(page.text)]
    assert values[3] == EN.duration(kpis.first_reply["median"]) == "2 hr"
    assert EN.duration(kpis.resolution["median"]) == "3.5 hr" == values[5]
    assert EN.percent(kpis.reopen_rate) == "50.0%"
    assert "50.0%" in values
    assert EN.percent(kpis.one_touch_rate) == "50.0%"
    # no SLA policy and no ratings: undefined, never 0
    assert ("SLA compliance", "—") in _tiles(page.text)
    assert ("CSAT", "—") in _tiles(page.text)
    # the channel chart: email and web, two each, each bar linking to the filtered inbox
    chart = re.search(r'id="chart-channel" data-chart="([^"]*)"', page.text)
    assert chart is not None
    spec = json.loads(html.unescape(chart.group(1)))
    bars = spec["data"][0]
    assert bars["x"] == ["Email", "Web"]
    assert bars["y"] == [2.0, 2.0]
    assert bars["customdata"][0].startswith("/tickets?view=all&channel=email&created_from=2026-03")
    # the volume chart has every day of March, both days with tickets counted
    volume = re.search(r'id="chart-volume" data-chart="([^"]*)"', page.text)
    assert volume is not None
    created = json.loads(html.unescape(volume.group(1)))["data"][0]
    assert len(created["x"]) == 31
    assert created["y"][1] == 2.0
    assert created["y"][2] == 2.0
    assert sum(created["y"]) == 4
    assert f'<script src="/assets/plotly-{plotly_version()}.min.js" defer></script>' in page.text


def test_per_agent_workload_names_people_and_links_to_their_tickets(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    agent = make_user(tenant, name="Wendy Workload")
    mine = _ticket(web, tenant, assignee_id=agent.user_id)
    _ticket(web, tenant)
    assert sign_in(web, agent).status_code == 303
    page = web.get("/service/dashboard", params={"period": "7", "group_by": "assignee"}).text
    assert "Workload per agent" in page
    row = re.search(rf'<tr data-key="{agent.user_id}">(.*?)</tr>', page, re.S)
    assert row is not None
    assert "Wendy Workload" in row.group(1)
    assert f"/tickets?view=all-unsolved&amp;assignee_id={agent.user_id}" in row.group(1)
    assert "Unassigned" in page
    inbox = web.get(f"/tickets?view=all-unsolved&assignee_id={agent.user_id}").text
    subject = api(web, tenant, "GET", f"/tickets/{mine}")["subject"]
    assert subject in inbox
    for group_by in ("team", "channel", "priority", "day"):
        assert web.get("/service/dashboard", params={"group_by": group_by}).status_code == 200


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "custom", "from": "2026-03-31", "to": "2026-03-01"}, "The start date must"),
        ({"period": "custom", "from": "31/03/2026", "to": "2026-04-01"}, "year-month-day"),
        ({"period": "custom", "from": "", "to": ""}, "year-month-day"),
        ({"period": "custom", "from": "2020-01-01", "to": "2026-01-01"}, "at most 3 years"),
        ({"period": "12"}, "Choose 7, 30 or 90 days"),
        ({"group_by": "none"}, "Choose a breakdown"),
        ({"group_by": "weather"}, "Choose a breakdown"),
    ],
)
def test_a_bad_period_shows_a_message_not_an_error(
    web: TestClient, signed_in: Any, params: dict[str, str], message: str
) -> None:
    page = web.get("/service/dashboard", params=params)
    assert page.status_code == 400
    assert message in page.text
    assert "data-period-error" in page.text
    assert 'action="/service/dashboard"' in page.text  # the form is there to fix it


def test_who_sees_the_dashboard(web: TestClient, tenant: Tenant, make_user: MakeUser) -> None:
    signed_out = web.get("/service/dashboard", follow_redirects=False)
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/login?next=/service/dashboard"
    for role in Role:  # every role may read tickets, so every role may open the page …
        user = make_user(tenant, role=role)
        assert sign_in(web, user).status_code == 303
        page = web.get("/service/dashboard")
        assert page.status_code == 200, role
        # … but only agents, admins and analysts find it in the navigation
        in_nav = 'href="/service/dashboard"' in page.text.split("</nav>")[0]
        assert in_nav == (role in {Role.AGENT, Role.ADMIN, Role.ANALYST}), role
        web.cookies.clear()


def test_the_dashboard_speaks_italian(web: TestClient, tenant: Tenant, make_user: MakeUser) -> None:
    _march(web, tenant)
    user = make_user(tenant, locale="it-IT", time_zone="Europe/Rome", name="Giulia Rossi")
    assert sign_in(web, user).status_code == 303
    page = web.get("/service/dashboard", params=MARCH).text
    for italian in ("Cruscotto del servizio", "Arretrato attuale", "50,0%", "3,5 h"):
        assert italian in page, italian
    assert "Backlog now" not in page


def test_chart_texts_are_in_the_catalogue() -> None:
    english = set(builtin_catalogues()["en"])
    asked: list[str] = []

    def translate(message: str, **_: object) -> str:
        asked.append(message)
        return message

    start = datetime(2026, 3, 1, tzinfo=UTC)
    charts = dashboard_charts.build_charts(
        total=KpiGroup(
            key=None, sla={"first_reply": {"achieved": 0, "breached": 0, "compliance": None}}
        ),
        by_day=[],
        by_channel=[],
        start=start,
        end=start + timedelta(days=2),
        fmt=EN,
        translate=translate,
        inbox_url=lambda *a, **k: "/tickets",
    )
    assert [c.id for c in charts] == [
        "chart-volume",
        "chart-first-reply",
        "chart-sla",
        "chart-csat",
        "chart-channel",
    ]
    assert set(asked) <= english
    assert charts[3].empty
    assert not charts[0].empty
    assert charts[2].series[0].texts == ["—"]  # a compliance of nothing is "—", not 0 %


def test_plotly_js_is_served_from_the_installed_package_with_a_long_cache(
    web: TestClient,
) -> None:
    version = plotly_version()
    assert version is not None
    response = web.get(f"/assets/plotly-{version}.min.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/javascript")
    assert "plotly.js" in response.text[:200]
    assert web.get("/assets/plotly-0.0.1.min.js").status_code == 404
