"""Account request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxhub.customers.accounts.models import Account


class AccountFields(BaseModel):
    industry: str | None = Field(default=None, max_length=100)
    tier: str | None = Field(default=None, max_length=50, examples=["enterprise"])
    country: str | None = Field(
        default=None, min_length=2, max_length=2, description="ISO 3166-1 alpha-2"
    )
    owner_id: int | None = Field(default=None, description="The user (CSM) who owns the account.")
    custom_attributes: dict[str, Any] | None = None
    external_id: str | None = Field(default=None, max_length=200)

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


class AccountCreate(AccountFields):
    name: str = Field(min_length=1, max_length=200)
    domains: list[str] = Field(default_factory=list, examples=[["acme.com"]])


class AccountUpdate(AccountFields):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    domains: list[str] | None = None


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    domains: list[str]
    industry: str | None
    tier: str | None
    country: str | None
    owner_id: int | None
    custom_attributes: dict[str, Any]
    external_id: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            id=account.id,
            name=account.name,
            domains=[d.domain for d in account.domains],
            industry=account.industry,
            tier=account.tier,
            country=account.country,
            owner_id=account.owner_id,
            custom_attributes=account.custom_attributes,
            external_id=account.external_id,
            created_at=account.created_at,
            updated_at=account.updated_at,
        )
