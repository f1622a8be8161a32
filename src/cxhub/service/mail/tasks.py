"""E-mail background work: process stored inbound mail, deliver replies, and the two sweeps
(`mail.process_pending`, `mail.retry_due`, every 30 s) that make both survive a crash."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import unit_of_work, utcnow
from cxhub.core.runtime import Runtime
from cxhub.core.settings import Settings
from cxhub.service.mail.inbound import PROCESS_INBOUND, PROCESS_PENDING, pending_inbound_ids
from cxhub.service.mail.intake import IntakeOptions, process_inbound
from cxhub.service.mail.listener import intake_gate
from cxhub.service.mail.outbound import (
    DELIVER,
    RETRY_DUE,
    claim_delivery,
    due_outbound_ids,
    fail_without_relay,
    record_delivery,
)
from cxhub.service.mail.transport import DeliveryError, SmtpTransport
from cxhub.service.tickets.attachments import AttachmentStore

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30


def intake_options(settings: Settings) -> IntakeOptions:
    return IntakeOptions(
        store=AttachmentStore(settings.data_dir / "attachments"),
        attachment_max_bytes=settings.attachment_max_bytes,
    )


def smtp_transport(settings: Settings) -> SmtpTransport | None:
    """The relay from settings; None when `CXHUB_SMTP_HOST` is unset."""
    if not settings.smtp_host:
        return None
    return SmtpTransport(
        settings.smtp_host,
        settings.smtp_port,
        username=settings.smtp_username,
        password=settings.smtp_password,
        security=settings.smtp_security,
        timeout=settings.smtp_timeout,
    )


def _workspace_of(session: Session) -> int:
    workspace_id = session.info.get("workspace_id")
    if not isinstance(workspace_id, int):
        raise RuntimeError("mail jobs run scoped to one workspace")
    return workspace_id


def deliver(
    factory: sessionmaker[Session],
    *,
    workspace_id: int,
    outbound_id: int,
    transport: SmtpTransport | None,
) -> None:
    """One delivery attempt: claim (commit), send outside any transaction, record (commit)."""
    if transport is None:
        with unit_of_work(factory, workspace_id) as session:
            fail_without_relay(session, outbound_id=outbound_id)
        return
    with unit_of_work(factory, workspace_id) as session:
        claimed = claim_delivery(session, outbound_id=outbound_id, now=utcnow())
    if claimed is None:
        return
    error: DeliveryError | None = None
    try:
        transport.send(
            claimed.message, envelope_from=claimed.envelope_from, recipients=[claimed.recipient]
        )
    except DeliveryError as failure:
        log.warning(
            "outbound email %s attempt %s failed: %s", outbound_id, claimed.attempt, failure
        )
        error = failure
    with unit_of_work(factory, workspace_id) as session:
        record_delivery(session, outbound_id=outbound_id, error=error, now=utcnow())


def install(runtime: Runtime) -> None:
    settings = runtime.settings
    factory = runtime.session_factory
    options = intake_options(settings)

    gate = intake_gate(factory)

    # Processing yields to pending stores (listener.IntakeGate), so it runs in a unit of work
    # of its own inside the gate and leaves the job's session unused.
    def run_process_inbound(session: Session, payload: dict[str, Any]) -> None:
        with gate.processing(), unit_of_work(factory, _workspace_of(session)) as own:
            process_inbound(own, int(payload["inbound_id"]), options=options)

    def run_process_pending(session: Session, payload: dict[str, Any]) -> None:
        workspace_id = _workspace_of(session)
        with unit_of_work(factory, workspace_id) as lookup:
            pending = pending_inbound_ids(lookup)
        for inbound_id in pending:
            with gate.processing(), unit_of_work(factory, workspace_id) as own:
                process_inbound(own, inbound_id, options=options)

    # The delivery jobs leave their own session unused: sending must not hold a transaction
    # (on SQLite, the write lock) open for the length of an SMTP conversation.
    def run_deliver(session: Session, payload: dict[str, Any]) -> None:
        deliver(
            factory,
            workspace_id=_workspace_of(session),
            outbound_id=int(payload["outbound_id"]),
            transport=smtp_transport(settings),
        )

    def run_retry_due(session: Session, payload: dict[str, Any]) -> None:
        workspace_id = _workspace_of(session)
        with unit_of_work(factory, workspace_id) as lookup:
            due = due_outbound_ids(lookup, now=utcnow())
        transport = smtp_transport(settings)
        for outbound_id in due:
            deliver(
                factory, workspace_id=workspace_id, outbound_id=outbound_id, transport=transport
            )

    runtime.jobs.register(PROCESS_INBOUND)(run_process_inbound)
    runtime.jobs.register(PROCESS_PENDING)(run_process_pending)
    runtime.jobs.register(DELIVER)(run_deliver)
    runtime.jobs.register(RETRY_DUE)(run_retry_due)
    if runtime.scheduler is not None:
        runtime.scheduler.every(SWEEP_SECONDS, PROCESS_PENDING)
        runtime.scheduler.every(SWEEP_SECONDS, RETRY_DUE)
