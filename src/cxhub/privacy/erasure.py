"""Erasing a contact (GDPR art. 17), through each domain's own erasure function; no commit.

`erase_contact` runs the database part in the caller's transaction: every domain removes or
anonymises what it holds on the person (see docs/privacy.md for the table), the contact and its
identifiers are deleted, rows that referenced the contact point at the workspace's erased-contact
placeholder, an `ErasureRecord` (counts only) and an audit entry are written. The file part
(attachment bytes no longer referenced, usage events already compacted to Parquet) must not run
before the commit, so it is a job (`privacy.finish_erasure`) released by the commit; the retention
job also finishes any erasure a crash left `files_pending`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.audit import record_audit, scrub_audit_details
from cxhub.core.db import unit_of_work, utcnow
from cxhub.core.errors import Conflict, NotFound
from cxhub.core.events import publish
from cxhub.core.jobs import JobQueue, enqueue
from cxhub.core.redaction import ERASED_MARKER, scrub_json
from cxhub.core.tenancy import Workspace
from cxhub.customers.contacts import erasure as contacts
from cxhub.customers.contacts.models import IdentifierKind
from cxhub.customers.timeline import erasure as timeline
from cxhub.experience.connected import service as nps
from cxhub.experience.journeys import erasure as journey_paths
from cxhub.experience.nextaction import service as next_actions
from cxhub.experience.surveys import erasure as surveys
from cxhub.experience.text import erasure as text_analytics
from cxhub.experience.topics import erasure as topics
from cxhub.experience.touchpoints import erasure as touchpoints
from cxhub.knowledge.assist import erasure as assist
from cxhub.knowledge.helpcenter import erasure as knowledge_searches
from cxhub.people.erasure import forget_login_failures
from cxhub.privacy.events import ContactErased
from cxhub.privacy.failed_jobs import PersonInJobs
from cxhub.privacy.models import ErasureRecord, ErasureStatus
from cxhub.service.automations import erasure as notifications
from cxhub.service.channels import erasure as channels
from cxhub.service.csat import erasure as csat
from cxhub.service.mail import erasure as mail
from cxhub.service.portal import erasure as portal
from cxhub.service.tickets import erasure as tickets
from cxhub.service.tickets.attachments import AttachmentStore
from cxhub.success.playbooks import erasure as playbooks
from cxhub.success.tasks import erasure as csm_tasks
from cxhub.success.usage import erasure as usage

FINISH_ERASURE = "privacy.finish_erasure"

log = logging.getLogger(__name__)


class AlreadyErased(Conflict):
    type_slug = "already-erased"
    title = "Contact already erased"


def attachment_store(data_dir: Path) -> AttachmentStore:
    return AttachmentStore(data_dir / "attachments")


def find_erasure(session: Session, *, contact_id: int) -> ErasureRecord | None:
    """The erasure that removed `contact_id` (the survivor's or a merge tombstone's id)."""
    record = session.scalar(select(ErasureRecord).where(ErasureRecord.contact_id == contact_id))
    if record is not None:
        return record
    for candidate in session.scalars(select(ErasureRecord).order_by(ErasureRecord.id)):
        if contact_id in (candidate.contact_ids or []):
            return candidate
    return None


def get_erasure(session: Session, *, erasure_id: int) -> ErasureRecord:
    record = session.scalar(select(ErasureRecord).where(ErasureRecord.id == erasure_id))
    if record is None:
        raise NotFound(f"erasure {erasure_id} not found")
    return record


def _serialise_erasures(session: Session) -> None:
    """One erasure per workspace at a time: on PostgreSQL the workspace row is locked
    `FOR NO KEY UPDATE` (inserts referencing the workspace take `FOR KEY SHARE` and are not
    blocked) until the commit, so a concurrent second erasure of the same person waits and then
    sees the first one's record (409 `already-erased`), and two first erasures never both create
    the placeholder. SQLite serialises writers already (BEGIN IMMEDIATE)."""
    workspace_id = session.info.get("workspace_id")
    if isinstance(workspace_id, int):
        session.execute(
            select(Workspace.id).where(Workspace.id == workspace_id).with_for_update(key_share=True)
        )


def erase_contact(
    session: Session,
    *,
    contact_id: int,
    actor_user_id: int | None,
    data_dir: Path,
    reason: str | None = None,
    failed_jobs_kept: bool = False,
) -> ErasureRecord:
    """Erase the contact everywhere; 409 `already-erased` when it was erased before, 404 when
    it never existed (or belongs to another workspace). `failed_jobs_kept`: the job queue keeps
    failed jobs (Redis), so the file part looks for the person in them, and the erasure record
    holds what identifies them until then."""
    _serialise_erasures(session)
    earlier = find_erasure(session, contact_id=contact_id)
    if earlier is not None:
        raise AlreadyErased(
            f"contact {contact_id} was erased on {earlier.erased_at.isoformat()}",
            erasure_id=earlier.id,
            erased_at=earlier.erased_at.isoformat(),
        )
    person = contacts.person_to_erase(session, contact_id=contact_id)
    workspace_id = person.workspace_id
    emails = list(person.values(IdentifierKind.EMAIL))
    user_ids = list(person.values(IdentifierKind.EXTERNAL_ID))
    # Read the Parquet files before the first write, so no database lock waits on the scan.
    compacted_anonymous = usage.anonymous_ids_in_files(
        data_dir, workspace_id=workspace_id, user_ids=user_ids
    )
    placeholder = contacts.erased_contact_placeholder(session, workspace_id=workspace_id)

    ticket_ids = tickets.tickets_of_contacts(session, contact_ids=person.contact_ids)
    redacted = tickets.erase_for_contacts(
        session, contact_ids=person.contact_ids, marker=ERASED_MARKER
    )
    pseudonym = usage.new_pseudonym()
    inbox_events, anonymous_ids = usage.anonymise_inbox(
        session, user_ids=user_ids, pseudonym=pseudonym, extra_anonymous_ids=compacted_anonymous
    )
    mail_result = mail.erase_for_person(session, ticket_ids=ticket_ids, tokens=person.tokens)
    notes = notifications.erase_for_person(session, ticket_ids=ticket_ids, tokens=person.tokens)
    counts: dict[str, Any] = {
        "contacts": len(person.contact_ids),
        "identifiers": sum(len(v) for v in person.identifiers.values()),
        "tickets": redacted.tickets,
        "messages": redacted.messages,
        "attachments": redacted.attachments,
        "interactions": timeline.anonymise_for_contacts(session, contact_ids=person.contact_ids),
        "csat_surveys": csat.anonymise_surveys(
            session, contact_ids=person.contact_ids, ticket_ids=ticket_ids
        ),
        **surveys.erase_for_contacts(session, contact_ids=person.contact_ids),
        "touchpoints": touchpoints.anonymise_for_contacts(session, contact_ids=person.contact_ids),
        "journey_path_prefixes": journey_paths.forget_paths(
            session, contact_ids=person.contact_ids
        ),
        "text_analyses": text_analytics.delete_analyses(
            session, contact_ids=person.contact_ids, ticket_ids=ticket_ids
        ),
        "topic_assignments": topics.delete_assignments(
            session, contact_ids=person.contact_ids, ticket_ids=ticket_ids
        ),
        "topic_keywords_scrubbed": topics.scrub_keywords(session, tokens=person.tokens),
        "nps_answers": nps.delete_answers_of_contacts(session, contact_ids=person.contact_ids),
        "next_action_decisions": next_actions.delete_for_contacts(
            session, contact_ids=person.contact_ids
        ),
        "inbound_emails": mail_result.inbound,
        "outbound_emails": mail_result.outbound,
        "channel_threads": channels.forget_threads(session, ticket_ids=ticket_ids),
        "notifications_deleted": notes.deleted,
        "notifications_scrubbed": notes.scrubbed,
        "usage_events_in_inbox": inbox_events,
        "csm_tasks": csm_tasks.anonymise_tasks(
            session,
            contact_ids=person.contact_ids,
            account_id=person.account_id,
            tokens=person.tokens,
        ),
        "playbook_runs_scrubbed": playbooks.scrub_runs(
            session, account_id=person.account_id, tokens=person.tokens
        ),
        "solved_ticket_vectors": assist.delete_ticket_vectors(session, ticket_ids=ticket_ids),
        "knowledge_searches_scrubbed": knowledge_searches.scrub_searches(
            session, tokens=person.tokens
        ),
        "login_failures": forget_login_failures(session, emails=emails, now=utcnow()),
        "portal_rows": portal.forget_portal_rows(session, contact_ids=person.contact_ids),
        "audit_entries_scrubbed": scrub_audit_details(
            session,
            targets={"contact": list(person.contact_ids), "ticket": ticket_ids},
            scrub=lambda detail: scrub_json(detail, person.tokens),
        ),
    }
    counts["references_moved"] = contacts.delete_person(
        session, person=person, placeholder_id=placeholder.id
    )
    journey_paths.recompute_placeholder_path(
        session, workspace_id=workspace_id, placeholder_id=placeholder.id, data_dir=data_dir
    )
    record = ErasureRecord(
        workspace_id=workspace_id,
        contact_id=person.contact_id,
        contact_ids=list(person.contact_ids),
        requested_contact_id=contact_id,
        actor_user_id=actor_user_id,
        reason=reason,
        status=ErasureStatus.FILES_PENDING.value,
        counts=counts,
        pending={
            "attachment_sha256": sorted(redacted.attachment_sha256),
            "usage_user_ids": user_ids,
            "usage_anonymous_ids": anonymous_ids,
            "pseudonym": pseudonym,
        },
    )
    if failed_jobs_kept:
        record.pending["failed_jobs"] = PersonInJobs.of(
            contact_ids=person.contact_ids, ticket_ids=ticket_ids, tokens=person.tokens
        ).to_pending()
    session.add(record)
    session.flush()
    record_audit(
        session,
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        action="contact.erased",
        target_type="contact",
        target_id=person.contact_id,
        detail={"erasure_id": record.id, "requested_id": contact_id, "counts": counts},
    )
    publish(
        session,
        ContactErased(
            workspace_id=workspace_id,
            contact_id=person.contact_id,
            erasure_id=record.id,
            placeholder_id=placeholder.id,
        ),
    )
    enqueue(session, FINISH_ERASURE, workspace_id=workspace_id, payload={"erasure_id": record.id})
    return record


@dataclass(frozen=True)
class PendingFiles:
    """The file part of one erasure, read from its record (no row is held while it runs)."""

    erasure_id: int
    workspace_id: int
    attachment_sha256: tuple[str, ...]
    usage_user_ids: tuple[str, ...]
    usage_anonymous_ids: tuple[str, ...]
    pseudonym: str
    #: Whom to look for in the job queue's failed-job records (None: an erasure recorded
    #: before they were part of it).
    person_in_jobs: PersonInJobs | None = None


def pending_files(session: Session, *, erasure_id: int) -> PendingFiles | None:
    """What the file part of erasure `erasure_id` has to do; None once it is complete."""
    record = get_erasure(session, erasure_id=erasure_id)
    if record.status == ErasureStatus.COMPLETE.value:
        return None
    pending = record.pending or {}
    return PendingFiles(
        erasure_id=record.id,
        workspace_id=record.workspace_id,
        attachment_sha256=tuple(pending.get("attachment_sha256", [])),
        usage_user_ids=tuple(pending.get("usage_user_ids", [])),
        usage_anonymous_ids=tuple(pending.get("usage_anonymous_ids", [])),
        pseudonym=str(pending.get("pseudonym") or usage.new_pseudonym()),
        person_in_jobs=(
            PersonInJobs.from_pending(pending["failed_jobs"]) if "failed_jobs" in pending else None
        ),
    )


def anonymise_usage_files(files: PendingFiles, *, data_dir: Path) -> dict[str, int]:
    """Anonymise the person's compacted usage events; no database access (run with no
    transaction open: a Parquet rewrite takes seconds). Answers the counts to record."""
    compacted = usage.anonymise_files(
        data_dir,
        workspace_id=files.workspace_id,
        user_ids=list(files.usage_user_ids),
        anonymous_ids=list(files.usage_anonymous_ids),
        pseudonym=files.pseudonym,
    )
    return {"usage_events_in_files": compacted.events, "usage_files_rewritten": compacted.files}


def record_files_done(
    session: Session, *, erasure_id: int, counts: dict[str, int]
) -> ErasureRecord:
    record = get_erasure(session, erasure_id=erasure_id)
    if record.status != ErasureStatus.COMPLETE.value:
        record.counts = {**(record.counts or {}), **counts}
        record.pending = {}
        record.status = ErasureStatus.COMPLETE.value
        record.completed_at = utcnow()
        session.flush()
    return record


def finish_erasure(
    factory: sessionmaker[Session],
    *,
    workspace_id: int,
    erasure_id: int,
    data_dir: Path,
    job_queue: JobQueue | None = None,
) -> bool:
    """The file part, after the commit: delete attachment files no row uses any more,
    anonymise the person's compacted usage events and delete the failed-job records of
    `job_queue` that name them (`failed_jobs`). The record is read and the attachment files
    deleted in one short unit of work, the usage files are rewritten with no transaction open
    (a Parquet rewrite takes seconds; SQLite's write lock must not wait on it), the status is
    written in another. Safe to run again (it finds nothing left); answers whether there was
    anything to do."""
    with unit_of_work(factory, workspace_id) as session:
        files = pending_files(session, erasure_id=erasure_id)
        if files is None:
            return False
        # Checked and deleted while the files are held: an upload of the same bytes meanwhile
        # waits, or is waited for and keeps its file (unlinking a few files is quick).
        deleted = tickets.purge_unreferenced_files(
            session, store=attachment_store(data_dir), sha256s=set(files.attachment_sha256)
        )
    counts = {
        "attachment_files_deleted": deleted,
        **anonymise_usage_files(files, data_dir=data_dir),
    }
    if job_queue is not None and files.person_in_jobs is not None:
        counts["failed_jobs_deleted"] = job_queue.forget_failed_jobs(
            workspace_id, files.person_in_jobs.mentioned_by
        )
    with unit_of_work(factory, workspace_id) as session:
        record_files_done(session, erasure_id=erasure_id, counts=counts)
    return True


def finish_pending_erasures(
    factory: sessionmaker[Session],
    *,
    workspace_id: int,
    data_dir: Path,
    job_queue: JobQueue | None = None,
) -> tuple[int, int]:
    """Finish every erasure of the workspace left `files_pending`, each on its own: one that
    fails is logged and stays pending (the next run retries it), the others and the caller's
    retention still run. Answers (finished, failed)."""
    with unit_of_work(factory, workspace_id) as session:
        erasure_ids = pending_erasure_ids(session)
    finished = failed = 0
    for erasure_id in erasure_ids:
        try:
            finish_erasure(
                factory,
                workspace_id=workspace_id,
                erasure_id=erasure_id,
                data_dir=data_dir,
                job_queue=job_queue,
            )
            finished += 1
        except Exception:
            failed += 1
            log.exception(
                "finishing erasure %s of workspace %s failed; it stays files_pending",
                erasure_id,
                workspace_id,
            )
    return finished, failed


def pending_erasure_ids(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(ErasureRecord.id)
            .where(ErasureRecord.status == ErasureStatus.FILES_PENDING.value)
            .order_by(ErasureRecord.id)
        )
    )
