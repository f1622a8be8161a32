"""In-product surveys: the embeddable snippet, and the public API authenticated by the survey's
public key (or the workspace write key), answering CORS simple requests and preflights, with
sampling and the workspace throttle for known contacts and problem bodies for bad input."""

from __future__ import annotations

import base64
import json

from fastapi.testclient import TestClient

from tests.api.problems import assert_problem
from tests.experience.surveys.helpers import make_contact, make_survey, post
from tests.factories import Tenant, unique


def _post(client: TestClient, path: str, body: object, **headers: str) -> object:
    return client.post(
        f"/api/v1/public/surveys/{path}",
        content=json.dumps(body),
        headers={"Content-Type": "text/plain", "Origin": "https://app.example.com", **headers},
    )


def test_the_snippet_is_served_with_cors(client: TestClient) -> None:
    script = client.get("/embed/survey.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["access-control-allow-origin"] == "*"
    assert "/api/v1/public/surveys/" in script.text
    assert 'credentials: "omit"' in script.text


def test_a_known_user_is_shown_the_survey_once_and_answers_it(
    client: TestClient, tenant: Tenant
) -> None:
    user_id = unique("user-")
    contact = make_contact(client, tenant, locale="zh-CN", external_ids=[user_id])
    survey = make_survey(client, tenant, kind="nps")
    key = survey["public_key"]
    preflight = client.options(
        f"/api/v1/public/surveys/{key}/display",
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    shown = _post(client, f"{key}/display", {"user_id": user_id, "touchpoint": "dashboard"})
    assert shown.status_code == 200, shown.text  # type: ignore[attr-defined]
    assert shown.headers["access-control-allow-origin"] == "*"  # type: ignore[attr-defined]
    body = shown.json()  # type: ignore[attr-defined]
    assert (body["show"], body["language"]) == (True, "zh")
    assert "推荐" in body["questions"][0]["text"]
    assert "{brand}" not in body["questions"][0]["text"]
    again = _post(client, f"{key}/display", {"user_id": user_id}).json()  # type: ignore[attr-defined]
    assert (again["show"], again["reason"]) == (False, "throttled")
    answered = _post(
        client,
        f"{key}/responses",
        {"token": body["token"], "answers": {"nps": 10, "comment": "很好"}},
    )
    assert answered.status_code == 201, answered.text  # type: ignore[attr-defined]
    assert answered.headers["access-control-allow-origin"] == "*"  # type: ignore[attr-defined]
    listed = client.get(f"/api/v1/surveys/{survey['id']}/responses", headers=tenant.admin).json()
    [row] = listed["items"]
    assert (row["contact_id"], row["channel"], row["score"]) == (contact["id"], "in_product", 10)
    assert row["touchpoint"] == "dashboard"
    replay = _post(client, f"{key}/responses", {"token": body["token"], "answers": {"nps": 1}})
    assert_problem(replay, 422, "validation-error")


def test_anonymous_visitors_and_bad_input(client: TestClient, tenant: Tenant) -> None:
    survey = make_survey(client, tenant, kind="csat")
    key = survey["public_key"]
    shown = _post(client, f"{key}/display", {"anonymous_id": "a1"}).json()  # type: ignore[attr-defined]
    assert (shown["show"], shown["token"]) == (True, None)
    anonymous = _post(client, f"{key}/responses", {"answers": {"csat": 5}})
    assert anonymous.status_code == 201  # type: ignore[attr-defined]
    for body, field in [
        ({"answers": {"csat": 9}}, "answers.csat"),
        ({"answers": "x"}, "answers"),
        ({"answers": {}, "extra": 1}, "extra"),
    ]:
        problem = assert_problem(_post(client, f"{key}/responses", body), 422, "validation-error")
        assert problem["field"] == field
    not_json = client.post(
        f"/api/v1/public/surveys/{key}/responses",
        content=b"{nope",
        headers={"Content-Type": "text/plain"},
    )
    assert_problem(not_json, 422, "validation-error")
    unknown = _post(client, "cxs_unknown/display", {})
    assert_problem(unknown, 404, "not-found")
    assert unknown.headers["access-control-allow-origin"] == "*"  # type: ignore[attr-defined]
    post(client, tenant, "/surveys", {"name": "draft", "kind": "nps", "status": "draft"})
    drafts = client.get("/api/v1/surveys?status=draft", headers=tenant.admin).json()
    assert_problem(_post(client, f"{drafts[0]['public_key']}/display", {}), 404, "not-found")


def test_the_write_key_authenticates_server_side_calls(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    survey = make_survey(client, tenant, kind="ces")
    secret = post(client, tenant, "/tracking/write-keys", {"name": "app"})["write_key"]
    theirs = post(client, other_tenant, "/tracking/write-keys", {"name": "app"})["write_key"]
    auth = "Basic " + base64.b64encode(f"{secret}:".encode()).decode()
    ok = _post(client, f"{survey['id']}/responses", {"answers": {"ces": 2}}, Authorization=auth)
    assert ok.status_code == 201, ok.text  # type: ignore[attr-defined]
    wrong = "Basic " + base64.b64encode(f"{theirs}:".encode()).decode()
    assert_problem(
        _post(client, f"{survey['id']}/responses", {"answers": {"ces": 2}}, Authorization=wrong),
        404,
        "not-found",
    )
    assert_problem(
        _post(client, f"{survey['id']}/responses", {"answers": {"ces": 2}}), 404, "not-found"
    )
