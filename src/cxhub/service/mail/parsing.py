"""Read an inbound email into plain values the ticket services can trust.

The parser is the stdlib's `compat32` one: it never rejects a message, keeps undecodable bytes
(as surrogate escapes) instead of guessing early, and leaves every decision about charsets to
`charsets.decode_text`, which knows how real clients mislabel them. Only a message without any
usable sender address raises (`UnparseableEmail`), because a ticket needs someone to answer;
the caller quarantines those. Everything else degrades: a broken part becomes replacement
characters or an attachment, never an exception.
"""

from __future__ import annotations

import email
import hashlib
import mimetypes
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.policy import Compat32
from email.utils import getaddresses, parsedate_to_datetime

from cxhub.service.mail.automation import classify_automation
from cxhub.service.mail.charsets import decode_header_value, decode_text
from cxhub.service.mail.html_text import html_to_text, sanitise_html
from cxhub.service.mail.identifiers import (
    TICKET_TOKEN,
    message_ids,
    normalise_message_id,
    subject_with_ticket_token,
    ticket_number_from_subject,
)
from cxhub.service.mail.quotes import strip_quoted_reply

__all__ = [
    "TICKET_TOKEN",
    "ParsedAttachment",
    "ParsedEmail",
    "UnparseableEmail",
    "normalise_message_id",
    "parse_email",
    "subject_with_ticket_token",
    "ticket_number_from_subject",
]

SYNTHETIC_ID_DOMAIN = "cxhub.invalid"
_AUDIT_HEADERS = (
    "Message-ID", "Date", "From", "Sender", "Reply-To", "To", "Cc", "Subject", "Return-Path",
    "In-Reply-To", "Auto-Submitted", "Precedence", "X-Mailer", "User-Agent",
    "Authentication-Results", "Received-SPF",
)  # fmt: skip
_AUDIT_VALUE_LIMIT = 500
_MAX_PARTS = 1000
"""Parts looked at per message; a hostile message with a million parts stays cheap to read."""


