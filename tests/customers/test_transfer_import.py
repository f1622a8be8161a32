"""The import service against the database: identity resolution in bulk, natural keys, batches."""

from __future__ import annotations

from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.runtime import Runtime
from cxhub.customers.accounts.models import Account
from cxhub.customers.contacts.models import Contact, ContactIdentifier
from cxhub.customers.contacts.schemas import ContactCreate
from cxhub.customers.contacts.service import create_contact
from cxhub.customers.timeline.models import Interaction
from cxhub.customers.transfer.importer import ImportReport, RowImporter
from cxhub.customers.transfer.mapping import Entity
from cxhub.customers.transfer.outcomes import RowOutcome, RowStatus
from cxhub.customers.transfer.readers import SourceRow, open_source
from cxhub.customers.transfer.tasks import run_import
from tests.factories import Tenant


def _run(
    tenant: Tenant,
    entity: Entity,
    rows: list[dict[str, Any]],
    mapping: dict[str, str] | None = None,
    **options: Any,
) -> ImportReport:
    assert tenant.runtime is not None
    source = iter(SourceRow(n, values) for n, values in enumerate(rows, start=2))
    return run_import(
        tenant.runtime.session_factory,
        workspace_id=tenant.workspace_id,
        importer=RowImporter(entity, mapping),
        rows=source,
        **options,
    )


def _contacts(session: Session) -> dict[int, dict[str, Any]]:
    people: dict[int, dict[str, Any]] = {}
    for contact in session.scalars(select(Contact).order_by(Contact.id)):
        people[contact.id] = {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "name_key": contact.name_key,
            "account_id": contact.account_id,
            "keys": sorted(f"{i.kind.value}:{i.value}" for i in contact.identifiers),
            "attributes": contact.custom_attributes,
        }
    return people


def test_rows_resolve_against_each_other_and_existing_contacts(tenant: Tenant) -> None:
    with tenant.session() as session:
        existing = create_contact(
            session,
            workspace_id=tenant.workspace_id,
            data=ContactCreate(first_name="Grace", emails=["grace@navy.mil"]),
        ).id
    report = _run(
        tenant,
        Entity.CONTACTS,
        [
            {"email": "GRACE@navy.mil", "last_name": "Hopper", "phone": "+1 555 0100"},
            {"email": "ada@example.com", "first_name": "Ada"},
            {"email": "ada@example.com", "last_name": "Lovelace", "plan": "pro"},
            {"phone": "+15550100", "external_id": "u-9"},
            {"email": "ada@example.com"},
        ],
    )
    assert report.counts == {
        RowStatus.CREATED: 1,
        RowStatus.UPDATED: 3,
        RowStatus.UNCHANGED: 1,
        RowStatus.FAILED: 0,
    }
    with tenant.session() as session:
        people = _contacts(session)
    assert len(people) == 2
    assert people[existing]["first_name"] == "Grace"  # kept, never overwritten
    assert people[existing]["last_name"] == "Hopper"  # blank filled
    assert people[existing]["name_key"] == "grace hopper"
    assert people[existing]["keys"] == [
        "email:grace@navy.mil", "external_id:u-9", "phone:+15550100"
    ]  # fmt: skip
    (ada,) = [p for cid, p in people.items() if cid != existing]
    assert (ada["first_name"], ada["last_name"]) == ("Ada", "Lovelace")
    assert ada["attributes"] == {"plan": "pro"}


def test_contacts_link_to_accounts_by_reference_or_email_domain(tenant: Tenant) -> None:
    accounts = _run(
        tenant,
        Entity.ACCOUNTS,
        [
            {"external_id": "A-1", "name": "Acme", "domains": "acme.com; acme.io"},
            {"name": "Globex Corp", "website": "https://www.globex.com"},
            {"name": "Free", "domains": "gmail.com"},
        ],
    )
    assert accounts.counts[RowStatus.CREATED] == 2
    assert accounts.failures[0].number == 4
    assert accounts.failures[0].columns == "domains"
    report = _run(
        tenant,
        Entity.CONTACTS,
        [
            {"email": "wile@acme.io"},
            {"email": "hank@example.org", "company": "globex corp"},
            {"email": "zed@example.org", "account_external_id": "A-404"},
        ],
    )
    assert [(f.number, f.columns) for f in report.failures] == [(4, "account_external_id")]
    with tenant.session() as session:
        by_name = {row.name: row.id for row in session.execute(select(Account.name, Account.id))}
        linked = {
            row.value: row.account_id
            for row in session.execute(
                select(ContactIdentifier.value, Contact.account_id).join(
                    Contact, Contact.id == ContactIdentifier.contact_id
                )
            )
        }
    assert linked == {"wile@acme.io": by_name["Acme"], "hank@example.org": by_name["Globex Corp"]}


