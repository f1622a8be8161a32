"""Sending the recurring-issue report to the product team: a CSV file or a signed webhook post.

Both carry figures and example *ticket ids*, never the customers' words (the excerpts stay in
cxhub, behind the tickets permission): what leaves the installation is what a product team
needs to prioritise, and it does not have to be erased later.

The webhook goes through `cxhub.core.outbound_http.send` with the installation's policy (the
same SSRF rules as playbook webhooks). With a secret, `X-Cxhub-Signature` is
`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, the scheme of playbook webhooks.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub import __version__
from cxhub.core.audit import record_audit
from cxhub.core.errors import ValidationFailed
from cxhub.core.outbound_http import (
    NETWORK_ERRORS,
    OutboundPolicy,
    OutboundRefused,
    UnsafeTarget,
    check_configured_url,
    send,
)
from cxhub.experience.topics.report import TopicFigures

SIGNATURE_HEADER = "X-Cxhub-Signature"
CSV_COLUMNS = (
    "rank",
    "topic_id",
    "name",
    "label",
    "intent",
    "texts",
    "contacts",
    "repeat_contacts",
    "repeat_rate",
    "negative_texts",
    "analysed_texts",
    "negative_share",
    "accounts",
    "arr",
    "example_ticket_ids",
)


def _arr(arr_cents: dict[str, int]) -> str:
    return ";".join(
        f"{currency} {cents / 100:.2f}" for currency, cents in sorted(arr_cents.items())
    )


def issue_json(rank: int, figure: TopicFigures) -> dict[str, Any]:
    return {
        "rank": rank,
        "topic_id": figure.topic_id,
        "name": figure.name,
        "label": figure.label,
        "intent": figure.intent,
        "texts": figure.texts,
        "contacts": figure.contacts,
        "repeat_contacts": figure.repeat_contacts,
        "repeat_rate": figure.repeat_rate,
        "negative_texts": figure.negative,
        "analysed_texts": figure.analysed,
        "negative_share": figure.negative_share,
        "accounts": len(figure.account_ids),
        "arr_cents": dict(sorted(figure.arr_cents.items())),
        "example_ticket_ids": [e.ticket_id for e in figure.examples],
    }


def report_csv(issues: Sequence[TopicFigures]) -> str:
    """One row per topic, ranked; rates as decimals (empty when undefined)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for rank, figure in enumerate(issues, start=1):
        row = issue_json(rank, figure)
        row["arr"] = _arr(figure.arr_cents)
        row["example_ticket_ids"] = " ".join(str(i) for i in row["example_ticket_ids"])
        # A name or label starting with = + - @ is text, not a spreadsheet formula.
        for key in ("name", "label"):
            if str(row[key]).startswith(("=", "+", "-", "@")):
                row[key] = "'" + str(row[key])
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in CSV_COLUMNS])
    return out.getvalue()


def report_body(
    issues: Sequence[TopicFigures], *, workspace_id: int, since: datetime, until: datetime
) -> bytes:
    return json.dumps(
        {
            "event": "topics.recurring_issues",
            "workspace_id": workspace_id,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "issues": [issue_json(rank, f) for rank, f in enumerate(issues, start=1)],
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(
        secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass(frozen=True)
class Delivery:
    delivered: bool
    status: int | None
    detail: str


def deliver_report(
    body: bytes, *, url: str, secret: str | None, policy: OutboundPolicy, timeout: float = 10.0
) -> Delivery:
    """Post the report once; 2xx is delivered, anything else is reported back (not raised)."""
    check_configured_url(url, policy)
    headers = {"Content-Type": "application/json", "User-Agent": f"cxhub/{__version__}"}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, body, int(time.time()))
    try:
        response = send(
            "POST",
            url,
            policy=policy,
            body=body,
            headers=headers,
            timeout=timeout,
            total_timeout=3 * timeout,
            follow_redirects=False,
        )
    except OutboundRefused as refused:
        raise UnsafeTarget(refused.reason, field="url") from None
    except NETWORK_ERRORS as error:
        return Delivery(False, None, f"network error: {type(error).__name__}")
    ok = 200 <= response.status < 300
    return Delivery(ok, response.status, "delivered" if ok else f"answered {response.status}")


def check_secret(secret: str | None) -> None:
    if secret is not None and not 16 <= len(secret) <= 200:
        raise ValidationFailed("secret is 16-200 characters", field="secret")


def audit_export(
    session: Session,
    *,
    workspace_id: int,
    actor_user_id: int | None,
    channel: str,
    issues: int,
    since: datetime,
    until: datetime,
) -> None:
    """Who sent the report where (a data export: audited, docs/security.md)."""
    record_audit(
        session,
        workspace_id=workspace_id,
        actor_user_id=actor_user_id,
        action="topics.report_exported",
        target_type="workspace",
        target_id=workspace_id,
        detail={
            "channel": channel,
            "issues": issues,
            "since": since.isoformat(),
            "until": until.isoformat(),
        },
    )
