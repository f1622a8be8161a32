"""Sampling (deterministic) and the workspace-wide throttle: once per N days across all
surveys, enforced in `claim_contact`, including two sends racing for the same contact."""

from __future__ import annotations

import threading
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.core.db import utcnow
from cxhub.core.runtime import Runtime
from cxhub.experience.surveys.distribution import claim_contact, sampled
from cxhub.experience.surveys.models import SurveyContactClock
from tests.experience.surveys.helpers import link_send, make_contact, make_survey
from tests.factories import Tenant


def test_sampling_is_deterministic_and_close_to_the_percentage() -> None:
    decisions = [sampled(survey_id=7, contact_id=c, percent=30, salt="d") for c in range(10_000)]
    again = [sampled(survey_id=7, contact_id=c, percent=30, salt="d") for c in range(10_000)]
    assert decisions == again
    assert 2_850 <= sum(decisions) <= 3_150  # 30 % ± 1.5 points on 10,000 draws
    assert all(sampled(survey_id=7, contact_id=c, percent=100) for c in range(100))
    assert not any(sampled(survey_id=7, contact_id=c, percent=0) for c in range(100))
    # another salt (a new ticket, another day) re-draws
    other = [sampled(survey_id=7, contact_id=c, percent=30, salt="e") for c in range(10_000)]
    assert other != decisions


def test_the_throttle_spans_all_surveys(client: TestClient, tenant: Tenant) -> None:
    client.put("/api/v1/survey-settings", json={"throttle_days": 30}, headers=tenant.admin)
    contact = make_contact(client, tenant)
    nps = make_survey(client, tenant, kind="nps")
    csat = make_survey(client, tenant, kind="csat")
    first = link_send(client, tenant, nps["id"], [contact["id"]])
    assert first["invited"] == 1
    second = link_send(client, tenant, csat["id"], [contact["id"]])
    assert (second["invited"], second["throttled"]) == (0, 1)
    assert second["links"] == []


def test_sampling_leaves_contacts_out_without_spending_their_throttle(
    client: TestClient, tenant: Tenant
) -> None:
    none_sampled = make_survey(client, tenant, sample_percent=0)
    contact = make_contact(client, tenant)
    report = link_send(client, tenant, none_sampled["id"], [contact["id"]])
    assert (report["invited"], report["not_sampled"]) == (0, 1)
    everyone = make_survey(client, tenant, sample_percent=100)
    assert link_send(client, tenant, everyone["id"], [contact["id"]])["invited"] == 1


def test_claim_window_boundaries(tenant: Tenant, client: TestClient) -> None:
    contact = make_contact(client, tenant)
    now = utcnow()
    with tenant.session() as session:
        kwargs = {"workspace_id": tenant.workspace_id, "contact_id": contact["id"]}
        assert claim_contact(session, now=now, throttle_days=10, **kwargs)
        assert not claim_contact(session, now=now + timedelta(days=9), throttle_days=10, **kwargs)
        assert claim_contact(session, now=now + timedelta(days=10), throttle_days=10, **kwargs)
        # throttle 0: every send claims
        later = now + timedelta(days=10, seconds=1)
        assert claim_contact(session, now=later, throttle_days=0, **kwargs)


def test_two_racing_claims_survey_the_contact_once(
    runtime: Runtime, tenant: Tenant, client: TestClient
) -> None:
    """Two sessions claim the same contact at once, each in its own transaction; exactly one
    wins, both for the first claim (INSERT vs unique constraint) and a later one (conditional
    UPDATE)."""
    contact = make_contact(client, tenant)
    for round_, at in enumerate((utcnow(), utcnow() + timedelta(days=40))):
        barrier = threading.Barrier(2)
        results: list[bool] = []
        lock = threading.Lock()

        def claim(at=at, barrier=barrier, results=results, lock=lock) -> None:
            with tenant.session() as session:
                barrier.wait()
                won = claim_contact(
                    session,
                    workspace_id=tenant.workspace_id,
                    contact_id=contact["id"],
                    now=at,
                    throttle_days=30,
                )
                with lock:
                    results.append(won)

        threads = [threading.Thread(target=claim) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(results) == [False, True], (round_, results)
    with tenant.session() as session:
        rows = session.scalar(
            select(func.count()).where(SurveyContactClock.contact_id == contact["id"])
        )
        assert rows == 1
