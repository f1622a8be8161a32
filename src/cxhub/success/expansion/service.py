"""Expansion use cases: the workspace's plan catalogue, and the opportunities of one account
or of the whole workspace. No commits: the request edge commits (ADR 0002)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.analytics import revenue_kpis
from cxhub.analytics.expansion import Opportunity, PlanCatalogue, find_opportunities
from cxhub.analytics.expansion_inputs import account_facts
from cxhub.core.errors import ValidationFailed
from cxhub.customers.accounts import service as accounts
from cxhub.success.expansion.models import PlanCatalogueRecord

FALLBACK_CURRENCY = "USD"


def stored_catalogue(session: Session) -> PlanCatalogueRecord | None:
    return session.scalar(select(PlanCatalogueRecord).limit(1))


def catalogue_of(
    session: Session, *, workspace_id: int
) -> tuple[PlanCatalogue, PlanCatalogueRecord | None]:
    """The stored catalogue, else an empty one (no plans, no add-ons, default thresholds) in
    the workspace's only billing currency. Several currencies and no catalogue is a 422."""
    record = stored_catalogue(session)
    if record is not None:
        return PlanCatalogue.model_validate(record.definition), record
    try:
        currency = revenue_kpis.choose_currency(session, workspace_id=workspace_id, currency=None)
    except ValidationFailed as error:
        raise ValidationFailed(
            "this workspace bills in several currencies: save a plan catalogue naming the "
            "currency expansion is priced in (PUT /api/v1/expansion/catalogue)",
            field="currency",
            currencies=error.extensions.get("currencies", []),
        ) from None
    return PlanCatalogue(currency=currency or FALLBACK_CURRENCY), None


def save_catalogue(
    session: Session, *, workspace_id: int, catalogue: PlanCatalogue
) -> PlanCatalogueRecord:
    record = stored_catalogue(session)
    if record is None:
        record = PlanCatalogueRecord(workspace_id=workspace_id, definition={})
        session.add(record)
    record.definition = catalogue.model_dump(mode="json")
    session.flush()
    return record


@dataclass(frozen=True)
class ExpansionReport:
    as_of: datetime
    currency: str
    accounts_considered: int
    opportunities: list[Opportunity]
    account_names: dict[int, str]

    @property
    def arr_upside_cents(self) -> int:
        return sum(o.arr_upside_cents or 0 for o in self.opportunities)


def opportunities(
    session: Session,
    *,
    workspace_id: int,
    as_of: datetime,
    data_dir: Path,
    account_id: int | None = None,
) -> ExpansionReport:
    """Ranked opportunities of the workspace, or of one account (compared with the whole
    workspace's similar accounts)."""
    only = None
    if account_id is not None:
        only = {accounts.get_account(session, account_id=account_id).id}
    catalogue, _ = catalogue_of(session, workspace_id=workspace_id)
    facts, names = account_facts(
        session, workspace_id=workspace_id, catalogue=catalogue, as_of=as_of, data_dir=data_dir
    )
    found = find_opportunities(facts, catalogue, only=only)
    return ExpansionReport(as_of, catalogue.currency, len(facts), found, names)
