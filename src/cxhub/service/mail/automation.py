"""Tell mail written by a person from mail written by a machine: auto-replies, lists, bounces.

A helpdesk that acknowledges every inbound mail will, sooner or later, acknowledge an
out-of-office reply to its own acknowledgement, and the two robots mail each other forever. The
caller must never send an automatic answer to a message for which `is_auto_reply` or `is_bounce`
is set; bounces additionally tell the ticket that an earlier reply was not delivered.

Signals used (RFC 3834, RFC 3464 and the de-facto headers of Exchange and common autoresponders):
`Auto-Submitted` other than `no`; `Precedence: bulk|junk|list|auto_reply`; `X-Autoreply`;
`X-Autorespond`; `X-Auto-Response-Suppress` naming `All`, `OOF` or `AutoReply`; `List-Id` and
`List-Unsubscribe` (mailing lists and newsletters). A bounce is a `multipart/report` with
`report-type=delivery-status`, or comes from `MAILER-DAEMON`/`postmaster`, or has an empty
`Return-Path: <>` and carries a `message/delivery-status` part.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

from cxhub.service.mail.charsets import decode_header_value

_PRECEDENCE_AUTOMATED = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_SUPPRESS_AUTOMATED = {"all", "oof", "autoreply"}
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}


@dataclass(frozen=True)
class AutomationVerdict:
    """Whether a message was sent by a machine, and the first signal that said so."""

    is_auto_reply: bool
    is_bounce: bool
    reason: str | None


def _header(message: Message, name: str) -> str | None:
    value = message.get(name)
    return None if value is None else decode_header_value(value)


def _auto_reply_reason(message: Message) -> str | None:
    auto_submitted = _header(message, "Auto-Submitted")
    if auto_submitted is not None and auto_submitted.split(";")[0].strip().lower() not in (
        "no",
        "",
    ):
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence")
    if precedence is not None and precedence.strip().lower() in _PRECEDENCE_AUTOMATED:
        return f"Precedence: {precedence.strip()}"
    for name in ("X-Autoreply", "X-Autorespond"):
        if message.get(name) is not None:
            return f"{name} present"
    suppress = _header(message, "X-Auto-Response-Suppress")
    if suppress is not None:
        tokens = {token.strip().lower() for token in suppress.split(",")}
        if tokens & _SUPPRESS_AUTOMATED:
            return f"X-Auto-Response-Suppress: {suppress}"
    for name in ("List-Id", "List-Unsubscribe"):
        if message.get(name) is not None:
            return f"{name} present (mailing list)"
    return None


def _has_delivery_status(message: Message) -> bool:
    return any(
        part.get_content_type() in ("message/delivery-status", "message/global-delivery-status")
        for part in message.walk()
    )


def _bounce_reason(message: Message, from_address: str) -> str | None:
    content_type = message.get_content_type()
    report_type = str(message.get_param("report-type", "") or "").lower()
    if content_type == "multipart/report" and report_type == "delivery-status":
        return "multipart/report; report-type=delivery-status"
    local_part = from_address.split("@", 1)[0].lower()
    if local_part in _BOUNCE_SENDERS:
        return f"sent by {local_part}"
    return_path = _header(message, "Return-Path")
    if (
        return_path is not None
        and return_path.strip() in ("<>", "")
        and _has_delivery_status(message)
    ):
        return "Return-Path <> with delivery status"
    return None


def classify_automation(message: Message, *, from_address: str) -> AutomationVerdict:
    """The verdict for a parsed message whose sender address is `from_address`."""
    bounce_reason = _bounce_reason(message, from_address)
    auto_reason = _auto_reply_reason(message)
    return AutomationVerdict(
        is_auto_reply=auto_reason is not None,
        is_bounce=bounce_reason is not None,
        reason=bounce_reason or auto_reason,
    )
