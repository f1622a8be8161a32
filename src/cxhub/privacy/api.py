"""Data-subject export route (GDPR art. 15 access, art. 20 portability)."""

from __future__ import annotations

from fastapi import APIRouter

from cxhub.api.deps import DbSession, Principal, TransactionalRoute, require
from cxhub.core.permissions import Permission
from cxhub.privacy import service
from cxhub.privacy.schemas import ContactExport

router = APIRouter(route_class=TransactionalRoute, tags=["privacy"])


@router.get("/contacts/{contact_id}/export", response_model=ContactExport)
def export_contact(
    contact_id: int, session: DbSession, principal: Principal = require(Permission.DATA_EXPORT)
) -> ContactExport:
    """Everything held on one contact as one JSON document; each export is audited."""
    return service.export_contact(session, contact_id=contact_id, actor_user_id=principal.user_id)
