"""Journey background work: move customers after the commit that recorded a touchpoint or
started a subscription (each in its own job, so the request never waits), and the periodic scan
of page views, product events and renewal windows (`scan.py`). The same jobs keep the
path-prefix rollup (ADR 0030, `paths.py`): a recorded touchpoint and the scanned page views are
folded in, a merge recomputes the winner, `journeys.rebuild_paths` rebuilds it all."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cxhub.core.db import utcnow
from cxhub.core.jobs import JobRequest
from cxhub.core.runtime import Runtime
from cxhub.customers.contacts.events import ContactsMerged
from cxhub.customers.contacts.service import contact_ids_of_account
from cxhub.experience.journeys import paths
from cxhub.experience.journeys.path_rebuild import rebuild_paths, rollup_missing
from cxhub.experience.journeys.rules import Signal
from cxhub.experience.journeys.scan import (
    first_calls,
    moving_first_calls,
    renewal_signals,
    scan_renewals,
    scan_usage,
    scan_window,
)
from cxhub.experience.journeys.service import Subject, apply_signal
from cxhub.experience.touchpoints.events import TouchpointDeleted, TouchpointRecorded
from cxhub.experience.touchpoints.service import get_touchpoint
from cxhub.success.subscriptions.events import SubscriptionStarted

APPLY_TOUCHPOINT = "journeys.apply_touchpoint"
APPLY_ACCOUNT_EVENT = "journeys.apply_account_event"
SCAN = "journeys.scan"
RECOMPUTE_PATHS = "journeys.recompute_paths"
REBUILD_PATHS = "journeys.rebuild_paths"


def apply_touchpoint(session: Session, *, touchpoint_id: int, data_dir: Path) -> int:
    """Move the touchpoint's customer along the journeys and fold it into their path prefix."""
    touchpoint = get_touchpoint(session, touchpoint_id=touchpoint_id)
    if touchpoint.contact_id is None:
        return 0
    paths.apply_touchpoints(
        session,
        workspace_id=touchpoint.workspace_id,
        touchpoints=[(touchpoint.contact_id, touchpoint.occurred_at, touchpoint.kind)],
        data_dir=data_dir,
    )
    url = touchpoint.details.get("url") if isinstance(touchpoint.details, dict) else None
    signal = Signal(
        source="touchpoint",
        occurred_at=touchpoint.occurred_at,
        channel=touchpoint.channel,
        kind=touchpoint.kind,
        page=str(url) if url else None,
        score=touchpoint.score,
    )
    return len(
        apply_signal(
            session,
            workspace_id=touchpoint.workspace_id,
            subjects=[Subject(touchpoint.contact_id, touchpoint.account_id)],
            signal=signal,
            cause=f"touchpoint:{touchpoint.id}",
        )
    )


def apply_account_event(
    session: Session, *, workspace_id: int, account_id: int, event: str, at: datetime
) -> int:
    """A domain event about an account moves each of its contacts."""
    subjects = [
        Subject(c, account_id) for c in contact_ids_of_account(session, account_id=account_id)
    ]
    signal = Signal(source="event", occurred_at=at, event=event)
    return len(
        apply_signal(
            session, workspace_id=workspace_id, subjects=subjects, signal=signal, cause=event
        )
    )


