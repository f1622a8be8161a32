"""A survey answer becomes one touchpoint (event -> job): NPS answers carry their score, so
journey rules move a promoter to advocacy and analytics count NPS per stage; the timeline keeps
the survey's own entry only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.experience.journeys.test_api import journey, stages_of
from tests.experience.surveys.helpers import link_send, make_contact, make_survey, token_of
from tests.factories import Tenant


def answer(client: TestClient, tenant: Tenant, kind: str, field: str, score: int) -> int:
    person = make_contact(client, tenant)
    survey = make_survey(client, tenant, kind=kind)
    sent = link_send(client, tenant, survey["id"], [person["id"]], touchpoint="support")
    done = client.post(f"/s/{token_of(sent['links'][0]['url'])}", data={field: str(score)})
    assert done.status_code == 200, done.text
    return int(person["id"])


def test_an_nps_answer_is_a_scored_touchpoint_and_moves_a_promoter(
    client: TestClient, tenant: Tenant
) -> None:
    journey(client, tenant)
    promoter = answer(client, tenant, "nps", "q_nps", 10)
    listed = client.get(
        "/api/v1/touchpoints", params={"contact_id": promoter}, headers=tenant.admin
    ).json()
    [touchpoint] = listed
    assert (touchpoint["kind"], touchpoint["score"], touchpoint["channel"]) == (
        "survey_nps",
        10,
        "other",  # a signed link: no e-mail, portal or in-product channel
    )
    assert touchpoint["details"]["survey_score"] == 10
    assert touchpoint["details"]["touchpoint"] == "support"
    assert stages_of(client, tenant, promoter)["current"]["stage_key"] == "advocacy"
    timeline = client.get(f"/api/v1/contacts/{promoter}/timeline", headers=tenant.admin)
    kinds = [i["kind"] for i in timeline.json()["items"]]
    assert kinds.count("survey.responded") == 1
    assert "survey_nps" not in kinds  # no second entry for the same answer


def test_csat_answers_keep_their_score_out_of_the_nps_scale(
    client: TestClient, tenant: Tenant
) -> None:
    person = answer(client, tenant, "csat", "q_csat", 5)
    [touchpoint] = client.get(
        "/api/v1/touchpoints", params={"contact_id": person}, headers=tenant.admin
    ).json()
    assert (touchpoint["kind"], touchpoint["score"]) == ("survey_csat", None)
    assert (touchpoint["details"]["survey_kind"], touchpoint["details"]["survey_score"]) == (
        "csat",
        5,
    )
