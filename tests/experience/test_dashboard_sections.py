"""The CX dashboard's survey, journey and discovered-topic sections show the numbers of the
survey metrics and journey analytics APIs (same definitions), and degrade to a clear empty
state when a workspace has no journey yet."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.experience.journeys.test_api import journey
from tests.experience.surveys.helpers import link_send, make_contact, make_survey, token_of
from tests.experience.test_pages import _signed_in
from tests.factories import Tenant
from tests.web.conftest import MakeUser


def _answer(web: TestClient, tenant: Tenant, score: int, touchpoint: str) -> None:
    person = make_contact(web, tenant)
    survey = make_survey(web, tenant, kind="nps")
    sent = link_send(web, tenant, survey["id"], [person["id"]], touchpoint=touchpoint)
    done = web.post(f"/s/{token_of(sent['links'][0]['url'])}", data={"q_nps": str(score)})
    assert done.status_code == 200, done.text


def _row(page: str, cut: str, key: str) -> list[str]:
    block = re.search(rf'data-survey-cut="{cut}".*?</table>', page, re.S)
    assert block is not None, cut
    row = re.search(rf'<tr data-key="{key}">(.*?)</tr>', block.group(0), re.S)
    assert row is not None, (cut, key)
    return re.findall(r'<td class="num">([^<]*)</td>', row.group(1))


def test_survey_and_journey_sections_match_their_apis(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    journey(web, tenant)
    for score in (10, 9, 3):  # 2 promoters, 1 detractor: NPS 33.3
        _answer(web, tenant, score, "support")
    _answer(web, tenant, 10, "onboarding")  # NPS 100
    api = web.get("/api/v1/metrics/surveys", params={"group_by": "touchpoint"},
                  headers=tenant.admin).json()  # fmt: skip
    by_key = {g["key"]: g["metrics"]["nps"]["score"] for g in api["groups"]}
    assert round(by_key["support"], 1) == 33.3
    assert by_key["onboarding"] == 100.0
    _signed_in(web, tenant, make_user, Role.ANALYST)
    page = web.get("/experience", params={"period": "30"})
    assert page.status_code == 200, page.text
    nps, csat, ces, responses = _row(page.text, "touchpoint", "support")
    assert (nps, csat, ces, responses) == ("33.3", "—", "—", "3")
    assert _row(page.text, "touchpoint", "onboarding")[0] == "100"
    assert 'id="cx-survey-nps"' in page.text
    # The promoters reached advocacy (survey answers are touchpoints): the funnel is drawn.
    assert 'data-chart-card="cx-journey-funnel"' in page.text
    stages = re.search(r"data-journey-stages>.*?</table>", page.text, re.S)
    assert stages is not None
    assert re.search(r"Advocacy</th><td class=\"num\">100</td>", stages.group(0))


def test_without_a_journey_the_section_says_so(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    _signed_in(web, tenant, make_user, Role.ANALYST)
    page = web.get("/experience", params={"period": "30"})
    assert page.status_code == 200, page.text
    assert "No active journey yet." in page.text
    assert 'data-section="discovered_topics"' in page.text
    # plotly's styles come as a file (the CSP blocks the ones it would add inline)
    link = re.search(r'<link rel="stylesheet" href="(/assets/plotly-[^"]+\.css)">', page.text)
    assert link is not None
    css = web.get(link.group(1))
    assert css.status_code == 200
    assert ".js-plotly-plot" in css.text