class _KeepRawHeaders(Compat32):
    """compat32, except that header values keep their undecoded 8-bit bytes.

    Plain compat32 wraps such a value in a `Header` whose text has lost those bytes to
    replacement characters; `decode_header_value` can still decode them (raw UTF-8 subjects are
    common).
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_KEEP_RAW_HEADERS = _KeepRawHeaders()


class UnparseableEmail(ValueError):
    """The message cannot become a ticket message (no sender to answer); quarantine it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ParsedAttachment:
    """A file carried by an email; `inline` parts are shown inside the HTML body via `content_id`."""

    filename: str
    content_type: str
    content: bytes
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class ParsedEmail:
    """An inbound email as plain values; `reply_text` is what the customer newly wrote."""

    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_address: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    reply_to: tuple[str, ...]
    sent_at: datetime | None
    text: str
    html: str | None
    reply_text: str
    attachments: tuple[ParsedAttachment, ...]
    is_auto_reply: bool
    is_bounce: bool
    auto_reason: str | None
    headers_for_audit: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def is_automated(self) -> bool:
        """Sent by a machine (auto-reply, list or bounce): never answer it automatically."""
        return self.is_auto_reply or self.is_bounce


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs of a header; unusable entries are left out."""
    raw_values = [str(value) for value in message.get_all(name, [])]
    try:
        pairs = getaddresses(raw_values)
    except Exception:  # getaddresses is lenient, but a hostile header must not cost the mail
        return []
    found: list[tuple[str, str]] = []
    for display_name, address in pairs:
        cleaned = decode_header_value(address).strip().strip("<>").lower()
        local, _, domain = cleaned.rpartition("@")
        if local and domain and " " not in cleaned:
            found.append((decode_header_value(display_name), cleaned))
    return found


def _sender(message: Message) -> tuple[str, str]:
    for name in ("From", "Sender", "Reply-To", "Return-Path"):
        pairs = _addresses(message, name)
        if pairs:
            return pairs[0]
    raise UnparseableEmail("no usable sender address (From, Sender, Reply-To, Return-Path)")


def _sent_at(message: Message) -> datetime | None:
    value = message.get("Date")
    if value is None:
        return None
    try:
        parsed = parsedate_to_datetime(decode_header_value(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:  # "-0000": the time is UTC, the zone unknown (RFC 5322 3.3)
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _content_charset(part: Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:  # a malformed RFC 2231 charset parameter
        return None


def _payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", errors="surrogateescape") if isinstance(raw, str) else b""


def _leaf_parts(message: Message) -> Iterator[Message]:
    """Every non-container part; an attached message (`message/rfc822`) counts as one part."""
    stack = [message]
    seen = 0
    while stack and seen < _MAX_PARTS:
        part = stack.pop()
        seen += 1
        if part.get_content_maintype() == "multipart" and part.is_multipart():
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(reversed([child for child in children if isinstance(child, Message)]))
            continue
        yield part


def _disposition(part: Message) -> str:
    value = part.get("Content-Disposition")
    return "" if value is None else str(value).split(";")[0].strip().lower()


def _filename(part: Message, index: int, content_type: str) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:
        name = ""
    decoded = decode_header_value(name if isinstance(name, str) else "").strip()
    decoded = decoded.replace("/", "_").replace("\\", "_")
    if decoded:
        return decoded
    if content_type == "message/rfc822":
        return f"message-{index}.eml"
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"part-{index}{extension}"


def _attachment_bytes(part: Message) -> bytes:
    if part.get_content_maintype() == "message":
        # the parser splits message/* parts into sub-messages (one per DSN block); rejoin them
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            try:
                return b"".join(item.as_bytes() for item in payload if isinstance(item, Message))
            except Exception:
                return _payload_bytes(part)
    return _payload_bytes(part)


@dataclass
class _Bodies:
    text: str | None = None
    html: str | None = None
    attachments: list[ParsedAttachment] = field(default_factory=list)


def _collect_bodies(message: Message) -> _Bodies:
    bodies = _Bodies()
    for index, part in enumerate(_leaf_parts(message), start=1):
        content_type = part.get_content_type()
        disposition = _disposition(part)
        is_attachment = disposition == "attachment" or bool(
            disposition != "inline" and part.get_param("name")
        )
        if content_type == "text/plain" and not is_attachment:
            # Apple Mail splits a body around inline images into several text parts
            text = decode_text(_payload_bytes(part), _content_charset(part))
            bodies.text = text if bodies.text is None else f"{bodies.text}\n{text}"
            continue
        if content_type == "text/html" and bodies.html is None and not is_attachment:
            bodies.html = decode_text(_payload_bytes(part), _content_charset(part))
            continue
        content_id = part.get("Content-ID")
        cid = normalise_message_id(decode_header_value(content_id)) if content_id else None
        bodies.attachments.append(
            ParsedAttachment(
                filename=_filename(part, index, content_type),
                content_type=content_type,
                content=_attachment_bytes(part),
                content_id=cid or None,
                inline=disposition == "inline" or (disposition == "" and bool(cid)),
            )
        )
    return bodies


def _audit_headers(message: Message) -> dict[str, str]:
    audit: dict[str, str] = {}
    for name in _AUDIT_HEADERS:
        value = message.get(name)
        if value is not None:
            audit[name] = decode_header_value(value)[:_AUDIT_VALUE_LIMIT]
    received = message.get_all("Received") or []
    if received:
        audit["Received"] = decode_header_value(received[0])[:_AUDIT_VALUE_LIMIT]
    return audit


def _message_id(message: Message, raw: bytes) -> str:
    value = message.get("Message-ID")
    found = normalise_message_id(decode_header_value(value)) if value is not None else ""
    if found:
        return found
    return f"sha256-{hashlib.sha256(raw).hexdigest()}@{SYNTHETIC_ID_DOMAIN}"


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse the raw bytes of one message (as received over SMTP); see the module docstring."""
    try:
        message = email.message_from_bytes(raw, policy=_KEEP_RAW_HEADERS)
    except Exception as error:  # the compat32 parser is lenient; this is a last resort
        raise UnparseableEmail(f"the message could not be read: {error!r}") from error
    try:
        return _parse_message(message, raw)
    except RecursionError as error:
        raise UnparseableEmail("the message nests too deeply") from error


def _parse_message(message: Message, raw: bytes) -> ParsedEmail:
    from_name, from_address = _sender(message)
    header_charset = _content_charset(message)
    bodies = _collect_bodies(message)
    html = sanitise_html(bodies.html) if bodies.html is not None else None
    if bodies.text is not None and bodies.text.strip():
        text = bodies.text.replace("\r\n", "\n").strip()
        reply_text = strip_quoted_reply(text)
    elif bodies.html is not None:
        text = html_to_text(bodies.html)
        reply_text = strip_quoted_reply(html_to_text(bodies.html, drop_quotes=True)) or text
    else:
        text = (bodies.text or "").strip()
        reply_text = text
    if not reply_text.strip():
        reply_text = text
    verdict = classify_automation(message, from_address=from_address)
    in_reply_to_header = message.get("In-Reply-To")
    in_reply_to = (
        normalise_message_id(decode_header_value(in_reply_to_header))
        if in_reply_to_header is not None
        else ""
    )
    references_header = message.get("References")
    return ParsedEmail(
        message_id=_message_id(message, raw),
        in_reply_to=in_reply_to or None,
        references=message_ids(decode_header_value(references_header))
        if references_header is not None
        else (),
        subject=decode_header_value(message.get("Subject"), header_charset),
        from_address=from_address,
        from_name=from_name,
        to=tuple(address for _, address in _addresses(message, "To")),
        cc=tuple(address for _, address in _addresses(message, "Cc")),
        reply_to=tuple(address for _, address in _addresses(message, "Reply-To")),
        sent_at=_sent_at(message),
        text=text,
        html=html,
        reply_text=reply_text,
        attachments=tuple(bodies.attachments),
        is_auto_reply=verdict.is_auto_reply,
        is_bounce=verdict.is_bounce,
        auto_reason=verdict.reason,
        headers_for_audit=_audit_headers(message),
    )
