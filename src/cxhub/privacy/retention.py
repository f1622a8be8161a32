"""Retention policies: how long each kind of data is kept, and the job that removes the rest.

Each rule removes at most `batch_size` rows per run (tickets, for message retention), so a run
never holds a long transaction; what is left is taken by the next run, and the report says how
much remains. A dry run only counts. Every domain removes its own rows (its `erasure` module).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.core.audit import (
    count_audit_entries_before,
    delete_audit_entries_before,
    record_audit,
)
from cxhub.core.db import utcnow
from cxhub.core.jobs import enqueue
from cxhub.core.redaction import ERASED_MARKER, RETENTION_MARKER
from cxhub.people import erasure as people
from cxhub.privacy.models import RetentionPolicyRecord
from cxhub.privacy.schemas import (
    RetentionPolicy,
    RetentionPolicyOut,
    RetentionReport,
    RetentionRuleReport,
)
from cxhub.service.mail import erasure as mail
from cxhub.service.tickets import erasure as tickets
from cxhub.success.usage import erasure as usage

log = logging.getLogger(__name__)

#: Message bodies already replaced by either marker count as removed.
_MARKERS = (RETENTION_MARKER, ERASED_MARKER)
PURGE_ATTACHMENT_FILES = "privacy.purge_attachment_files"
#: Parquet day partitions removed per run (each holds a day of a workspace's events).
DAYS_PER_RUN = 31


def get_policy(session: Session) -> RetentionPolicyOut:
    record = session.scalar(select(RetentionPolicyRecord))
    if record is None:
        return RetentionPolicyOut()
    return RetentionPolicyOut.model_validate(record)


def set_policy(
    session: Session, *, workspace_id: int, policy: RetentionPolicy, actor_user_id: int | None
) -> RetentionPolicyOut:
    """Replace the workspace's policy (fields left out become null: kept forever); audited."""
    record = session.scalar(select(RetentionPolicyRecord))
    before = RetentionPolicy.model_validate(record).model_dump() if record else {}
    if record is None:
        record = RetentionPolicyRecord(workspace_id=workspace_id)
        session.add(record)
    for name, value in policy.model_dump().items():
        setattr(record, name, value)
    record.updated_by_user_id = actor_user_id
    record.updated_at = utcnow()
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        action="privacy.retention_updated",
        target_type="workspace",
        target_id=workspace_id,
        detail={"before": before, "after": policy.model_dump()},
    )
    return RetentionPolicyOut.model_validate(record)


def _rule(
    kind: str, days: int, cutoff: datetime, removed: int, remaining: int
) -> RetentionRuleReport:
    return RetentionRuleReport(
        kind=kind, days=days, cutoff=cutoff, removed=removed, remaining=remaining
    )