def test_second_run_of_every_entity_adds_nothing(tenant: Tenant) -> None:
    accounts = [{"external_id": "A-1", "name": "Acme", "domains": "acme.com"}, {"name": "Initech"}]
    contacts = [{"email": "a@acme.com", "first_name": "A"}, {"phone": "+39 06 1234567"}]
    interactions = [
        {"kind": "call", "channel": "phone", "occurred_at": "2024-05-01T10:00:00Z",
         "contact_email": "a@acme.com"},
        {"kind": "visit", "channel": "web", "occurred_at": "2024-05-01T10:00:00+02:00",
         "contact_email": "new@acme.com", "page": "/pricing"},
    ]  # fmt: skip
    for entity, rows in (
        (Entity.ACCOUNTS, accounts),
        (Entity.CONTACTS, contacts),
        (Entity.INTERACTIONS, interactions),
    ):
        first = _run(tenant, entity, rows)
        assert first.counts[RowStatus.CREATED] == len(rows), first.failures
        again = _run(tenant, entity, rows)
        assert again.counts[RowStatus.UNCHANGED] == len(rows)
    with tenant.session() as session:
        counts = [
            session.scalar(select(func.count()).select_from(m))
            for m in (Account, Contact, Interaction)
        ]
        visit = session.scalar(select(Interaction).where(Interaction.kind == "visit"))
    assert counts == [2, 3, 2]  # the visit created new@acme.com, linked to Acme by domain
    assert visit is not None
    assert visit.payload == {"page": "/pricing"}
    assert visit.account_id is not None


def test_dry_run_counts_like_a_real_run_and_saves_nothing(tenant: Tenant) -> None:
    rows = [{"email": f"p{n % 3}@example.com"} for n in range(7)]
    report = _run(tenant, Entity.CONTACTS, rows, dry_run=True, batch_size=2)
    assert report.counts[RowStatus.CREATED] == 3
    assert report.counts[RowStatus.UNCHANGED] == 4
    with tenant.session() as session:
        assert session.scalar(select(func.count()).select_from(Contact)) == 0


class _FailingOnRow(RowImporter):
    """Writes the batch, then fails like a database would when it holds row `bad`."""

    def __init__(self, bad: int) -> None:
        super().__init__(Entity.CONTACTS)
        self.bad = bad

    def import_batch(self, session: Session, *, workspace_id: int, rows: Any) -> list[RowOutcome]:
        outcomes = super().import_batch(session, workspace_id=workspace_id, rows=rows)
        if any(row.number == self.bad for row in rows):
            raise IntegrityError("INSERT ...", {}, Exception("duplicate key value"))
        return outcomes


def test_a_failing_batch_keeps_earlier_batches_and_its_own_good_rows(tenant: Tenant) -> None:
    assert tenant.runtime is not None
    rows = iter(SourceRow(n, {"email": f"row{n}@example.com"}) for n in range(2, 9))
    report = run_import(
        tenant.runtime.session_factory,
        workspace_id=tenant.workspace_id,
        importer=_FailingOnRow(bad=6),
        rows=rows,
        batch_size=3,
    )
    assert report.counts[RowStatus.CREATED] == 6
    assert [(f.number, f.message) for f in report.failures] == [
        (6, "database refused the row: duplicate key value")
    ]
    with tenant.session() as session:
        stored = set(session.scalars(select(ContactIdentifier.value)))
    assert stored == {f"row{n}@example.com" for n in range(2, 9) if n != 6}


@pytest.mark.realdata
def test_bank_churn_customers_import_through_the_generic_importer(
    tenant: Tenant, shared_data: Path, runtime: Runtime
) -> None:
    """Real customers nobody here wrote: CustomerId and Surname are recognised by alias."""
    source = open_source(shared_data / "churn" / "bank-churn-modelling.csv")
    importer = RowImporter(
        Entity.CONTACTS, {"RowNumber": "-", "Geography": "attributes.geography"},
        columns=source.columns,
    )  # fmt: skip
    sample = list(islice(source.rows(), 400))
    report = run_import(
        runtime.session_factory,
        workspace_id=tenant.workspace_id,
        importer=importer,
        rows=iter(sample),
    )
    assert report.counts[RowStatus.CREATED] == 400, report.failures[:3]
    assert "Exited" in report.extra_columns
    assert "RowNumber" not in report.extra_columns
    with tenant.session() as session:
        contact = session.scalar(
            select(Contact)
            .join(ContactIdentifier, ContactIdentifier.contact_id == Contact.id)
            .where(ContactIdentifier.value == "15634602")
        )
    assert contact is not None
    assert contact.last_name == "Hargrave"
    assert contact.custom_attributes["geography"] == "France"
    assert contact.custom_attributes["Exited"] == "1"
    again = run_import(
        runtime.session_factory,
        workspace_id=tenant.workspace_id,
        importer=importer,
        rows=iter(sample),
    )
    assert again.counts[RowStatus.UNCHANGED] == 400
