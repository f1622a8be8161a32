"""Data-subject routes (GDPR art. 15/17/20) and the workspace's retention policy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from cxhub.api.deps import (
    DbSession,
    PageParams,
    Principal,
    TransactionalRoute,
    get_runtime,
    require,
)
from cxhub.api.schemas import PageOut
from cxhub.core.errors import ValidationFailed
from cxhub.core.pagination import Page, paginate
from cxhub.core.permissions import Permission
from cxhub.privacy import erasure, retention, service
from cxhub.privacy.models import ErasureRecord
from cxhub.privacy.schemas import (
    ContactExport,
    EraseRequest,
    ErasureOut,
    RetentionPolicy,
    RetentionPolicyOut,
)

router = APIRouter(route_class=TransactionalRoute, tags=["privacy"])

ERASURE_SORTS = {"id": ErasureRecord.id, "erased_at": ErasureRecord.erased_at}


@router.get("/contacts/{contact_id}/export", response_model=ContactExport)
def export_contact(
    contact_id: int,
    request: Request,
    session: DbSession,
    principal: Principal = require(Permission.DATA_EXPORT),
) -> ContactExport:
    """Everything held on one contact as one JSON document; each export is audited."""
    return service.export_contact(
        session,
        contact_id=contact_id,
        actor_user_id=principal.user_id,
        data_dir=get_runtime(request).settings.data_dir,
    )


@router.post("/contacts/{contact_id}/erase", response_model=ErasureOut)
def erase_contact(
    contact_id: int,
    data: EraseRequest,
    request: Request,
    session: DbSession,
    principal: Principal = require(Permission.PRIVACY_MANAGE),
) -> ErasureOut:
    """Erase the contact's personal data everywhere (GDPR art. 17); cannot be undone.

    `confirm` must repeat the contact id. A second request for the same contact answers 409
    `already-erased` with the erasure's id."""
    if data.confirm != contact_id:
        raise ValidationFailed("confirm must repeat the contact id to erase", field="confirm")
    record = erasure.erase_contact(
        session,
        contact_id=contact_id,
        actor_user_id=principal.user_id,
        data_dir=get_runtime(request).settings.data_dir,
        reason=data.reason,
        failed_jobs_kept=get_runtime(request).settings.jobs_backend == "redis",
    )
    return ErasureOut.model_validate(record)


@router.get("/privacy/erasures", response_model=PageOut[ErasureOut])
def list_erasures(
    session: DbSession, page: PageParams, _: Principal = require(Permission.PRIVACY_MANAGE)
) -> PageOut[ErasureOut]:
    """The record of every erasure, newest first (no personal data: ids and counts)."""
    result: Page[ErasureRecord] = paginate(
        session,
        select(ErasureRecord),
        request=page,
        sortable=ERASURE_SORTS,
        id_column=ErasureRecord.id,
        default_sort="-id",
    )
    return PageOut(
        items=[ErasureOut.model_validate(r) for r in result.items], next_cursor=result.next_cursor
    )


@router.get("/privacy/erasures/{erasure_id}", response_model=ErasureOut)
def get_erasure(
    erasure_id: int, session: DbSession, _: Principal = require(Permission.PRIVACY_MANAGE)
) -> ErasureOut:
    return ErasureOut.model_validate(erasure.get_erasure(session, erasure_id=erasure_id))


@router.get("/privacy/retention", response_model=RetentionPolicyOut)
def get_retention(
    session: DbSession, _: Principal = require(Permission.PRIVACY_MANAGE)
) -> RetentionPolicyOut:
    """The workspace's retention policy (days per kind of data; null keeps it forever)."""
    return retention.get_policy(session)


@router.put("/privacy/retention", response_model=RetentionPolicyOut)
def put_retention(
    data: RetentionPolicy,
    session: DbSession,
    principal: Principal = require(Permission.PRIVACY_MANAGE),
) -> RetentionPolicyOut:
    """Replace the retention policy (omitted kinds are kept forever); audited."""
    return retention.set_policy(
        session,
        workspace_id=principal.workspace_id,
        policy=data,
        actor_user_id=principal.user_id,
    )