def apply_retention(
    session: Session,
    *,
    workspace_id: int,
    data_dir: Path,
    batch_size: int,
    now: datetime | None = None,
    dry_run: bool = False,
) -> RetentionReport:
    """Apply the workspace's policy once (one batch per rule)."""
    now = now or utcnow()
    policy = get_policy(session)
    rules: list[RetentionRuleReport] = []
    # Expired Parquet days go first, before this transaction writes anything: SQLite's write
    # lock must not wait on deleting files (the files are expired whatever the rows do).
    usage_cutoff = (
        now - timedelta(days=policy.usage_events_days)
        if policy.usage_events_days is not None
        else None
    )
    expired: list[Path] = []
    files_removed = 0
    if usage_cutoff is not None:
        expired = usage.expired_days(
            data_dir, workspace_id=workspace_id, before=usage_cutoff.date()
        )
        if not dry_run:
            files_removed = usage.delete_days(expired[:DAYS_PER_RUN])
            expired = expired[DAYS_PER_RUN:]

    days = policy.closed_ticket_messages_days
    if days is not None:
        cutoff = now - timedelta(days=days)
        removed = 0
        if not dry_run:
            redacted = tickets.redact_closed_ticket_messages(
                session, closed_before=cutoff, markers=_MARKERS, limit=batch_size
            )
            removed = redacted.tickets
            if redacted.attachment_sha256:
                # Files go after the commit, once no row uses them (a job the commit releases).
                enqueue(
                    session,
                    PURGE_ATTACHMENT_FILES,
                    workspace_id=workspace_id,
                    payload={"sha256": sorted(redacted.attachment_sha256)},
                )
        remaining = tickets.count_closed_tickets_with_content(
            session, closed_before=cutoff, markers=_MARKERS
        )
        rules.append(_rule("closed_ticket_messages", days, cutoff, removed, remaining))

    for kind, days, quarantined in (
        ("inbound_mail", policy.inbound_mail_days, False),
        ("quarantined_mail", policy.quarantined_mail_days, True),
    ):
        if days is None:
            continue
        cutoff = now - timedelta(days=days)
        removed = 0
        if not dry_run:
            removed = mail.delete_inbound_older_than(
                session, received_before=cutoff, quarantined=quarantined, limit=batch_size
            )
        remaining = mail.count_inbound_older_than(
            session, received_before=cutoff, quarantined=quarantined
        )
        rules.append(_rule(kind, days, cutoff, removed, remaining))

    days = policy.outbound_mail_days
    if days is not None:
        cutoff = now - timedelta(days=days)
        removed = 0
        if not dry_run:
            removed = mail.delete_outbound_older_than(
                session, created_before=cutoff, limit=batch_size
            )
        remaining = mail.count_outbound_older_than(session, created_before=cutoff)
        rules.append(_rule("outbound_mail", days, cutoff, removed, remaining))

    days = policy.usage_events_days
    if days is not None and usage_cutoff is not None:
        cutoff = usage_cutoff
        removed = files_removed
        if not dry_run:
            removed += usage.delete_inbox_older_than(session, before=cutoff, limit=batch_size)
        remaining = usage.count_inbox_older_than(session, before=cutoff) + sum(
            1 for directory in expired for path in directory.iterdir() if path.suffix == ".parquet"
        )
        rules.append(_rule("usage_events", days, cutoff, removed, remaining))

    days = policy.audit_log_days
    if days is not None:
        cutoff = now - timedelta(days=days)
        removed = 0
        if not dry_run:
            removed = delete_audit_entries_before(session, before=cutoff, limit=batch_size)
        remaining = count_audit_entries_before(session, before=cutoff)
        rules.append(_rule("audit_log", days, cutoff, removed, remaining))

    report = RetentionReport(workspace_id=workspace_id, dry_run=dry_run, ran_at=now, rules=rules)
    for rule in rules:
        log.info(
            "retention workspace=%s kind=%s days=%s removed=%s remaining=%s dry_run=%s",
            workspace_id,
            rule.kind,
            rule.days,
            rule.removed,
            rule.remaining,
            dry_run,
        )
    if not dry_run and any(rule.removed for rule in rules):
        record_audit(
            session,
            workspace_id=workspace_id,
            actor_user_id=None,
            action="privacy.retention_applied",
            target_type="workspace",
            target_id=workspace_id,
            detail={rule.kind: rule.removed for rule in rules},
        )
    return report


def apply_login_failure_retention(
    session: Session, *, days: int, batch_size: int, now: datetime | None = None, dry_run: bool
) -> dict[str, Any]:
    """Installation-wide: delete quiet failed-login counters (they are not per workspace)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    removed = 0
    if not dry_run:
        removed = people.delete_login_failures_older_than(
            session, before=cutoff, now=now, limit=batch_size
        )
    remaining = people.count_login_failures_older_than(session, before=cutoff, now=now)
    log.info(
        "retention login_failures removed=%s remaining=%s dry_run=%s", removed, remaining, dry_run
    )
    return {"kind": "login_failures", "days": days, "removed": removed, "remaining": remaining}
