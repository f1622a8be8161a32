"""Account use cases. No commits: the request or job edge commits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cxhub.core.errors import Conflict, NotFound, ValidationFailed
from cxhub.core.events import publish
from cxhub.core.pagination import Page, PageRequest, paginate
from cxhub.customers.accounts.events import AccountCreated, AccountDeleted
from cxhub.customers.accounts.models import Account, AccountDomain
from cxhub.customers.accounts.schemas import AccountCreate, AccountUpdate
from cxhub.customers.contacts.identifiers import FREE_MAIL_DOMAINS
from cxhub.customers.search_keys import search_key, starts_with
from cxhub.people.service import get_user

_DOMAIN_RE = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

ACCOUNT_SORTS = {
    "id": Account.id,
    "name": Account.name_key,
    "created_at": Account.created_at,
    "updated_at": Account.updated_at,
}


def normalise_domain(value: str) -> str:
    domain = value.strip().lower().removeprefix("https://").removeprefix("http://")
    domain = domain.removeprefix("www.").split("/", 1)[0]
    if not _DOMAIN_RE.match(domain):
        raise ValidationFailed(f"{value!r} is not a domain name", field="domains")
    if domain in FREE_MAIL_DOMAINS:
        raise ValidationFailed(
            f"{domain} is a public mail provider; an account cannot own it", field="domains"
        )
    return domain


def _set_domains(session: Session, account: Account, domains: list[str]) -> None:
    wanted = list(dict.fromkeys(normalise_domain(d) for d in domains))
    taken = session.execute(
        select(AccountDomain.domain, AccountDomain.account_id).where(
            AccountDomain.domain.in_(wanted)
        )
    ).all()
    clashes = [row.domain for row in taken if row.account_id != account.id]
    if clashes:
        raise Conflict(f"domains already owned by another account: {clashes}", field="domains")
    keep = [d for d in account.domains if d.domain in wanted]
    existing = {d.domain for d in keep}
    account.domains = keep + [
        AccountDomain(workspace_id=account.workspace_id, domain=d)
        for d in wanted
        if d not in existing
    ]


def _check_owner(session: Session, owner_id: int | None) -> None:
    if owner_id is not None:
        try:
            get_user(session, user_id=owner_id)
        except NotFound:
            raise ValidationFailed(
                f"owner {owner_id} is not a user of this workspace", field="owner_id"
            ) from None


def _check_external_id(session: Session, external_id: str | None, account_id: int | None) -> None:
    """Duplicate external ids are refused up front with a Conflict naming the field; the unique
    constraint stays as the backstop for concurrent writers (a generic 409 at the edge)."""
    if external_id is None:
        return
    with session.no_autoflush:
        owner = session.scalar(select(Account.id).where(Account.external_id == external_id))
    if owner is not None and owner != account_id:
        raise Conflict(
            f"an account with external_id {external_id!r} already exists",
            field="external_id",
            account_id=owner,
        )


def create_account(session: Session, *, workspace_id: int, data: AccountCreate) -> Account:
    _check_owner(session, data.owner_id)
    _check_external_id(session, data.external_id, None)
    account = Account(
        workspace_id=workspace_id,
        name=data.name.strip(),
        name_key=search_key(data.name),
        external_id=data.external_id,
        industry=data.industry,
        tier=data.tier,
        country=data.country,
        owner_id=data.owner_id,
        custom_attributes=data.custom_attributes or {},
    )
    account.domains = []
    with session.no_autoflush:
        _set_domains(session, account, data.domains)
    session.add(account)
    session.flush()
    publish(session, AccountCreated(workspace_id=workspace_id, account_id=account.id))
    return account


def get_account(session: Session, *, account_id: int) -> Account:
    account = session.scalar(select(Account).where(Account.id == account_id))
    if account is None:
        raise NotFound(f"account {account_id} not found")
    return account


def list_accounts(
    session: Session,
    *,
    page: PageRequest,
    q: str | None = None,
    tier: str | None = None,
    industry: str | None = None,
    country: str | None = None,
    owner_id: int | None = None,
    domain: str | None = None,
) -> Page[Account]:
    statement: Select[Any] = select(Account)
    if q and (key := search_key(q)):
        statement = statement.where(starts_with(Account.name_key, key))
    if tier is not None:
        statement = statement.where(Account.tier == tier)
    if industry is not None:
        statement = statement.where(Account.industry == industry)
    if country is not None:
        statement = statement.where(Account.country == country.upper())
    if owner_id is not None:
        statement = statement.where(Account.owner_id == owner_id)
    if domain is not None:
        statement = statement.where(
            Account.id.in_(
                select(AccountDomain.account_id).where(AccountDomain.domain == domain.lower())
            )
        )
    return paginate(
        session,
        statement,
        request=page,
        sortable=ACCOUNT_SORTS,
        id_column=Account.id,
        default_sort="name",
    )


def update_account(session: Session, *, account_id: int, data: AccountUpdate) -> Account:
    account = get_account(session, account_id=account_id)
    changes = data.model_dump(exclude_unset=True)
    if "owner_id" in changes:
        _check_owner(session, changes["owner_id"])
    if "external_id" in changes:
        _check_external_id(session, changes["external_id"], account.id)
    if "domains" in changes and changes["domains"] is not None:
        _set_domains(session, account, changes.pop("domains"))
    changes.pop("domains", None)
    if changes.get("name"):
        changes["name"] = changes["name"].strip()
        account.name_key = search_key(changes["name"])
    elif "name" in changes:
        changes.pop("name")
    if "custom_attributes" in changes:
        changes["custom_attributes"] = changes["custom_attributes"] or {}
    for key, value in changes.items():
        setattr(account, key, value)
    session.flush()
    return account


def delete_account(session: Session, *, account_id: int) -> None:
    account = get_account(session, account_id=account_id)
    session.delete(account)
    session.flush()
    publish(session, AccountDeleted(workspace_id=account.workspace_id, account_id=account_id))


def accounts_for_domains(session: Session, domains: set[str]) -> dict[str, int]:
    if not domains:
        return {}
    rows = session.execute(
        select(AccountDomain.domain, AccountDomain.account_id).where(
            AccountDomain.domain.in_(domains)
        )
    )
    return {row.domain: row.account_id for row in rows}


def get_accounts(session: Session, *, account_ids: set[int]) -> dict[int, Account]:
    """Several accounts in one query (for lists that show each row's account)."""
    if not account_ids:
        return {}
    return {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))}


