"""Import a batch of accounts with a few set-based queries.

Natural key: the external id when the row has one, else the name compared case- and
space-insensitively (the same `name_key` account search uses). A row matching an existing
account fills its blank fields, adds its domains and custom attributes it lacks, and never
overwrites what is already there: an import must not undo edits made in cxhub since the last one.
Two rows with the same key in one file are one account (the first row wins, later rows fill).
A domain that another account owns fails the row instead of moving the domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.events import publish
from cxhub.customers.accounts.events import AccountCreated
from cxhub.customers.accounts.models import Account, AccountDomain
from cxhub.customers.search_keys import search_key
from cxhub.customers.transfer.bulk import insert_returning_ids, insert_rows, table_of
from cxhub.customers.transfer.outcomes import RowOutcome, RowStatus
from cxhub.customers.transfer.records import AccountRecord

_FIELDS = ("industry", "tier", "country")


@dataclass
class AccountRefs:
    """Accounts found by external id and by name key; names held by several accounts are ambiguous."""

    by_external_id: dict[str, int] = field(default_factory=dict)
    by_name_key: dict[str, int] = field(default_factory=dict)
    ambiguous_names: set[str] = field(default_factory=set)

    def resolve(self, external_id: str | None, name: str | None) -> int | str | None:
        """The account id, None when no reference was given, or a message saying why not."""
        if external_id:
            found = self.by_external_id.get(external_id)
            return found if found is not None else f"no account with external id {external_id!r}"
        if name:
            key = search_key(name)
            if key in self.ambiguous_names:
                return f"several accounts are named {name!r}; use account_external_id"
            found = self.by_name_key.get(key)
            return found if found is not None else f"no account named {name!r}"
        return None


def find_accounts(session: Session, *, external_ids: set[str], names: set[str]) -> AccountRefs:
    refs = AccountRefs()
    if external_ids:
        rows = session.execute(
            select(Account.external_id, Account.id).where(Account.external_id.in_(external_ids))
        )
        refs.by_external_id = {row.external_id: row.id for row in rows}
    keys = {search_key(n) for n in names} - {""}
    if keys:
        for row in session.execute(
            select(Account.name_key, Account.id).where(Account.name_key.in_(keys))
        ):
            if row.name_key in refs.by_name_key:
                refs.ambiguous_names.add(row.name_key)
            refs.by_name_key[row.name_key] = row.id
    return refs


@dataclass(eq=False)  # identity: two new accounts with equal fields are still two
class _Company:
    account_id: int | None
    record: AccountRecord
    values: dict[str, Any]
    new_domains: list[str] = field(default_factory=list)
    dirty: bool = False


def import_account_batch(
    session: Session, *, workspace_id: int, records: list[AccountRecord]
) -> list[RowOutcome]:
    """Create or complete the accounts of a batch; returns one outcome per record, in order."""
    refs = find_accounts(
        session,
        external_ids={r.external_id for r in records if r.external_id},
        names={r.name for r in records if not r.external_id},
    )
    known_ids = set(refs.by_external_id.values()) | set(refs.by_name_key.values())
    existing: dict[int, _Company] = {}
    if known_ids:
        for row in session.execute(
            select(
                Account.id, Account.industry, Account.tier, Account.country,
                Account.custom_attributes,
            ).where(Account.id.in_(known_ids))
        ):  # fmt: skip
            values = {name: getattr(row, name) for name in _FIELDS}
            values["custom_attributes"] = dict(row.custom_attributes or {})
            existing[row.id] = _Company(row.id, records[0], values)
    domains = {d for r in records for d in r.domains}
    domain_owner: dict[str, int | _Company] = {}
    if domains:
        for row in session.execute(
            select(AccountDomain.domain, AccountDomain.account_id).where(
                AccountDomain.domain.in_(domains)
            )
        ):
            domain_owner[row.domain] = row.account_id

    in_file: dict[tuple[str, str], _Company] = {}
    created: list[_Company] = []
    outcomes: list[RowOutcome] = []
    for record in records:
        key = ("x", record.external_id) if record.external_id else ("n", record.name_key)
        if record.external_id is None and record.name_key in refs.ambiguous_names:
            outcomes.append(
                RowOutcome.failed(
                    record.number, None, f"several accounts are named {record.name!r}; "
                    "add an external_id column to tell them apart",
                )
            )  # fmt: skip
            continue
        company = in_file.get(key)
        found = refs.resolve(record.external_id, record.name if not record.external_id else None)
        if company is None and isinstance(found, int):
            company = existing[found]
        is_new = company is None
        if company is None:
            company = _Company(None, record, dict.fromkeys(_FIELDS) | {"custom_attributes": {}})
        owner = company.account_id if company.account_id is not None else company
        clash = [d for d in record.domains if domain_owner.get(d, owner) != owner]
        if clash:
            outcomes.append(
                RowOutcome.failed(
                    record.number, record.domains_column,
                    f"domain(s) already owned by another account: {', '.join(clash)}",
                )
            )  # fmt: skip
            continue
        changed = _fill(company, record)
        for domain in record.domains:
            if domain not in domain_owner:
                domain_owner[domain] = owner
                company.new_domains.append(domain)
                changed = True
        if is_new:
            created.append(company)
        in_file[key] = company
        company.dirty = company.dirty or (changed and not is_new)
        status = (
            RowStatus.CREATED if is_new else RowStatus.UPDATED if changed else RowStatus.UNCHANGED
        )
        outcomes.append(RowOutcome(record.number, status))
    _write(session, workspace_id, created, [c for c in existing.values() if c.dirty])
    return outcomes


def _fill(company: _Company, record: AccountRecord) -> bool:
    changed = False
    for name in _FIELDS:
        value = record.fields.get(name)
        if value is not None and company.values[name] is None:
            company.values[name] = value
            changed = True
    attributes = company.values["custom_attributes"]
    for name, value in record.attributes.items():
        if name not in attributes:
            attributes[name] = value
            changed = True
    return changed


def _write(
    session: Session, workspace_id: int, created: list[_Company], updated: list[_Company]
) -> None:
    connection = session.connection()
    accounts = table_of(Account)
    if created:
        rows = [
            {
                "workspace_id": workspace_id,
                "name": c.record.name,
                "name_key": c.record.name_key,
                "external_id": c.record.external_id,
                **c.values,
            }
            for c in created
        ]
        for company, new_id in zip(
            created, insert_returning_ids(connection, accounts, rows), strict=True
        ):
            company.account_id = new_id
    if updated:
        connection.execute(
            update(accounts)
            .where(accounts.c.id == bindparam("_id"), accounts.c.workspace_id == workspace_id)
            .values(updated_at=utcnow()),
            [{"_id": c.account_id, **c.values} for c in updated],
        )
    domain_rows = [
        {"workspace_id": workspace_id, "account_id": c.account_id, "domain": d}
        for c in [*created, *updated]
        for d in c.new_domains
    ]
    if domain_rows:
        insert_rows(connection, table_of(AccountDomain), domain_rows)
    for company in created:
        assert company.account_id is not None
        publish(session, AccountCreated(workspace_id=workspace_id, account_id=company.account_id))
