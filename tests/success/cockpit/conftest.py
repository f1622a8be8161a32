"""A CSM's portfolio for the cockpit tests: three accounts (at risk, healthy, unscored),
two renewals, tasks overdue, due soon, later and someone else's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from cxhub.core.permissions import Role
from cxhub.success.health import service as health
from cxhub.success.health.models import AccountHealthScore
from tests.factories import Tenant, unique
from tests.web.browser import browser, live_server  # noqa: F401 - fixtures
from tests.web.conftest import MakeUser, WebUser, api, make_user, web  # noqa: F401 - fixtures


def today() -> date:
    """Read when used, not at import: a run that crosses midnight UTC compares with the code's
    own clock, so a date taken at collection would be a day behind."""
    return datetime.now(UTC).date()


@dataclass(frozen=True)
class Portfolio:
    csm: WebUser
    at_risk: int
    healthy: int
    unscored: int
    overdue_task: int
    soon_task: int
    later_task: int
    foreign_task: int


def _score(
    tenant: Tenant, account_id: int, score: float | None, band: str | None, day: date
) -> None:
    with tenant.session() as session:
        card = health.default_scorecard(session, workspace_id=tenant.workspace_id)
        session.add(
            AccountHealthScore(
                workspace_id=tenant.workspace_id,
                account_id=account_id,
                scorecard_id=card.id,
                day=day,
                score=score,
                band=band,
                coverage=1.0,
                components={},
            )
        )


def _task(
    client: TestClient, tenant: Tenant, account_id: int, title: str, days: int, owner: int
) -> int:
    body = {
        "account_id": account_id,
        "title": title,
        "owner_id": owner,
        "due_on": (today() + timedelta(days=days)).isoformat(),
    }
    return int(api(client, tenant, "POST", "/tasks", **body)["id"])


@pytest.fixture
def portfolio(client: TestClient, tenant: Tenant, make_user: MakeUser) -> Portfolio:  # noqa: F811
    csm = make_user(tenant, role=Role.CSM, name="Cora Success")
    names = {key: unique(f"{key.title()} ") for key in ("healthy", "risk", "unscored")}
    ids = {
        key: int(
            api(client, tenant, "POST", "/accounts", name=name, owner_id=csm.user_id, tier="pro")[
                "id"
            ]
        )
        for key, name in names.items()
    }
    api(client, tenant, "POST", "/accounts", name=unique("Not mine "))
    _score(tenant, ids["risk"], 60.0, "fair", today() - timedelta(days=7))
    _score(tenant, ids["risk"], 22.5, "poor", today())  # the latest score counts
    _score(tenant, ids["healthy"], 85.0, "good", today())
    _score(tenant, ids["unscored"], None, None, today())  # insufficient data: no band
    for key, days in (("risk", 20), ("healthy", 70), ("unscored", 200)):
        api(
            client,
            tenant,
            "POST",
            "/subscriptions",
            account_id=ids[key],
            plan="pro",
            currency="EUR",
            mrr_cents=10_000,
            started_on=(today() - timedelta(days=300)).isoformat(),
            renewal_on=(today() + timedelta(days=days)).isoformat(),
        )
    other = tenant.user_ids[Role.ADMIN]
    return Portfolio(
        csm=csm,
        at_risk=ids["risk"],
        healthy=ids["healthy"],
        unscored=ids["unscored"],
        overdue_task=_task(client, tenant, ids["risk"], "Call the sponsor", -3, csm.user_id),
        soon_task=_task(client, tenant, ids["healthy"], "Send the QBR deck", 2, csm.user_id),
        later_task=_task(client, tenant, ids["healthy"], "Plan next year", 30, csm.user_id),
        foreign_task=_task(client, tenant, ids["risk"], "Someone else's", -1, other),
    )
