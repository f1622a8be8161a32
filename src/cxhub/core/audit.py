"""An append-only audit trail for actions that change who a customer is or who may act.

Merges, role changes and token creation are recorded with actor, target and a JSON detail, in the
same transaction as the change itself, so an audit row exists exactly when the change committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, utcnow
from cxhub.core.pagination import Page, PageRequest, paginate


class AuditEntry(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "audit_entries"
    __workspace_index__ = False
    __table_args__ = (Index("ix_audit_entries_target", "workspace_id", "target_type", "target_id"),)

    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(
        IdType, ForeignKey("users.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[int] = mapped_column(IdType)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


def record_audit(
    session: Session,
    *,
    workspace_id: int,
    actor_user_id: int | None,
    action: str,
    target_type: str,
    target_id: int,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail or {},
    )
    session.add(entry)
    return entry


AUDIT_SORTS = {"id": AuditEntry.id, "occurred_at": AuditEntry.occurred_at}


def list_audit_entries(
    session: Session,
    *,
    page: PageRequest,
    action: str | None = None,
    target_type: str | None = None,
    target_id: int | None = None,
    actor_user_id: int | None = None,
) -> Page[AuditEntry]:
    """The trail for one object or action, newest first."""
    statement = select(AuditEntry)
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    if target_type is not None:
        statement = statement.where(AuditEntry.target_type == target_type)
    if target_id is not None:
        statement = statement.where(AuditEntry.target_id == target_id)
    if actor_user_id is not None:
        statement = statement.where(AuditEntry.actor_user_id == actor_user_id)
    return paginate(
        session,
        statement,
        request=page,
        sortable=AUDIT_SORTS,
        id_column=AuditEntry.id,
        default_sort="-id",
    )
