"""Request and response shapes of the expansion routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from cxhub.analytics.expansion import Opportunity, PlanCatalogue


class CatalogueOut(BaseModel):
    stored: bool = Field(description="false: no catalogue saved yet, the built-in empty one.")
    definition: PlanCatalogue
    updated_at: datetime | None


class ReasonOut(BaseModel):
    code: Literal["seats_near_limit", "feature_near_plan_limit", "add_on_adopted_by_similar"]
    message: str
    evidence: dict[str, Any]


class OpportunityOut(BaseModel):
    account_id: int
    account_name: str
    kind: Literal["upsell", "cross_sell"]
    action: Literal["add_seats", "upgrade_plan", "add_on"]
    target: str | None = Field(description="The plan to upgrade to or the add-on to sell.")
    arr_upside_cents: int | None = Field(description="12 × the extra MRR; null: no price known.")
    currency: str
    reasons: list[ReasonOut]

    @classmethod
    def of(cls, item: Opportunity, account_name: str) -> OpportunityOut:
        return cls(
            account_id=item.account_id,
            account_name=account_name,
            kind=item.kind,
            action=item.action,
            target=item.target,
            arr_upside_cents=item.arr_upside_cents,
            currency=item.currency,
            reasons=[
                ReasonOut(code=r.code, message=r.message, evidence=r.evidence) for r in item.reasons
            ],
        )


class AccountExpansionOut(BaseModel):
    account_id: int
    as_of: datetime
    computed_at: datetime | None = Field(
        description="When the stored snapshot answering was computed (its usage window ends at "
        "`as_of`); null: computed for this request only (an explicit `as_of`, or it could not "
        "be stored)."
    )
    currency: str
    arr_upside_cents: int = Field(description="Sum of the opportunities' known upsides.")
    opportunities: list[OpportunityOut]


class ExpansionListOut(BaseModel):
    as_of: datetime
    computed_at: datetime | None = Field(
        description="When the stored snapshot answering was computed (its usage window ends at "
        "`as_of`); null: computed for this request only (an explicit `as_of`, or it could not "
        "be stored)."
    )
    currency: str
    accounts_considered: int = Field(description="Accounts with a live subscription.")
    compute_seconds: float = Field(
        description="How long the computation answering took (the stored snapshot's, or this "
        "request's): what each refresh costs the server."
    )
    total: int = Field(description="Opportunities found before `limit`.")
    arr_upside_cents: int
    opportunities: list[OpportunityOut]


class SnapshotOut(BaseModel):
    stored: bool = Field(
        description="false: computed but not stored (a later snapshot was stored meanwhile, "
        "or an account was deleted during the computation); the next refresh stores it."
    )
    as_of: datetime = Field(description="End of the usage window the snapshot was computed for.")
    currency: str
    accounts_considered: int
    opportunities: int = Field(description="Opportunities stored.")
    compute_seconds: float
