"""Close the loop: unhappy answers (NPS 0–6, CSAT 1–2, CES 1–3, a negative comment) open one
follow-up owned by the account's CSM (else the configured owner), a task on the account or a
ticket without one; completing the task or solving the ticket closes the loop. NPS answers feed
the success domain's `nps_detractor` playbooks."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.core.permissions import Role
from cxhub.experience.surveys import followups
from cxhub.experience.surveys.models import SurveyResponse
from cxhub.success.tasks.models import CsmTask
from tests.api.problems import assert_problem
from tests.experience.surveys.helpers import make_account, make_contact, make_survey, post
from tests.factories import Tenant


def _answer(
    client: TestClient,
    tenant: Tenant,
    survey: dict[str, Any],
    contact_id: int | None,
    **answers: Any,
) -> dict[str, Any]:
    return post(
        client,
        tenant,
        f"/surveys/{survey['id']}/responses",
        {"contact_id": contact_id, "answers": answers},
    )


def test_a_detractor_gets_a_task_for_the_csm_and_completing_it_closes_the_loop(
    client: TestClient, tenant: Tenant
) -> None:
    csm = tenant.user_ids[Role.CSM]
    account = make_account(client, tenant, owner_id=csm)
    contact = make_contact(client, tenant, account_id=account["id"])
    survey = make_survey(client, tenant, kind="nps")
    answer = _answer(client, tenant, survey, contact["id"], nps=3, comment="Too slow")
    assert (answer["followup_status"], answer["followup_reason"]) == ("open", "detractor")
    assert answer["followup_owner_id"] == csm
    task = client.get(f"/api/v1/tasks/{answer['followup_task_id']}", headers=tenant.admin).json()
    assert (task["account_id"], task["owner_id"], task["source"]) == (account["id"], csm, "survey")
    assert "Too slow" in task["notes"]
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=tenant.admin)
    assert done.status_code == 200, done.text
    closed = client.get(f"/api/v1/survey-responses/{answer['id']}", headers=tenant.admin).json()
    assert closed["followup_status"] == "closed"
    assert closed["followup_closed_at"] is not None
    assert_problem(
        client.post(f"/api/v1/survey-responses/{answer['id']}/close-loop", headers=tenant.admin),
        422,
        "validation-error",
    )


def test_thresholds_per_kind(client: TestClient, tenant: Tenant) -> None:
    account = make_account(client, tenant)
    cases = [
        ("nps", 6, "open"),
        ("nps", 7, "none"),
        ("csat", 2, "open"),
        ("csat", 3, "none"),
        ("ces", 3, "open"),
        ("ces", 4, "none"),
        ("ces", 7, "none"),
    ]
    for kind, score, expected in cases:
        survey = make_survey(client, tenant, kind=kind)
        contact = make_contact(client, tenant, account_id=account["id"])
        answer = _answer(client, tenant, survey, contact["id"], **{kind: score})
        assert answer["followup_status"] == expected, (kind, score)


def test_without_an_account_owner_the_configured_owner_gets_it_once(
    client: TestClient, tenant: Tenant
) -> None:
    owner = tenant.user_ids[Role.AGENT]
    client.put("/api/v1/survey-settings", json={"followup_owner_id": owner}, headers=tenant.admin)
    account = make_account(client, tenant)
    contact = make_contact(client, tenant, account_id=account["id"])
    survey = make_survey(client, tenant, kind="csat")
    answer = _answer(client, tenant, survey, contact["id"], csat=1)
    assert answer["followup_owner_id"] == owner
    with tenant.session() as session:
        row = session.get(SurveyResponse, answer["id"])
        assert row is not None
        assert not followups.open_followup(
            session, response=row, reason="negative_comment", survey_name="again"
        )
        tasks = session.scalar(select(func.count()).where(CsmTask.account_id == account["id"]))
        assert tasks == 1


def test_a_contact_without_account_gets_a_ticket_and_solving_it_closes_the_loop(
    client: TestClient, tenant: Tenant
) -> None:
    contact = make_contact(client, tenant)
    survey = make_survey(client, tenant, kind="nps")
    answer = _answer(client, tenant, survey, contact["id"], nps=0)
    assert answer["followup_task_id"] is None
    ticket_id = answer["followup_ticket_id"]
    ticket = client.get(f"/api/v1/tickets/{ticket_id}", headers=tenant.admin).json()
    assert ticket["requester_id"] == contact["id"]
    assert "survey-followup" in ticket["tags"]
    solved = client.patch(
        f"/api/v1/tickets/{ticket_id}", json={"status": "solved"}, headers=tenant.admin
    )
    assert solved.status_code == 200, solved.text
    closed = client.get(f"/api/v1/survey-responses/{answer['id']}", headers=tenant.admin).json()
    assert closed["followup_status"] == "closed"


def test_anonymous_answers_open_nothing(client: TestClient, tenant: Tenant) -> None:
    survey = make_survey(client, tenant, kind="nps")
    answer = _answer(client, tenant, survey, None, nps=0)
    assert answer["followup_status"] == "none"


def test_a_negative_comment_on_a_good_score_opens_a_follow_up(
    client: TestClient, tenant: Tenant
) -> None:
    account = make_account(client, tenant)
    contact = make_contact(client, tenant, account_id=account["id"])
    survey = make_survey(client, tenant, kind="nps")
    answer = _answer(
        client,
        tenant,
        survey,
        contact["id"],
        nps=9,
        comment="This is terrible, awful service, I hate it. Very disappointed and angry.",
    )
    # the analysis job ran after the commit (sync jobs in tests)
    row = client.get(f"/api/v1/survey-responses/{answer['id']}", headers=tenant.admin).json()
    assert row["sentiment"] == "negative"
    assert (row["followup_status"], row["followup_reason"]) == ("open", "negative_comment")
    analyses = client.get(f"/api/v1/contacts/{contact['id']}/text-analyses", headers=tenant.admin)
    assert analyses.status_code == 200, analyses.text
    stored = [a for a in analyses.json()["items"] if a["source_type"] == "survey_comment"]
    assert [(a["source_id"], a["sentiment"]) for a in stored] == [(answer["id"], "negative")]
    happy = make_contact(client, tenant, account_id=account["id"])
    fine = _answer(client, tenant, survey, happy["id"], nps=10, comment="Great product, love it!")
    fine_row = client.get(f"/api/v1/survey-responses/{fine['id']}", headers=tenant.admin).json()
    assert (fine_row["sentiment"], fine_row["followup_status"]) == ("positive", "none")


def test_nps_answers_fire_the_nps_detractor_playbook(client: TestClient, tenant: Tenant) -> None:
    account = make_account(client, tenant)
    contact = make_contact(client, tenant, account_id=account["id"])
    book = post(
        client,
        tenant,
        "/playbooks",
        {
            "name": "Detractors",
            "trigger": {"type": "nps_detractor", "max_score": 6},
            "actions": [
                {"type": "create_task", "title": "Call {{ account.name }}", "due_in_days": 1}
            ],
        },
    )
    survey = make_survey(client, tenant, kind="nps")
    _answer(client, tenant, survey, contact["id"], nps=2)
    runs = client.get(f"/api/v1/playbooks/{book['id']}/runs", headers=tenant.admin).json()
    assert len(runs["items"]) == 1
    assert runs["items"][0]["facts"]["score"] == 2
    csat = make_survey(client, tenant, kind="csat")
    _answer(client, tenant, csat, contact["id"], csat=1)  # not NPS: the playbook stays quiet
    runs = client.get(f"/api/v1/playbooks/{book['id']}/runs", headers=tenant.admin).json()
    assert len(runs["items"]) == 1


def test_the_follow_up_is_due_two_days_after_the_answer_not_after_recording(
    client: TestClient, tenant: Tenant
) -> None:
    """An answer captured elsewhere and recorded later keeps the deadline it had."""
    account = make_account(client, tenant, owner_id=tenant.user_ids[Role.CSM])
    contact = make_contact(client, tenant, account_id=account["id"])
    survey = make_survey(client, tenant, kind="nps")
    answered = post(
        client,
        tenant,
        f"/surveys/{survey['id']}/responses",
        {
            "contact_id": contact["id"],
            "answers": {"nps": 2},
            "responded_at": "2026-03-10T18:00:00Z",
        },
    )
    task = client.get(f"/api/v1/tasks/{answered['followup_task_id']}", headers=tenant.admin).json()
    assert task["due_on"] == "2026-03-12"
