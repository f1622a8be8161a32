"""Aggregates whose columns name no entity are still confined to the session's workspace.

`with_loader_criteria` alone missed `select(func.count()).where(and_(a, b))`: it found no
entity to attach the criteria to, and the count covered every workspace.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import and_, func, null, select

from cxhub.service.tickets.models import Ticket
from tests.factories import Tenant, unique


def _ticket(client: TestClient, tenant: Tenant) -> None:
    body = {
        "subject": "s",
        "description": "d",
        "requester": {"emails": [f"{unique('a')}@example.com"]},
    }
    assert client.post("/api/v1/tickets", json=body, headers=tenant.admin).status_code == 201


STATEMENTS: dict[str, Any] = {
    "count with and_": lambda: select(func.count()).where(
        and_(Ticket.is_spam.is_(False), Ticket.number > 0)
    ),
    "null key with and_": lambda: select(null(), func.count()).where(
        and_(Ticket.merged_into_id.is_(None), Ticket.number > 0)
    ),
    "count, flat where": lambda: select(func.count()).where(Ticket.number > 0),
    "sum only": lambda: select(func.sum(Ticket.number)).where(and_(Ticket.number > 0)),
}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_entity_free_aggregates_stay_in_the_workspace(
    name: str, client: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    _ticket(client, tenant)
    _ticket(client, other_tenant)
    with tenant.session() as session:
        own_ids = set(session.scalars(select(Ticket.id)))
        result = session.execute(STATEMENTS[name]()).one()[-1]
    if name == "sum only":
        with tenant.session() as session:
            expected = sum(session.scalars(select(Ticket.number)))
        assert result == expected
    else:
        assert result == len(own_ids)