def install(runtime: Runtime) -> None:
    settings = runtime.settings

    def run_touchpoint(session: Session, payload: dict[str, Any]) -> None:
        apply_touchpoint(
            session, touchpoint_id=int(payload["touchpoint_id"]), data_dir=settings.data_dir
        )

    runtime.jobs.register(APPLY_TOUCHPOINT)(run_touchpoint)

    def on_touchpoint(event: TouchpointRecorded) -> None:
        if event.contact_id is not None:
            runtime.job_queue.submit(
                JobRequest(
                    APPLY_TOUCHPOINT, event.workspace_id, {"touchpoint_id": event.touchpoint_id}
                )
            )

    runtime.events.subscribe(TouchpointRecorded, on_touchpoint)

    def run_account_event(session: Session, payload: dict[str, Any]) -> None:
        apply_account_event(
            session,
            workspace_id=int(session.info["workspace_id"]),
            account_id=int(payload["account_id"]),
            event=str(payload["event"]),
            at=datetime.fromisoformat(payload["at"]),
        )

    runtime.jobs.register(APPLY_ACCOUNT_EVENT)(run_account_event)

    def on_subscription(event: SubscriptionStarted) -> None:
        at = datetime.combine(event.started_on, datetime.min.time(), tzinfo=UTC)
        runtime.job_queue.submit(
            JobRequest(
                APPLY_ACCOUNT_EVENT,
                event.workspace_id,
                {"account_id": event.account_id, "event": event.name, "at": at.isoformat()},
            )
        )

    runtime.events.subscribe(SubscriptionStarted, on_subscription)

    def run_scan(session: Session, payload: dict[str, Any]) -> None:
        now = datetime.fromisoformat(payload["at"]) if payload.get("at") else utcnow()
        workspace_id = int(session.info["workspace_id"])
        # Everything is read in a read-only session, keeping what would change; the job's
        # session then writes only that (SQLite's write lock is held from its first statement,
        # ADR 0035). Why a preview older than the write is safe: `scan.py`.
        with runtime.reading(session.info) as reader:
            with scan_window(
                reader,
                workspace_id=workspace_id,
                data_dir=settings.data_dir,
                now=now,
                lookback=timedelta(hours=settings.journeys_scan_lookback_hours),
            ) as events:
                firsts = first_calls(events)
                page_views = paths.page_views_in(events)
            firsts = moving_first_calls(reader, firsts=firsts)
            renewals = renewal_signals(reader, today=now.date(), now=now)
            rebuild = rollup_missing(reader, workspace_id=workspace_id)
            page_views = paths.changing_page_views(reader, page_views=page_views)
        scan_usage(session, workspace_id=workspace_id, firsts=firsts)
        scan_renewals(session, workspace_id=workspace_id, signals=renewals)
        if rebuild:  # built by a concurrent rebuild meanwhile? Building it again is harmless.
            rebuild_paths(session, workspace_id=workspace_id, data_dir=settings.data_dir)
        paths.scan_page_views(
            session, workspace_id=workspace_id, page_views=page_views, data_dir=settings.data_dir
        )

    runtime.jobs.register(SCAN)(run_scan)

    def run_recompute_paths(session: Session, payload: dict[str, Any]) -> None:
        paths.forget_contacts(session, contact_ids=[int(c) for c in payload.get("forget", [])])
        paths.recompute_contacts(
            session,
            workspace_id=int(session.info["workspace_id"]),
            contact_ids=[int(c) for c in payload.get("contact_ids", [])],
            data_dir=settings.data_dir,
        )

    runtime.jobs.register(RECOMPUTE_PATHS)(run_recompute_paths)
    runtime.events.subscribe(
        ContactsMerged,
        lambda e: runtime.job_queue.submit(
            JobRequest(
                RECOMPUTE_PATHS,
                e.workspace_id,
                {"contact_ids": [e.winner_id], "forget": [e.loser_id]},
            )
        ),
    )

    def on_touchpoint_deleted(event: TouchpointDeleted) -> None:
        if event.contact_id is not None:
            runtime.job_queue.submit(
                JobRequest(RECOMPUTE_PATHS, event.workspace_id, {"contact_ids": [event.contact_id]})
            )

    runtime.events.subscribe(TouchpointDeleted, on_touchpoint_deleted)

    def run_rebuild_paths(session: Session, payload: dict[str, Any]) -> None:
        rebuild_paths(
            session, workspace_id=int(session.info["workspace_id"]), data_dir=settings.data_dir
        )

    runtime.jobs.register(REBUILD_PATHS)(run_rebuild_paths)
    if runtime.scheduler is not None:
        runtime.scheduler.every(settings.journeys_scan_every_seconds, SCAN)
