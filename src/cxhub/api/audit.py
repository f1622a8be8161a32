"""Read access to the audit trail (merges, role changes, token issuance)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from cxhub.api.deps import DbSession, PageParams, Principal, TransactionalRoute, require
from cxhub.api.schemas import PageOut
from cxhub.core.audit import list_audit_entries
from cxhub.core.permissions import Permission

router = APIRouter(route_class=TransactionalRoute, tags=["audit"])


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    occurred_at: datetime
    actor_user_id: int | None
    action: str
    target_type: str
    target_id: int
    detail: dict[str, Any]


@router.get("/audit", response_model=PageOut[AuditEntryOut])
def list_audit(
    session: DbSession,
    page: PageParams,
    action: str | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    actor_user_id: int | None = None,
    _: Principal = require(Permission.AUDIT_READ),
) -> PageOut[AuditEntryOut]:
    """Audit entries newest first, e.g. `?target_type=contact&target_id=42` for a contact's merges."""
    result = list_audit_entries(
        session,
        page=page,
        action=action,
        target_type=target_type,
        target_id=target_id,
        actor_user_id=actor_user_id,
    )
    return PageOut(
        items=[AuditEntryOut.model_validate(e) for e in result.items],
        next_cursor=result.next_cursor,
    )
