"""The bands a rescore compares with: each account's latest scored day before today, read from
the scorecard's latest day and, for the accounts that day lacks, by account (not by grouping
the scorecard's whole history)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from cxhub.success.health.models import AccountHealthScore
from cxhub.success.health.rescore import _previous
from tests.factories import Tenant, unique

API = "/api/v1"
TODAY = date(2026, 11, 27)


def _id(client: TestClient, tenant: Tenant, path: str, body: dict[str, Any]) -> int:
    response = client.post(f"{API}{path}", json=body, headers=tenant.admin)
    assert response.status_code in (200, 201), response.text
    return int(response.json()["id"])


def test_an_account_missing_from_the_latest_day_keeps_its_older_band(
    client: TestClient, tenant: Tenant
) -> None:
    definition = {
        "components": [
            {"metric": "billing_status", "weight": 100,
             "points": [{"value": 0, "score": 0}, {"value": 1, "score": 100}]},
        ]
    }  # fmt: skip
    card = _id(
        client, tenant, "/health/scorecards", {"name": unique("C"), "definition": definition}
    )
    first, second, late, never = (
        _id(client, tenant, "/accounts", {"name": unique("A ")}) for _ in range(4)
    )
    scored = [
        (first, 5, "poor", 20.0),
        (second, 5, "good", 90.0),
        (late, 5, "fair", 55.0),
        (late, 3, "good", 80.0),  # its latest: two days after the others' old day
        (first, 1, "good", 85.0),  # the scorecard's latest day lacks `late` (a run cut short)
        (second, 1, "fair", 60.0),
        (first, 0, "fair", 50.0),  # today's own rows are not "previous"
    ]
    with tenant.session() as session:
        session.add_all(
            AccountHealthScore(
                account_id=account, scorecard_id=card, day=TODAY - timedelta(days=ago),
                score=score, band=band, coverage=1.0, components={},
            )
            for account, ago, band, score in scored
        )  # fmt: skip
    with tenant.session() as session:
        previous = _previous(
            session, scorecard_id=card, day=TODAY, account_ids=[first, second, late, never]
        )
        assert previous == {first: ("good", 85.0), second: ("fair", 60.0), late: ("good", 80.0)}
        # Before the first scored day there is nothing to compare with.
        assert _previous(session, scorecard_id=card, day=TODAY - timedelta(days=5),
                         account_ids=[first]) == {}  # fmt: skip
