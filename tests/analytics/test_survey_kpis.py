"""Survey metrics: the formulas on the worked examples of docs/metrics.md and docs/surveys.md,
`survey_kpis` on hand-made responses (groups, response rate, period bounds, workspaces), and on
real data — 6,123 Olist order reviews — against an independent pandas computation."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from cxhub.analytics.formulas import ces, ces_easy_percent, csat_percent, nps, nps_groups
from cxhub.analytics.survey_kpis import kind_metric, survey_kpis, survey_kpis_cuts, week_start
from cxhub.core.runtime import Runtime
from cxhub.experience.surveys.models import SurveyInvitation, SurveyResponse
from tests.experience.surveys.helpers import make_survey
from tests.factories import Tenant, make_tenant

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def test_the_worked_examples() -> None:
    assert nps([10, 9, 9, 8, 7, 6, 10, 3, 9, 0]) == 20.0
    assert nps_groups([10, 9, 9, 8, 7, 6, 10, 3, 9, 0]) == {
        "promoters": 5,
        "passives": 2,
        "detractors": 3,
    }
    assert csat_percent([5, 4, 3, 5, 2, 4, 1, 5]) == 62.5
    assert ces([6, 5, 7, 3, 6, 2]) == pytest.approx(29 / 6)
    assert ces_easy_percent([6, 5, 7, 3, 6, 2]) == pytest.approx(400 / 6)
    assert nps([]) is None
    assert csat_percent([]) is None
    assert ces([]) is None
    with pytest.raises(ValueError, match="0–10"):
        nps_groups([11])
    with pytest.raises(ValueError, match="1–7"):
        ces_easy_percent([0])
    metric = kind_metric("nps", [10, 9, 9, 8, 7, 6, 10, 3, 9, 0])
    assert (metric.score, metric.share, metric.responses) == (20.0, 50.0, 10)
    assert metric.distribution == {
        0: 1,
        1: 0,
        2: 0,
        3: 1,
        4: 0,
        5: 0,
        6: 1,
        7: 1,
        8: 1,
        9: 3,
        10: 2,
    }
    assert week_start(datetime(2026, 3, 8).date()).isoformat() == "2026-03-02"


def _responses(tenant: Tenant, survey_id: int, rows: list[tuple[str, int, datetime, dict]]) -> None:
    with tenant.session() as session:
        for kind, score, at, extra in rows:
            session.add(
                SurveyResponse(
                    workspace_id=tenant.workspace_id,
                    survey_id=survey_id,
                    kind=kind,
                    score=score,
                    answers={kind: score},
                    channel=extra.get("channel", "email"),
                    touchpoint=extra.get("touchpoint"),
                    journey_stage=extra.get("stage"),
                    segment=extra.get("segment"),
                    plan=extra.get("plan"),
                    responded_at=at,
                    comment=extra.get("comment"),
                    language="en",
                    followup_status=extra.get("followup", "none"),
                )
            )


def test_kpis_on_hand_made_responses(client: TestClient, tenant: Tenant, runtime: Runtime) -> None:
    survey = make_survey(client, tenant, kind="nps")
    week2 = T0 + timedelta(days=7)
    _responses(
        tenant,
        survey["id"],
        [
            ("nps", 10, T0, {"touchpoint": "ticket_solved", "plan": "Pro", "segment": "smb"}),
            ("nps", 9, T0, {"touchpoint": "ticket_solved", "plan": "Pro", "segment": "smb"}),
            (
                "nps",
                3,
                T0 + timedelta(hours=5),
                {"touchpoint": "renewal", "plan": "Basic", "comment": "slow", "followup": "open"},
            ),
            ("nps", 7, week2, {"touchpoint": "renewal", "plan": "Basic", "stage": "renewal"}),
            ("nps", 0, week2, {"channel": "in_product", "followup": "closed"}),
            ("csat", 5, week2, {}),
            ("csat", 2, week2, {}),
            ("nps", 10, T0 + timedelta(days=30), {}),  # outside the period
        ],
    )
    with tenant.session() as session:
        for i in range(10):
            session.add(
                SurveyInvitation(
                    workspace_id=tenant.workspace_id,
                    survey_id=survey["id"],
                    channel="email",
                    language="en",
                    token_sha256=f"{tenant.workspace_id:08d}{i:056d}",
                    status="pending",
                    sent_at=T0,
                    answered_at=T0 if i < 4 else None,
                )
            )
    with tenant.session() as session:
        kpis = survey_kpis(
            session,
            workspace_id=tenant.workspace_id,
            since=T0,
            until=T0 + timedelta(days=14),
            group_by="week",
        )
        by_touchpoint = survey_kpis(
            session,
            workspace_id=tenant.workspace_id,
            since=T0,
            until=T0 + timedelta(days=14),
            group_by="touchpoint",
        )
        by_plan = survey_kpis(
            session,
            workspace_id=tenant.workspace_id,
            since=T0,
            until=T0 + timedelta(days=14),
            group_by="plan",
            kind="nps",
        )
        with pytest.raises(ValueError, match="group_by"):
            survey_kpis(
                session, workspace_id=tenant.workspace_id, since=T0, until=T0, group_by="colour"
            )
    # NPS over 10, 9, 3, 7, 0: promoters 2/5 = 40 %, detractors 2/5 = 40 % → 0
    assert kpis.metrics["nps"].score == 0.0
    assert kpis.metrics["nps"].responses == 5
    assert kpis.metrics["csat"].score == 50.0
    assert (kpis.responses, kpis.comments) == (7, 1)
    assert (kpis.invitations, kpis.answered_invitations, kpis.response_rate) == (10, 4, 0.4)
    assert (kpis.followups_open, kpis.followups_closed) == (1, 1)
    weeks = {g.key: g.metrics["nps"].score for g in kpis.groups}
    # week 1: 10, 9, 3 → (2 − 1) / 3 = +33.3; week 2: 7, 0 → (0 − 1) / 2 = −50
    assert weeks == {"2026-03-02": pytest.approx(100 / 3), "2026-03-09": -50.0}
    touch = {g.key: g.metrics["nps"].score for g in by_touchpoint.groups if "nps" in g.metrics}
    assert touch == {"ticket_solved": 100.0, "renewal": -50.0, "(none)": -100.0}
    assert {g.key: g.metrics["nps"].responses for g in by_plan.groups} == {
        "Pro": 2,
        "Basic": 2,
        "(none)": 1,
    }
    # another workspace sees none of it
    other = make_tenant(runtime)
    with other.session() as session:
        empty = survey_kpis(
            session, workspace_id=other.workspace_id, since=T0, until=T0 + timedelta(days=14)
        )
    assert (empty.responses, empty.metrics, empty.response_rate) == (0, {}, None)


def test_several_cuts_from_one_read_match_the_single_cuts(
    client: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    """`survey_kpis_cuts` (the CX dashboard's survey section) reads the responses and the
    invitations once for all its cuts, and each cut is what `survey_kpis` answers alone."""
    survey = make_survey(client, tenant, kind="nps")
    _responses(
        tenant,
        survey["id"],
        [
            ("nps", 10, T0, {"touchpoint": "ticket_solved", "segment": "smb", "comment": "ok"}),
            ("nps", 3, T0 + timedelta(days=8), {"stage": "renewal", "followup": "open"}),
            ("csat", 4, T0 + timedelta(days=1), {"segment": "enterprise"}),
            ("ces", 6, T0 + timedelta(days=9), {"touchpoint": "onboarding"}),
        ],
    )
    scope = {"workspace_id": tenant.workspace_id, "since": T0, "until": T0 + timedelta(days=14)}
    group_bys = (None, "week", "segment", "journey_stage", "touchpoint")
    statements: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if "survey_responses" in statement or "survey_invitations" in statement:
            statements.append(statement)

    with tenant.session() as session:
        event.listen(runtime.engine, "before_cursor_execute", capture)
        try:
            cuts = survey_kpis_cuts(session, group_bys=group_bys, **scope)
        finally:
            event.remove(runtime.engine, "before_cursor_execute", capture)
        singles = {g: survey_kpis(session, group_by=g, **scope) for g in group_bys}
        with pytest.raises(ValueError, match="group_by"):
            survey_kpis_cuts(session, group_bys=("week", "colour"), **scope)
    assert len(statements) == 2  # the responses, the invitations: not once per cut
    assert list(cuts) == list(group_bys)
    assert cuts == singles
    assert [g.key for g in cuts["week"].groups] == ["2026-03-02", "2026-03-09"]
    assert cuts["week"].responses == 4


def test_the_metrics_route(client: TestClient, tenant: Tenant) -> None:
    survey = make_survey(client, tenant, kind="csat")
    _responses(
        tenant, survey["id"], [("csat", 5, T0, {}), ("csat", 4, T0, {}), ("csat", 1, T0, {})]
    )
    answer = client.get(
        "/api/v1/metrics/surveys",
        params={
            "since": T0.isoformat(),
            "until": (T0 + timedelta(days=1)).isoformat(),
            "group_by": "channel",
        },
        headers=tenant.admin,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["metrics"]["csat"]["score"] == pytest.approx(200 / 3)
    assert body["metrics"]["csat"]["distribution"] == {"1": 1, "2": 0, "3": 0, "4": 1, "5": 1}
    assert body["groups"][0]["key"] == "email"
    for params in (
        {"group_by": "colour"},
        {"since": "2026-03-05T00:00:00Z", "until": "2026-03-01T00:00:00Z"},
        {"since": "not a date"},
        {"kind": "happiness"},
    ):
        bad = client.get("/api/v1/metrics/surveys", params=params, headers=tenant.admin)
        assert bad.status_code == 422, (params, bad.text)
        assert bad.headers["content-type"].startswith("application/problem+json")


@pytest.mark.realdata
def test_olist_reviews_match_an_independent_pandas_computation(
    client: TestClient, tenant: Tenant, shared_data: Path
) -> None:
    """6,123 real order reviews (1–5 stars) as CSAT answers and, with the usual star proxy
    (5 = promoter, 4 = passive, 1–3 = detractor, stored as 10, 8 and 2/4/6), as NPS answers."""
    path = shared_data / "reviews" / "olist-order-reviews-sample.csv"
    frame = pd.read_csv(path)
    frame["at"] = pd.to_datetime(frame["review_answer_timestamp"], utc=True)
    assert len(frame) == 6123  # records (the README counts 6,479 lines: messages span lines)
    csat_survey = make_survey(client, tenant, kind="csat")
    nps_survey = make_survey(client, tenant, kind="nps")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(frame)  # the csv module and pandas read the same records
    with tenant.session() as session:
        for row in rows:
            at = datetime.fromisoformat(row["review_answer_timestamp"]).replace(tzinfo=UTC)
            stars = int(row["review_score"])
            for survey, kind, score in (
                (csat_survey, "csat", stars),
                (nps_survey, "nps", stars * 2),
            ):
                session.add(
                    SurveyResponse(
                        workspace_id=tenant.workspace_id,
                        survey_id=survey["id"],
                        kind=kind,
                        score=score,
                        answers={kind: score},
                        channel="email",
                        language="pt",
                        responded_at=at,
                        comment=row["review_comment_message"] or None,
                    )
                )
    since = datetime(2016, 1, 1, tzinfo=UTC)
    until = datetime(2019, 1, 1, tzinfo=UTC)
    with tenant.session() as session:
        kpis = survey_kpis(
            session, workspace_id=tenant.workspace_id, since=since, until=until, group_by="month"
        )
    expected_csat = 100.0 * (frame["review_score"] >= 4).mean()
    expected_nps = 100.0 * (
        (frame["review_score"] == 5).mean() - (frame["review_score"] <= 3).mean()
    )
    assert kpis.metrics["csat"].responses == len(frame)
    assert kpis.metrics["csat"].score == pytest.approx(expected_csat, abs=1e-9)
    assert kpis.metrics["nps"].score == pytest.approx(expected_nps, abs=1e-9)
    assert kpis.comments == 2 * int(frame["review_comment_message"].notna().sum())
    assert kpis.metrics["csat"].distribution == {
        s: int((frame["review_score"] == s).sum()) for s in range(1, 6)
    }
    monthly = frame.groupby(frame["at"].dt.strftime("%Y-%m"))["review_score"]
    pandas_csat = (monthly.apply(lambda s: 100.0 * (s >= 4).mean())).to_dict()
    pandas_nps = monthly.apply(lambda s: 100.0 * ((s == 5).mean() - (s <= 3).mean())).to_dict()
    ours_csat = {g.key: g.metrics["csat"].score for g in kpis.groups}
    ours_nps = {g.key: g.metrics["nps"].score for g in kpis.groups}
    assert set(ours_csat) == set(pandas_csat)
    for month, value in pandas_csat.items():
        assert ours_csat[month] == pytest.approx(value, abs=1e-9), month
        assert ours_nps[month] == pytest.approx(pandas_nps[month], abs=1e-9), month
    # Recorded for the report: overall values on this sample.
    print(
        f"olist CSAT {kpis.metrics['csat'].score:.2f} % NPS proxy {kpis.metrics['nps'].score:.2f}"
    )
