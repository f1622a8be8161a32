"""Webhook posts of playbook runs: signed JSON, delivered by a job outside any transaction.

The body is the run as JSON (`{"event": "playbook.fired", "playbook": …, "run": …}`). The
`X-Cxhub-Signature` header is `t=<unix seconds>,v1=<hex HMAC-SHA256>` of `<t>.<body>` with the
playbook's webhook secret, so a receiver can check origin and freshness (docs/playbooks.md).
The post goes through `cxhub.core.outbound_http.send` with the installation's policy
(`CXHUB_OUTBOUND_HTTP_ALLOW`): every address the host resolves to is checked, the connection is
pinned to the checked address and each redirect hop is checked the same way. The URL's text is
also checked when the playbook is saved and when a run queues the post (`check_configured_url`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cxhub import __version__
from cxhub.core.db import unit_of_work
from cxhub.core.jobs import enqueue
from cxhub.core.outbound_http import (
    NETWORK_ERRORS,
    REDIRECT_STATUSES,
    OutboundPolicy,
    OutboundRefused,
    send,
)
from cxhub.success.playbooks.actions import DELIVER_WEBHOOK
from cxhub.success.playbooks.models import Playbook, PlaybookRun
from cxhub.success.playbooks.schemas import PlaybookRunOut

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Cxhub-Signature"
TIMEOUT_SECONDS = 10.0  # per socket operation
TOTAL_SECONDS = 30.0  # the whole post: connect, send, the answer's headers and body
# A post still `queued` this long after its run lost its job (process stopped past the
# shutdown grace, crash): the hourly evaluation queues it again, for runs up to REQUEUE_WITHIN old.
REQUEUE_AFTER = timedelta(minutes=15)
REQUEUE_WITHIN = timedelta(days=7)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, now: float, tolerance: int = 300) -> bool:
    """What a receiver does (and what the tests check): recompute and compare, refuse stale."""
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


@dataclass(frozen=True)
class WebhookRequest:
    url: str
    body: bytes
    secret: str


def _prepare(session: Session, run_id: int, index: int) -> WebhookRequest | None:
    run = session.get(PlaybookRun, run_id)
    if run is None or index >= len(run.actions) or run.playbook_id is None:
        return None
    playbook = session.get(Playbook, run.playbook_id)
    queued = run.actions[index]
    url = (queued.get("ref") or {}).get("url")
    if playbook is None or queued.get("status") != "queued" or not isinstance(url, str):
        return None
    body = json.dumps(
        {
            "event": "playbook.fired",
            "playbook": {"id": playbook.id, "name": playbook.name},
            "run": PlaybookRunOut.of(run).model_dump(mode="json"),
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()
    return WebhookRequest(url, body, playbook.webhook_secret)


def _record(session: Session, run_id: int, index: int, status: str, detail: str) -> None:
    run = session.get(PlaybookRun, run_id)
    if run is None or index >= len(run.actions):
        return
    actions = [dict(a) for a in run.actions]
    actions[index] = actions[index] | {"status": status, "detail": detail[:1000]}
    run.actions = actions
    ok = sum(1 for a in actions if a["status"] in ("done", "queued", "sent"))
    run.status = "succeeded" if ok == len(actions) else ("partial" if ok else "failed")
    session.flush()


def deliver_webhook(
    factory: sessionmaker[Session],
    *,
    workspace_id: int,
    run_id: int,
    index: int,
    policy: OutboundPolicy,
    now: Callable[[], float] = time.time,
) -> str | None:
    """Send the queued webhook of action `index` of run `run_id` once; record `sent` (2xx) or
    `failed` with the reason on the run. Returns the recorded status (None: nothing to send)."""
    with unit_of_work(factory, workspace_id) as session:
        request = _prepare(session, run_id, index)
    if request is None:
        return None
    try:
        response = send(
            "POST",
            request.url,
            policy=policy,
            body=request.body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"cxhub/{__version__}",
                SIGNATURE_HEADER: sign(request.secret, request.body, int(now())),
            },
            timeout=TIMEOUT_SECONDS,
            total_timeout=TOTAL_SECONDS,
            # The signature must reach only the configured receiver: a redirect is a failure.
            follow_redirects=False,
        )
        detail = f"POST {request.url}: HTTP {response.status}"
        if response.status in REDIRECT_STATUSES:
            detail += " (redirects are not followed)"
        if response.redirects:
            detail += f" from {response.url}"
        status = "sent" if 200 <= response.status < 300 else "failed"
    except OutboundRefused as refused:
        status, detail = "failed", f"refused: {refused}"
    except NETWORK_ERRORS as error:
        log.warning("playbook webhook %s/%s failed: %s", run_id, index, error)
        status, detail = "failed", f"POST {request.url}: {error}"
    with unit_of_work(factory, workspace_id) as session:
        _record(session, run_id, index, status, detail)
    return status


def requeue_stuck_webhooks(session: Session, *, workspace_id: int, now: datetime) -> int:
    """Queue again (after the commit) the webhook posts of the workspace's runs created between
    REQUEUE_WITHIN and REQUEUE_AFTER before `now` that are still `queued`; returns how many.

    Safe to repeat: `deliver_webhook` sends only an action still `queued`, so a post whose
    first job was merely late is sent once and the second job finds it `sent`/`failed`."""
    stuck = 0
    runs = session.scalars(
        select(PlaybookRun)
        .where(
            PlaybookRun.workspace_id == workspace_id,
            PlaybookRun.created_at >= now - REQUEUE_WITHIN,
            PlaybookRun.created_at <= now - REQUEUE_AFTER,
        )
        .order_by(PlaybookRun.id)
    )
    for run in runs:
        for index, action in enumerate(run.actions):
            if action.get("type") == "webhook" and action.get("status") == "queued":
                enqueue(
                    session,
                    DELIVER_WEBHOOK,
                    workspace_id=workspace_id,
                    payload={"run_id": run.id, "index": index},
                )
                stuck += 1
    if stuck:
        log.warning("re-queued %d stuck playbook webhook(s) in workspace %d", stuck, workspace_id)
    return stuck
