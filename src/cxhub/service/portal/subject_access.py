"""The portal's part of a contact's data-subject export: role, sign-in links, sessions."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.service.portal.access import portal_role
from cxhub.service.portal.models import PortalSession, PortalSignInLink
from cxhub.service.portal.schemas import PortalExport, PortalSessionExport, PortalSignInExport


def export_for_contact(session: Session, *, contact_id: int) -> PortalExport:
    links = session.scalars(
        select(PortalSignInLink)
        .where(PortalSignInLink.contact_id == contact_id)
        .order_by(PortalSignInLink.created_at, PortalSignInLink.id)
    )
    sessions = session.scalars(
        select(PortalSession)
        .where(PortalSession.contact_id == contact_id)
        .order_by(PortalSession.created_at, PortalSession.id)
    )
    return PortalExport(
        role=portal_role(session, contact_id=contact_id),
        sign_in_links=[
            PortalSignInExport(created_at=x.created_at, expires_at=x.expires_at, used_at=x.used_at)
            for x in links
        ],
        sessions=[
            PortalSessionExport(created_at=x.created_at, expires_at=x.expires_at) for x in sessions
        ],
    )
