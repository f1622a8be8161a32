"""The CX dashboard's NPS trend counts every NPS answer once: survey answers (which, about an
account, are also copied to `experience_nps_answers` by the `NpsResponseRecorded` job) and the
answers recorded without a survey (`POST /playbooks/signals/nps`).

Hand-computed, T0 = Monday 2026-03-02 09:00 UTC, period [T0, T0 + 14 days):
- survey answers: 10 (T0) and 4 (T0 + 1 d) by a contact of an account, 6 (T0 + 2 d) by a contact
  without an account (no copy), 9 (T0 + 8 d) by the account's contact;
- signal answers about the account: 7 (T0 + 3 d), 2 (T0 + 9 d).
Week of 2026-03-02: 10, 4, 6, 7 → 1 promoter, 2 detractors of 4 → NPS −25.
Week of 2026-03-09: 9, 2 → 1 promoter, 1 detractor of 2 → NPS 0.
Counting the copies as well would give 6 answers in the first week (NPS 0); reading only the
copies' table would miss the 6 (NPS −33.3 of 3).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.analytics.experience_kpis import nps_weekly
from cxhub.analytics.survey_kpis import nps_answers
from cxhub.experience.connected.models import NpsAnswer
from tests.experience.surveys.helpers import make_account, make_contact, make_survey, post
from tests.factories import Tenant

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PERIOD = {"since": T0.isoformat(), "until": (T0 + 14 * DAY).isoformat()}


def _answer(
    client: TestClient, tenant: Tenant, survey_id: int, contact_id: int, score: int, at: datetime
) -> None:
    post(
        client,
        tenant,
        f"/surveys/{survey_id}/responses",
        {"contact_id": contact_id, "answers": {"nps": score}, "responded_at": at.isoformat()},
    )


def test_every_nps_answer_counts_once(client: TestClient, tenant: Tenant) -> None:
    account = make_account(client, tenant)
    customer = make_contact(client, tenant, account_id=account["id"])
    consumer = make_contact(client, tenant)
    survey = make_survey(client, tenant, kind="nps")
    for contact, score, at in (
        (customer, 10, T0),
        (customer, 4, T0 + DAY),
        (consumer, 6, T0 + 2 * DAY),
        (customer, 9, T0 + 8 * DAY),
    ):
        _answer(client, tenant, survey["id"], contact["id"], score, at)
    for score, at in ((7, T0 + 3 * DAY), (2, T0 + 9 * DAY)):
        signal = client.post(
            "/api/v1/playbooks/signals/nps",
            json={"account_id": account["id"], "score": score, "responded_at": at.isoformat()},
            headers=tenant.admin,
        )
        assert signal.status_code == 202, signal.text
    with tenant.session() as session:
        # the survey answers about the account were copied: the double store is real
        copies = session.scalar(select(func.count()).select_from(NpsAnswer))
        assert copies == 5
        answers = nps_answers(
            session, workspace_id=tenant.workspace_id, since=T0, until=T0 + 14 * DAY
        )
        weeks = nps_weekly(session, workspace_id=tenant.workspace_id, since=T0, until=T0 + 14 * DAY)
    assert sorted(score for _, score in answers) == [2, 4, 6, 7, 9, 10]
    assert [(w.week, w.responses, w.value) for w in weeks] == [
        ("2026-03-02", 4, -25.0),
        ("2026-03-09", 2, 0.0),
    ]
    body = client.get("/api/v1/metrics/experience", params=PERIOD, headers=tenant.admin).json()
    assert [(w["week"], w["responses"], w["value"]) for w in body["nps_weekly"]] == [
        ("2026-03-02", 4, -25.0),
        ("2026-03-09", 2, 0.0),
    ]
    # the survey metric of the same period agrees on the survey answers
    surveys = client.get("/api/v1/metrics/surveys", params=PERIOD, headers=tenant.admin).json()
    assert surveys["metrics"]["nps"]["responses"] == 4


def test_the_period_bounds_and_workspaces_are_respected(
    client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    account = make_account(client, tenant)
    customer = make_contact(client, tenant, account_id=account["id"])
    survey = make_survey(client, tenant, kind="nps")
    _answer(client, tenant, survey["id"], customer["id"], 10, T0 - timedelta(seconds=1))
    _answer(client, tenant, survey["id"], customer["id"], 0, T0)
    with tenant.session() as session:
        weeks = nps_weekly(session, workspace_id=tenant.workspace_id, since=T0, until=T0 + DAY)
    assert [(w.week, w.responses, w.value) for w in weeks] == [("2026-03-02", 1, -100.0)]
    with other_tenant.session() as session:
        assert (
            nps_weekly(session, workspace_id=other_tenant.workspace_id, since=T0, until=T0 + DAY)
            == []
        )
