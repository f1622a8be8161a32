"""`contacts.service.external_ids_by_account` answers the same for few accounts (looked up by
account) and many (one pass over the workspace, filtered): only surviving contacts of the
asked accounts, only product user ids, never another workspace's."""

from __future__ import annotations

import pytest

from cxhub.core.runtime import Runtime
from cxhub.customers.accounts import service as accounts
from cxhub.customers.accounts.schemas import AccountCreate
from cxhub.customers.contacts import service as contacts
from cxhub.customers.contacts.merge import merge_contacts
from cxhub.customers.contacts.schemas import ContactCreate
from tests.factories import Tenant, make_tenant, unique


def _people(tenant: Tenant) -> tuple[list[int], dict[str, int]]:
    """Six accounts with two product users each; one user merged away, one contact without
    an account, one with an e-mail only. Returns the account ids and what a lookup of the
    first four accounts must find."""
    wanted: dict[str, int] = {}
    with tenant.session() as session:
        ids = [
            accounts.create_account(
                session, workspace_id=tenant.workspace_id, data=AccountCreate(name=unique("A "))
            ).id
            for _ in range(6)
        ]
        made = []
        for n, account in enumerate(ids):
            for k in range(2):
                user = unique(f"u{n}{k}")
                contact = contacts.create_contact(
                    session,
                    workspace_id=tenant.workspace_id,
                    data=ContactCreate(external_ids=[user], account_id=account),
                )
                made.append(contact.id)
                if n < 4:
                    wanted[user] = account
        contacts.create_contact(
            session, workspace_id=tenant.workspace_id, data=ContactCreate(external_ids=["loose"])
        )
        contacts.create_contact(
            session,
            workspace_id=tenant.workspace_id,
            data=ContactCreate(emails=[f"{unique()}@example.com"], account_id=ids[0]),
        )
        loser = contacts.get_contact(session, contact_id=made[1])
        loser_user = next(u for u, a in wanted.items() if a == ids[0] and u.startswith("u01"))
        merge_contacts(session, winner_id=made[2], loser_id=loser.id, actor_user_id=None)
    # the merged user id now belongs to the winner's account (ids[1])
    wanted[loser_user] = ids[1]
    return ids, wanted


@pytest.mark.parametrize("threshold", [1, 1_000])
def test_few_and_many_accounts_find_the_same_product_users(
    runtime: Runtime, tenant: Tenant, monkeypatch: pytest.MonkeyPatch, threshold: int
) -> None:
    ids, wanted = _people(tenant)
    _people(make_tenant(runtime))  # another workspace's users are never found
    monkeypatch.setattr(contacts, "WHOLE_WORKSPACE_ACCOUNTS", threshold)
    with tenant.session() as session:
        found = contacts.external_ids_by_account(session, account_ids=set(ids[:4]))
    assert found == wanted
