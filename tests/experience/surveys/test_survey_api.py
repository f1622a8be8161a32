"""Survey routes: definitions with standard questions, validation problems, sending by link,
answering at the signed link, responses, metrics, permissions and workspace isolation."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from tests.api.problems import assert_problem
from tests.experience.surveys.helpers import (
    link_send,
    make_account,
    make_contact,
    make_survey,
    post,
    token_of,
)
from tests.factories import Tenant


def test_a_new_nps_survey_asks_the_standard_question_in_four_languages(
    client: TestClient, tenant: Tenant
) -> None:
    survey = make_survey(client, tenant, kind="nps")
    first = survey["questions"][0]
    assert (first["type"], first["min"], first["max"]) == ("nps", 0, 10)
    assert set(first["texts"]) == {"en", "it", "zh", "id"}
    assert "recommend" in first["texts"]["en"]
    assert survey["questions"][1]["type"] == "text"
    assert survey["public_key"].startswith("cxs_")
    ces = make_survey(client, tenant, kind="ces")
    assert (ces["questions"][0]["min"], ces["questions"][0]["max"]) == (1, 7)
    csat = make_survey(client, tenant, kind="csat")
    assert (csat["questions"][0]["min"], csat["questions"][0]["max"]) == (1, 5)


def test_invalid_definitions_answer_422_with_the_field(client: TestClient, tenant: Tenant) -> None:
    bad = [
        (
            {"name": "x", "kind": "nps", "questions": [{"type": "text", "texts": {"en": "Why?"}}]},
            "questions",
        ),
        (
            {
                "name": "x",
                "kind": "custom",
                "questions": [{"type": "choice", "texts": {"en": "?"}}],
            },
            "questions.0",
        ),
        (
            {
                "name": "x",
                "kind": "custom",
                "questions": [{"type": "text", "texts": {"fr": "Pourquoi ?"}}],
            },
            "questions.0",
        ),
        (
            {"name": "x", "kind": "nps", "languages": ["en"], "default_language": "it"},
            "default_language",
        ),
        ({"name": "x", "kind": "nps", "trigger": {"type": "interaction"}}, "trigger"),
    ]
    for body, field in bad:
        response = client.post("/api/v1/surveys", json=body, headers=tenant.admin)
        problem = assert_problem(response, 422, "validation-error")
        assert str(problem.get("field", "")).startswith(field), (body, problem)
    assert_problem(
        client.post("/api/v1/surveys", json={"name": "x", "kind": "poll"}, headers=tenant.admin),
        422,
        "validation-error",
    )


def test_link_send_answer_and_response_with_timeline(client: TestClient, tenant: Tenant) -> None:
    account = make_account(client, tenant, tier="enterprise")
    contact = make_contact(client, tenant, locale="it-IT", account_id=account["id"])
    survey = make_survey(client, tenant, kind="csat")
    sent = link_send(client, tenant, survey["id"], [contact["id"]], touchpoint="onboarding")
    assert sent["invited"] == 1
    token = token_of(sent["links"][0]["url"])
    page = client.get(f"/s/{token}?score=4")
    assert page.status_code == 200, page.text
    assert "Quanto sei soddisfatto" in page.text  # the contact's language (it)
    assert 'value="4" required checked' in page.text
    thanks = client.post(f"/s/{token}", data={"q_csat": "4", "q_comment": "Ottimo servizio"})
    assert thanks.status_code == 200, thanks.text
    assert "survey-thanks" in thanks.text
    again = client.post(f"/s/{token}", data={"q_csat": "1"})
    assert "survey-answered" in again.text
    listed = client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=tenant.admin).json()
    [response] = listed["items"]
    assert (response["score"], response["language"], response["kind"]) == (4, "it", "csat")
    assert (response["touchpoint"], response["segment"]) == ("onboarding", "enterprise")
    assert response["comment"] == "Ottimo servizio"
    assert response["followup_status"] == "none"
    timeline = client.get(
        f"/api/v1/contacts/{contact['id']}/timeline", headers=tenant.admin
    ).json()["items"]
    item = next(i for i in timeline if i["kind"] == "survey.responded")
    assert item["sentiment"] == 0.5  # 4 on 1..5
    assert item["payload"]["score"] == 4


def test_bad_answers_on_the_page_are_422_and_nothing_is_recorded(
    client: TestClient, tenant: Tenant
) -> None:
    contact = make_contact(client, tenant)
    survey = make_survey(client, tenant, kind="nps")
    token = token_of(link_send(client, tenant, survey["id"], [contact["id"]])["links"][0]["url"])
    bad = client.post(f"/s/{token}", data={"q_nps": "11"})
    assert bad.status_code == 422
    assert "survey-error" in bad.text
    missing = client.post(f"/s/{token}", data={"q_comment": "no score"})
    assert missing.status_code == 422
    listed = client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=tenant.admin).json()
    assert listed["items"] == []
    assert client.get("/s/not-a-token").status_code == 404
    assert client.post("/s/" + "x" * 300, data={"q_nps": "5"}).status_code == 404


def test_recording_through_the_api_validates_against_the_questions(
    client: TestClient, tenant: Tenant
) -> None:
    survey = make_survey(client, tenant, kind="ces")
    path = f"/api/v1/surveys/{survey['id']}/responses"
    ok = client.post(path, json={"answers": {"ces": 6}}, headers=tenant.admin)
    assert ok.status_code == 201, ok.text
    assert ok.json()["contact_id"] is None
    for answers, field in [
        ({"ces": 8}, "answers.ces"),
        ({"nope": 1, "ces": 3}, "answers.nope"),
        ({"ces": True}, "answers.ces"),
        ({}, "answers.ces"),
    ]:
        problem = assert_problem(
            client.post(path, json={"answers": answers}, headers=tenant.admin),
            422,
            "validation-error",
        )
        assert problem["field"] == field
    future = assert_problem(
        client.post(
            path,
            json={"answers": {"ces": 5}, "responded_at": "2999-01-01T00:00:00Z"},
            headers=tenant.admin,
        ),
        422,
        "validation-error",
    )
    assert future["field"] == "responded_at"


def test_roles(client: TestClient, tenant: Tenant) -> None:
    survey = make_survey(client, tenant)
    body = {"name": "n", "kind": "nps"}
    for role in (Role.AGENT, Role.CSM, Role.ANALYST, Role.VIEWER):
        assert_problem(
            client.post("/api/v1/surveys", json=body, headers=tenant.headers(role)),
            403,
            "forbidden",
        )
        assert client.get("/api/v1/surveys", headers=tenant.headers(role)).status_code == 200
    contact = make_contact(client, tenant)
    send = {"contact_ids": [contact["id"]], "channel": "link"}
    assert_problem(
        client.post(
            f"/api/v1/surveys/{survey['id']}/send", json=send, headers=tenant.headers(Role.VIEWER)
        ),
        403,
        "forbidden",
    )
    agent = client.post(
        f"/api/v1/surveys/{survey['id']}/send", json=send, headers=tenant.headers(Role.AGENT)
    )
    assert agent.status_code == 200, agent.text


def test_workspace_isolation(client: TestClient, tenant: Tenant, other_tenant: Tenant) -> None:
    theirs = make_survey(client, other_tenant)
    their_contact = make_contact(client, other_tenant)
    assert_problem(
        client.get(f"/api/v1/surveys/{theirs['id']}", headers=tenant.admin), 404, "not-found"
    )
    assert all(
        s["id"] != theirs["id"] for s in client.get("/api/v1/surveys", headers=tenant.admin).json()
    )
    mine = make_survey(client, tenant)
    problem = assert_problem(
        client.post(
            f"/api/v1/surveys/{mine['id']}/send",
            json={"contact_ids": [their_contact["id"]], "channel": "link"},
            headers=tenant.admin,
        ),
        422,
        "validation-error",
    )
    assert problem["field"] == "contact_ids"
    metrics = client.get(f"/api/v1/metrics/surveys?survey_id={theirs['id']}", headers=tenant.admin)
    assert_problem(metrics, 404, "not-found")


def test_settings_and_inactive_surveys(client: TestClient, tenant: Tenant) -> None:
    saved = client.put("/api/v1/survey-settings", json={"throttle_days": 14}, headers=tenant.admin)
    assert saved.status_code == 200, saved.text
    assert client.get("/api/v1/survey-settings", headers=tenant.admin).json()["throttle_days"] == 14
    assert_problem(
        client.put("/api/v1/survey-settings", json={"throttle_days": -1}, headers=tenant.admin),
        422,
        "validation-error",
    )
    draft = make_survey(client, tenant, status="draft")
    contact = make_contact(client, tenant)
    problem = assert_problem(
        client.post(
            f"/api/v1/surveys/{draft['id']}/send",
            json={"contact_ids": [contact["id"]], "channel": "link"},
            headers=tenant.admin,
        ),
        422,
        "validation-error",
    )
    assert problem["field"] == "status"
    post(client, tenant, "/contacts", {"first_name": "z"})
