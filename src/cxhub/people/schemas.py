"""Request and response shapes for users, teams and tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from cxhub.core.locales import LocaleTag, TimeZoneName
from cxhub.core.permissions import Role


class UserCreate(BaseModel):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str | None = Field(default=None, min_length=10, max_length=200)
    locale: LocaleTag = Field(default="en", max_length=16)
    time_zone: TimeZoneName = Field(default="UTC", max_length=64)


class UserUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    role: Role | None = None
    locale: LocaleTag | None = Field(default=None, max_length=16)
    time_zone: TimeZoneName | None = Field(default=None, max_length=64)
    is_active: bool | None = None


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    role: Role
    locale: str
    time_zone: str
    is_active: bool
    created_at: datetime


class TeamCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=500)
    member_ids: list[int] = Field(default_factory=list)


class TeamUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=500)
    member_ids: list[int] | None = None


class TeamOut(BaseModel):
    id: int
    name: str
    description: str
    member_ids: list[int]
    created_at: datetime


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)


class TokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret; shown only in this response.")
