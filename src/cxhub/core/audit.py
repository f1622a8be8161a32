"""An append-only audit trail for administrative actions, data exports, merges and deletions.

Each is recorded with actor, target and a JSON detail, in the same transaction as the change
itself, so an audit row exists exactly when the change committed. Two things ever change a row
after it is written, both from the privacy domain: an erasure scrubs the erased person's names and
identifiers from details about them, and a workspace's audit retention deletes old entries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from cxhub.core.db import Base, IdMixin, IdType, WorkspaceScoped, utcnow
from cxhub.core.pagination import Page, PageRequest, paginate


class AuditEntry(IdMixin, WorkspaceScoped, Base):
    __tablename__ = "audit_entries"
    __workspace_index__ = False
    __table_args__ = (
        Index("ix_audit_entries_target", "workspace_id", "target_type", "target_id"),
        # Retention deletes the oldest entries first (privacy/retention.py).
        Index("ix_audit_entries_occurred", "workspace_id", "occurred_at"),
    )

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


def scrub_audit_details(
    session: Session, *, targets: dict[str, list[int]], scrub: Callable[[Any], Any]
) -> int:
    """Rewrite the detail of the entries about `targets` (`{"contact": [ids], …}`) through
    `scrub` (an erasure removes a person's names and identifiers from before-snapshots); the
    entries themselves stay, as the trail of who did what. Answers how many changed."""
    changed = 0
    for target_type, ids in targets.items():
        if not ids:
            continue
        for entry in session.scalars(
            select(AuditEntry).where(
                AuditEntry.target_type == target_type, AuditEntry.target_id.in_(ids)
            )
        ):
            scrubbed = scrub(entry.detail)
            if scrubbed != entry.detail:
                entry.detail = scrubbed
                changed += 1
    session.flush()
    return changed


def delete_audit_entries_before(session: Session, *, before: datetime, limit: int) -> int:
    """Retention: delete up to `limit` of the oldest entries written before `before`."""
    ids = list(
        session.scalars(
            select(AuditEntry.id)
            .where(AuditEntry.occurred_at < before)
            .order_by(AuditEntry.occurred_at, AuditEntry.id)
            .limit(limit)
        )
    )
    if ids:
        session.execute(
            delete(AuditEntry)
            .where(AuditEntry.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return len(ids)


def count_audit_entries_before(session: Session, *, before: datetime) -> int:
    return int(
        session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.occurred_at < before))
        or 0
    )


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
