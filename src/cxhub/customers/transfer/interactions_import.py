"""Import a batch of interactions (touchpoints) onto the timeline.

Natural key: the external id, or for rows without one the hash `interaction_records.derived_external_id`
computes from the row's content, so importing the same file twice adds nothing. As with
`record_interaction`, a touchpoint whose external id is already stored is left unchanged (a
touchpoint is a fact that happened; it is not edited by re-sending it).

The contact is named by `contact_id`, or by identifiers (`contact_external_id`, `contact_email`,
`contact_phone`) resolved with the same bulk identity resolution contacts use; an unknown person
is created, as the API does. The account is named by `account_id`, `account_external_id` or
`account_name`, and otherwise is the contact's account.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.events import publish
from cxhub.customers.accounts.models import Account
from cxhub.customers.contacts.models import Contact
from cxhub.customers.timeline.events import InteractionRecorded
from cxhub.customers.timeline.models import Interaction
from cxhub.customers.transfer.accounts_import import find_accounts
from cxhub.customers.transfer.bulk import insert_returning_ids, table_of
from cxhub.customers.transfer.contacts_import import PersonRequest, resolve_people
from cxhub.customers.transfer.interaction_records import InteractionRecord
from cxhub.customers.transfer.outcomes import RowOutcome, RowStatus


def _contact_accounts(session: Session, contact_ids: set[int]) -> dict[int, tuple[int, int | None]]:
    """contact id -> (surviving contact id, its account id); merged ids lead to the winner."""
    if not contact_ids:
        return {}
    rows = session.execute(
        select(Contact.id, Contact.merged_into_id, Contact.account_id).where(
            Contact.id.in_(contact_ids)
        )
    ).all()
    found = {row.id: (row.id, row.account_id) for row in rows if row.merged_into_id is None}
    losers = {row.id: row.merged_into_id for row in rows if row.merged_into_id is not None}
    if losers:
        winners = _contact_accounts(session, set(losers.values()))
        found.update({loser: winners[w] for loser, w in losers.items() if w in winners})
    return found


def import_interaction_batch(
    session: Session, *, workspace_id: int, records: list[InteractionRecord]
) -> list[RowOutcome]:
    """Record the new touchpoints of a batch; returns one outcome per record, in order."""
    stored = set(
        session.scalars(
            select(Interaction.external_id).where(
                Interaction.external_id.in_({r.external_id for r in records})
            )
        )
    )
    contacts = _contact_accounts(session, {r.contact_id for r in records if r.contact_id})
    refs = find_accounts(
        session,
        external_ids={r.account_external_id for r in records if r.account_external_id},
        names={r.account_name for r in records if r.account_name and not r.account_external_id},
    )
    given_accounts = {r.account_id for r in records if r.account_id is not None}
    known_accounts = (
        set(session.scalars(select(Account.id).where(Account.id.in_(given_accounts))))
        if given_accounts
        else set()
    )
    outcomes: dict[int, RowOutcome] = {}
    pending: list[tuple[InteractionRecord, int | None, int | None]] = []
    seen: set[str] = set()
    for record in records:
        if record.external_id in stored or record.external_id in seen:
            outcomes[record.number] = RowOutcome(record.number, RowStatus.UNCHANGED)
            continue
        contact_id: int | None = None
        account_id: int | None = None
        if record.contact_id is not None:
            if record.contact_id not in contacts:
                outcomes[record.number] = RowOutcome.failed(
                    record.number, record.contact_column, f"no contact {record.contact_id}"
                )
                continue
            contact_id, account_id = contacts[record.contact_id]
        if record.account_id is not None:
            if record.account_id not in known_accounts:
                outcomes[record.number] = RowOutcome.failed(
                    record.number, record.account_column, f"no account {record.account_id}"
                )
                continue
            account_id = record.account_id
        elif record.account_external_id or record.account_name:
            found = refs.resolve(record.account_external_id, record.account_name)
            if isinstance(found, str):
                outcomes[record.number] = RowOutcome.failed(
                    record.number, record.account_column, found
                )
                continue
            account_id = found
        seen.add(record.external_id)
        pending.append((record, contact_id, account_id))

    by_keys = [i for i, (r, cid, _) in enumerate(pending) if cid is None and r.contact_keys]
    people = resolve_people(
        session,
        workspace_id=workspace_id,
        requests=[PersonRequest(pending[i][0].contact_keys) for i in by_keys],
    )
    people_accounts = _contact_accounts(session, {cid for _, cid in people})
    for index, (_, person_id) in zip(by_keys, people, strict=True):
        record, _, account_id = pending[index]
        if account_id is None:
            account_id = people_accounts[person_id][1]
        pending[index] = (record, person_id, account_id)

    _insert(session, workspace_id, pending)
    for record, _, _ in pending:
        outcomes[record.number] = RowOutcome(record.number, RowStatus.CREATED)
    return [outcomes[r.number] for r in records]


def _insert(
    session: Session,
    workspace_id: int,
    pending: list[tuple[InteractionRecord, int | None, int | None]],
) -> None:
    if not pending:
        return
    table = table_of(Interaction)
    rows = [
        {
            "workspace_id": workspace_id,
            "external_id": record.external_id,
            "contact_id": contact_id,
            "account_id": account_id,
            **record.values,
        }
        for record, contact_id, account_id in pending
    ]
    new_ids = insert_returning_ids(session.connection(), table, rows)
    for (record, contact_id, account_id), new_id in zip(pending, new_ids, strict=True):
        publish(
            session,
            InteractionRecorded(
                workspace_id=workspace_id,
                interaction_id=new_id,
                contact_id=contact_id,
                account_id=account_id,
                kind=record.values["kind"],
                channel=record.values["channel"].value,
            ),
        )
