"""A contact's survey data in the data-subject export, and its erasure: scores stay for the
metrics, words go, links stop working, the throttle clock is deleted; merges keep one clock."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.core.db import utcnow
from cxhub.experience.surveys.models import SurveyContactClock, SurveyResponse
from tests.experience.surveys.helpers import (
    link_send,
    make_account,
    make_contact,
    make_survey,
    token_of,
)
from tests.factories import Tenant


def test_export_then_erasure(client: TestClient, tenant: Tenant) -> None:
    account = make_account(client, tenant)
    contact = make_contact(client, tenant, account_id=account["id"])
    survey = make_survey(client, tenant, kind="nps")
    sent = link_send(client, tenant, survey["id"], [contact["id"]])
    token = token_of(sent["links"][0]["url"])
    assert (
        client.post(
            f"/s/{token}", data={"q_nps": "8", "q_comment": "My name is Ada Lovelace"}
        ).status_code
        == 200
    )
    exported = client.get(f"/api/v1/contacts/{contact['id']}/export", headers=tenant.admin)
    assert exported.status_code == 200, exported.text
    [answer] = exported.json()["survey_responses"]
    assert (answer["score"], answer["comment"]) == (8, "My name is Ada Lovelace")
    erased = client.post(
        f"/api/v1/contacts/{contact['id']}/erase",
        json={"confirm": contact["id"]},
        headers=tenant.admin,
    )
    assert erased.status_code == 200, erased.text
    counts = erased.json()["counts"]
    assert (counts["survey_responses"], counts["survey_invitations"], counts["survey_clocks"]) == (
        1,
        1,
        1,
    )
    with tenant.session() as session:
        row = session.scalar(select(SurveyResponse).where(SurveyResponse.id == answer["id"]))
        assert row is not None
        assert (row.score, row.comment, row.answers) == (8, None, {"nps": 8})
        assert row.contact_id != contact["id"]
        assert (
            session.scalar(
                select(SurveyContactClock).where(SurveyContactClock.contact_id == contact["id"])
            )
            is None
        )
    assert client.get(f"/s/{token}").status_code == 404
    metrics = client.get(
        "/api/v1/metrics/surveys", params={"survey_id": survey["id"]}, headers=tenant.admin
    ).json()
    assert metrics["metrics"]["nps"]["responses"] == 1  # the score still counts


def test_a_merge_keeps_the_later_clock(client: TestClient, tenant: Tenant) -> None:
    winner = make_contact(client, tenant)
    loser = make_contact(client, tenant)
    now = utcnow()
    with tenant.session() as session:
        session.add(
            SurveyContactClock(contact_id=winner["id"], last_surveyed_at=now - timedelta(days=50))
        )
        session.add(SurveyContactClock(contact_id=loser["id"], last_surveyed_at=now))
    merged = client.post(
        f"/api/v1/contacts/{winner['id']}/merge",
        json={"loser_id": loser["id"]},
        headers=tenant.admin,
    )
    assert merged.status_code == 200, merged.text
    with tenant.session() as session:
        clocks = list(
            session.scalars(
                select(SurveyContactClock).where(
                    SurveyContactClock.contact_id.in_((winner["id"], loser["id"]))
                )
            )
        )
        assert [(c.contact_id, c.last_surveyed_at) for c in clocks] == [(winner["id"], now)]
    survey = make_survey(client, tenant)
    assert link_send(client, tenant, survey["id"], [winner["id"]])["throttled"] == 1