def custom_attributes_by_id(
    session: Session, *, account_ids: list[int] | None = None
) -> dict[int, dict[str, Any] | None]:
    """Each account's custom attributes (every account of the workspace when `account_ids` is
    None), without loading the accounts: batch jobs over all accounts read only this."""
    statement = select(Account.id, Account.custom_attributes)
    if account_ids is not None:
        statement = statement.where(Account.id.in_(account_ids))
    return {int(i): attributes for i, attributes in session.execute(statement)}


def find_account_by_external_id(session: Session, *, external_id: str) -> Account | None:
    """The account your product knows by `external_id` (a Segment `groupId`), if any."""
    return session.scalar(select(Account).where(Account.external_id == external_id))


def account_ids_between(session: Session, *, low: int, high: int) -> set[int]:
    """The ids of the workspace's accounts from `low` to `high` inclusive (primary-key range):
    a batch job's check that the accounts it computed for still exist before it writes."""
    return set(session.scalars(select(Account.id).where(Account.id >= low, Account.id <= high)))


def account_ids_batch(session: Session, *, after_id: int = 0, limit: int = 500) -> list[int]:
    """The ids of the workspace's accounts above `after_id`, in id order (for batch jobs)."""
    statement = select(Account.id).where(Account.id > after_id).order_by(Account.id).limit(limit)
    return list(session.scalars(statement))


@dataclass(frozen=True)
class AccountProfile:
    """The plain fields of an account that reports group and label by (no domains loaded)."""

    id: int
    name: str
    tier: str | None
    owner_id: int | None
    custom_attributes: dict[str, Any]


def account_profiles(session: Session, *, account_ids: set[int]) -> dict[int, AccountProfile]:
    """Many accounts' plain fields in column queries of 500 ids (cheap for thousands)."""
    ordered = sorted(account_ids)
    found: dict[int, AccountProfile] = {}
    for start in range(0, len(ordered), 500):
        rows = session.execute(
            select(
                Account.id, Account.name, Account.tier, Account.owner_id, Account.custom_attributes
            ).where(Account.id.in_(ordered[start : start + 500]))
        )
        for account_id, name, tier, owner_id, attributes in rows:
            found[int(account_id)] = AccountProfile(
                int(account_id), name, tier, owner_id, dict(attributes or {})
            )
    return found


TAGS_ATTRIBUTE = "tags"


def account_tags(account: Account) -> list[str]:
    """The account's tags, kept in `custom_attributes.tags` (a list of strings)."""
    raw = (account.custom_attributes or {}).get(TAGS_ATTRIBUTE)
    if not isinstance(raw, list):
        return []
    return [tag for tag in raw if isinstance(tag, str)]


def add_account_tags(session: Session, *, account_id: int, tags: list[str]) -> list[str]:
    """Add `tags` to the account (case-insensitively once each); returns the ones added."""
    account = get_account(session, account_id=account_id)
    current = account_tags(account)
    known = {tag.lower() for tag in current}
    added = [tag for tag in dict.fromkeys(tags) if tag.lower() not in known]
    if added:
        attributes = dict(account.custom_attributes or {})
        attributes[TAGS_ATTRIBUTE] = current + added
        account.custom_attributes = attributes
        session.flush()
    return added
