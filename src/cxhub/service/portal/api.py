"""Portal administration: settings and branding (admins), a contact's portal role (agents)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile, status

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.permissions import Permission
from cxhub.core.tenancy import Workspace
from cxhub.service.portal import access, branding, signin
from cxhub.service.portal.models import PortalRole
from cxhub.service.portal.schemas import (
    PortalAccessIn,
    PortalAccessOut,
    PortalSettingsIn,
    PortalSettingsOut,
)

router = APIRouter(route_class=TransactionalRoute, tags=["portal"])


def _slug(session: DbSession, workspace_id: int) -> str:
    workspace = session.get(Workspace, workspace_id)
    return workspace.slug if workspace is not None else ""


@router.get("/portal/settings", response_model=PortalSettingsOut)
def get_portal_settings(
    session: DbSession, principal: Principal = require(Permission.SERVICE_CONFIGURE)
) -> PortalSettingsOut:
    return PortalSettingsOut.of(
        branding.settings_of(session), slug=_slug(session, principal.workspace_id)
    )


@router.put("/portal/settings", response_model=PortalSettingsOut)
def put_portal_settings(
    data: PortalSettingsIn,
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> PortalSettingsOut:
    """Turn the customer portal on or off and set its name and primary colour."""
    found = branding.update_settings(
        session,
        workspace_id=principal.workspace_id,
        enabled=data.enabled,
        display_name=data.display_name,
        primary_colour=data.primary_colour,
    )
    return PortalSettingsOut.of(found, slug=_slug(session, principal.workspace_id))


@router.put("/portal/logo", response_model=PortalSettingsOut)
def put_portal_logo(
    request: Request,
    file: Annotated[UploadFile, File(description="PNG, JPEG, GIF or WebP, at most 256 KB.")],
    session: DbSession,
    principal: Principal = require(Permission.SERVICE_CONFIGURE),
) -> PortalSettingsOut:
    """Upload the portal's logo; 415 `unsupported-logo` for another type or a larger file."""
    content = file.file.read(branding.MAX_LOGO_BYTES + 1)
    found = branding.set_logo(session, workspace_id=principal.workspace_id, content=content)
    return PortalSettingsOut.of(found, slug=_slug(session, principal.workspace_id))


@router.delete("/portal/logo", status_code=status.HTTP_204_NO_CONTENT)
def delete_portal_logo(
    session: DbSession, principal: Principal = require(Permission.SERVICE_CONFIGURE)
) -> None:
    branding.remove_logo(session, workspace_id=principal.workspace_id)


def _access_out(session: DbSession, contact_id: int) -> PortalAccessOut:
    contact, role = access.portal_access_of(session, contact_id=contact_id)
    return PortalAccessOut(
        contact_id=contact.id,
        role=role,
        account_id=contact.account_id,
        sees_account_tickets=access.sees_account_tickets(contact, role),
    )


@router.get("/contacts/{contact_id}/portal-access", response_model=PortalAccessOut)
def get_portal_access(
    contact_id: int, session: DbSession, _: Principal = require(Permission.CUSTOMERS_READ)
) -> PortalAccessOut:
    """What the contact may do in the customer portal (`member` unless set)."""
    return _access_out(session, contact_id)


@router.put("/contacts/{contact_id}/portal-access", response_model=PortalAccessOut)
def put_portal_access(
    contact_id: int,
    data: PortalAccessIn,
    session: DbSession,
    _: Principal = require(Permission.CUSTOMERS_WRITE),
) -> PortalAccessOut:
    """Set the contact's portal role; `no_access` also ends their portal sessions."""
    access.set_portal_role(session, contact_id=contact_id, role=data.role)
    if data.role == PortalRole.NO_ACCESS:
        signin.end_sessions_of(session, contact_id=contact_id)
    return _access_out(session, contact_id)
