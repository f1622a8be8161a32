"""Portal API shapes: the workspace's portal settings and a contact's portal role."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from cxhub.service.portal.models import PortalRole, PortalSettings


class PortalSettingsIn(BaseModel):
    enabled: bool = Field(description="Customers can sign in at /portal/<workspace slug>.")
    display_name: str | None = Field(
        default=None,
        max_length=200,
        description="Shown on the portal; the workspace name if empty.",
    )
    primary_colour: str = Field(
        default="#2457c5", pattern=r"^#[0-9a-fA-F]{6}$", examples=["#2457c5"]
    )


class PortalSettingsOut(BaseModel):
    enabled: bool
    display_name: str | None
    primary_colour: str
    has_logo: bool
    logo_content_type: str | None
    portal_path: str
    updated_at: datetime | None

    @classmethod
    def of(cls, found: PortalSettings | None, *, slug: str) -> PortalSettingsOut:
        return cls(
            enabled=bool(found and found.enabled),
            display_name=found.display_name if found else None,
            primary_colour=found.primary_colour if found else "#2457c5",
            has_logo=bool(found and found.logo),
            logo_content_type=found.logo_content_type if found else None,
            portal_path=f"/portal/{slug}",
            updated_at=found.updated_at if found else None,
        )


class PortalAccessIn(BaseModel):
    role: PortalRole = Field(
        description="member: own tickets; account_admin: also the account's tickets; "
        "no_access: may not sign in (signs the contact out everywhere)."
    )


class PortalAccessOut(BaseModel):
    contact_id: int
    role: PortalRole
    account_id: int | None
    sees_account_tickets: bool


class PortalSignInExport(BaseModel):
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


class PortalSessionExport(BaseModel):
    created_at: datetime
    expires_at: datetime


class PortalExport(BaseModel):
    """What the portal holds on a contact (data-subject export); never a token or its hash."""

    role: PortalRole
    sign_in_links: list[PortalSignInExport]
    sessions: list[PortalSessionExport]
