"""Connected-experience metrics on a hand-computed set of tickets (docs/metrics.md).

Window 7 days, period [T0, T0 + 30 days), T0 a Monday.

customer A: T1 email  T0       billing "My invoice INV-20261 is wrong"  solved, 1 reply
            T2 chat   T0+2d    billing "Hello, invoice INV-20261 still wrong"  solved, 1 reply
            T3 email  T0+20d   billing (more than 7 days after T2)
            spam      T0+1d    billing (not counted)
customer B: T4 web    T0+1d    topic account_access (analysis), a second message by phone;
                               solved with 2 replies
            T5 web    T0+3d    type "other" but analysis topic account_access
customer C: T6 web    T0-3d    shipping (before the period: only the first contact of T7)
            T7 web    T0+1d    shipping  solved, 1 reply, no later ticket

repeats: T2 (T1), T5 (T4), T7 (T6) = 3 of 6 = 50 %
switches: T2 (email → chat), T4 (two channels in one ticket) = 2 of 6 = 33.33 %
repeated information: T2 (shares INV-20261 with T1, another channel) = 1 of 6 = 16.67 %
FCR: solved T1, T2, T4, T7; T1 followed up by T2 (2 days), T4 had 2 replies; T2's next billing
ticket (T3) came 18 days later, T7 has none → T2, T7 = 2 of 4 = 50 %
score = 100 − (0.30·50 + 0.25·33.33 + 0.15·16.67 + 0.30·50) = 59.1667
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from cxhub.analytics.connected_experience import (
    ConnectedGroupBy,
    by_key,
    connected_experience,
    merge,
)
from cxhub.core.runtime import Runtime
from tests.experience.connected.helpers import analysed, customer_message, requester_of, ticket
from tests.factories import Tenant, make_tenant, unique

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture(scope="module")
def built(runtime: Runtime, client: TestClient) -> tuple[Tenant, dict[str, int]]:
    tenant = make_tenant(runtime)
    a, b, c = (f"{unique(n)}@example.com" for n in "abc")
    once = {"first_solved_at": T0 + DAY, "reopen_count": 0, "agent_reply_count": 1}
    ids = {
        "T1": ticket(
            client, tenant, email=a, channel="email", created_at=T0, ticket_type="billing",
            text="My invoice INV-20261 is wrong", **once,
        ),
        "T2": ticket(
            client, tenant, email=a, channel="chat", created_at=T0 + 2 * DAY,
            ticket_type="billing", text="Hello, invoice INV-20261 still wrong", **once,
        ),
        "T3": ticket(
            client, tenant, email=a, channel="email", created_at=T0 + 20 * DAY,
            ticket_type="billing",
        ),
        "spam": ticket(
            client, tenant, email=a, channel="phone", created_at=T0 + DAY,
            ticket_type="billing", is_spam=True,
        ),
        "T4": ticket(
            client, tenant, email=b, channel="web", created_at=T0 + DAY, ticket_type="login",
            text="Cannot log in", first_solved_at=T0 + 2 * DAY, reopen_count=0,
            agent_reply_count=2,
        ),
        "T5": ticket(
            client, tenant, email=b, channel="web", created_at=T0 + 3 * DAY,
            ticket_type="other", text="How do I reset my password?",
        ),
        "T6": ticket(
            client, tenant, email=c, channel="web", created_at=T0 - 3 * DAY,
            ticket_type="shipping",
        ),
        "T7": ticket(
            client, tenant, email=c, channel="web", created_at=T0 + DAY, ticket_type="shipping",
            **once,
        ),
    }  # fmt: skip
    analysed(tenant, ids["T4"], topics=["account_access"])
    analysed(tenant, ids["T5"], topics=["account_access", "billing"])
    customer_message(tenant, ids["T4"], channel="phone", text="called too")
    return tenant, ids


def _run(tenant: Tenant, **kwargs: object) -> list:  # type: ignore[type-arg]
    with tenant.session() as session:
        return connected_experience(
            session,
            workspace_id=tenant.workspace_id,
            since=T0,
            until=T0 + 30 * DAY,
            **kwargs,  # type: ignore[arg-type]
        )


def test_hand_computed_totals(built: tuple[Tenant, dict[str, int]]) -> None:
    tenant, _ = built
    (total,) = _run(tenant)
    assert (total.tickets, total.repeat_contacts, total.channel_switches) == (6, 3, 2)
    assert (total.repeated_information, total.solved, total.first_contact_resolved) == (1, 4, 2)
    assert total.repeat_rate == pytest.approx(50.0)
    assert total.switch_rate == pytest.approx(100 / 3)
    assert total.repeated_information_share == pytest.approx(100 / 6)
    assert total.fcr_rate == pytest.approx(50.0)
    assert total.score == pytest.approx(59.1667, abs=1e-3)


def test_by_customer_and_week(built: tuple[Tenant, dict[str, int]]) -> None:
    tenant, ids = built
    contacts = by_key(_run(tenant, group_by=ConnectedGroupBy.CONTACT))
    a = contacts[str(requester_of(tenant, ids["T1"]))]
    b = contacts[str(requester_of(tenant, ids["T4"]))]
    assert (a.tickets, a.repeat_contacts, a.channel_switches, a.repeated_information) == (
        3,
        1,
        1,
        1,
    )
    assert (a.solved, a.first_contact_resolved) == (2, 1)
    assert (b.tickets, b.repeat_contacts, b.channel_switches, b.repeated_information) == (
        2,
        1,
        1,
        0,
    )
    assert (b.solved, b.first_contact_resolved) == (1, 0)
    weeks = by_key(_run(tenant, group_by=ConnectedGroupBy.WEEK))
    assert set(weeks) == {"2026-03-02", "2026-03-16"}
    assert weeks["2026-03-02"].tickets == 5
    assert weeks["2026-03-16"].tickets == 1
    assert weeks["2026-03-02"].repeated_information == 1
    merged = merge(list(weeks.values()))
    assert (merged.tickets, merged.repeat_contacts, merged.first_contact_resolved) == (6, 3, 2)


def test_one_contact_only_and_window(built: tuple[Tenant, dict[str, int]]) -> None:
    tenant, ids = built
    (only_b,) = _run(tenant, contact_id=requester_of(tenant, ids["T4"]))
    assert (only_b.tickets, only_b.repeat_contacts) == (2, 1)
    # With a 1-day window T2 (2 days after T1) and T5 (2 days after T4) are no longer repeats;
    # T7 (4 days after T6) neither; T1 is then resolved at first contact (with T2 and T7).
    (narrow,) = _run(tenant, window_days=1)
    assert narrow.repeat_contacts == 0
    assert narrow.channel_switches == 1  # T4's two channels remain
    assert narrow.repeated_information == 0
    assert narrow.first_contact_resolved == 3


def test_other_workspace_sees_nothing(
    built: tuple[Tenant, dict[str, int]], runtime: Runtime
) -> None:
    other = make_tenant(runtime)
    (total,) = _run(other)
    assert total.tickets == 0
    assert total.score is None
