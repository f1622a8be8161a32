"""Build outbound emails (agent replies, notifications, acknowledgements) that thread correctly.

Every outbound message gets a fresh `Message-ID` on our own domain (so the customer's answer
points back at something we can look up), `In-Reply-To` and `References` so the customer's
client shows one conversation, and the `[#CX-n]` ticket token in the subject as the fallback link
when a client drops the threading headers. Automatic messages say so with
`Auto-Submitted: auto-replied` (RFC 3834) so well-behaved robots on the other side do not answer
them.

Bodies are always 7-bit on the wire (quoted-printable or base64, whichever is shorter), so the
message survives relays without 8BITMIME, in any language.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from cxhub.service.mail.identifiers import (
    message_ids,
    normalise_message_id,
    reply_subject,
    subject_with_ticket_token,
)
from cxhub.service.mail.parsing import ParsedAttachment

MAX_REFERENCES = 20
"""References kept: the thread's first message and the most recent ones (RFC 5322 3.6.4)."""


class _MessageIdListHeader(UnstructuredHeader, BaseHeader):
    """`References`/`In-Reply-To` folded between ids only.

    The default policy treats them as unstructured text and turns an id longer than a line into
    RFC 2047 encoded words, which no client can match any more.
    """

    def fold(self, *, policy: Any) -> str:
        linesep: str = policy.linesep
        limit: int = policy.max_line_length or 998
        lines: list[str] = []
        current = f"{self.name}:"
        for item in str(self).split():
            if len(current) + 1 + len(item) > limit and current.strip() != f"{self.name}:":
                lines.append(current)
                current = ""
            current = f"{current} {item}"
        lines.append(current)
        return linesep.join(lines) + linesep


def _policy() -> policy.EmailPolicy[EmailMessage]:
    registry = HeaderRegistry()
    registry.map_to_type("references", _MessageIdListHeader)
    registry.map_to_type("in-reply-to", _MessageIdListHeader)
    return policy.default.clone(cte_type="7bit", header_factory=registry)


OUTBOUND_POLICY = _policy()


def thread_references(references: Sequence[str], in_reply_to: str | None) -> list[str]:
    """The `References` of an answer: earlier ones plus the parent, de-duplicated and capped.

    When the chain is longer than `MAX_REFERENCES`, the first id (the thread root) and the most
    recent ones are kept, as RFC 5322 suggests for trimming.
    """
    chain: list[str] = []
    for value in [*references, in_reply_to or ""]:
        for item in message_ids(value) or (normalise_message_id(value),):
            if item and item not in chain:
                chain.append(item)
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return chain


def _attach(message: EmailMessage, attachment: ParsedAttachment) -> None:
    maintype, _, subtype = attachment.content_type.partition("/")
    if not subtype:
        maintype, subtype = "application", "octet-stream"
    cid = f"<{attachment.content_id}>" if attachment.content_id else None
    html_part = message.get_body(("html",)) if attachment.inline else None
    target = html_part if isinstance(html_part, EmailMessage) else message
    if attachment.inline and target is html_part:
        target.add_related(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            cid=cid,
            filename=attachment.filename,
            disposition="inline",
        )
        return
    message.add_attachment(
        attachment.content,
        maintype=maintype,
        subtype=subtype,
        filename=attachment.filename,
        cid=cid,
    )


def compose_reply(
    *,
    from_address: str,
    from_name: str,
    to: str | Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    message_id_domain: str,
    ticket_number: int | None = None,
    auto_generated: bool = False,
    attachments: Sequence[ParsedAttachment] = (),
) -> EmailMessage:
    """An outbound message ready for `SmtpTransport.send`; see the module docstring.

    `to` takes addresses or `Name <address>` strings. With `in_reply_to`, the subject gets one
    `Re:` prefix; with `ticket_number`, exactly one `[#CX-n]` token. Inline attachments (with a
    `content_id`) are placed next to the HTML body so `cid:` references resolve.
    """
    message = EmailMessage(policy=OUTBOUND_POLICY)
    message["From"] = Address(display_name=from_name, addr_spec=from_address)
    recipients = [to] if isinstance(to, str) else list(to)
    message["To"] = ", ".join(recipients)
    parent = normalise_message_id(in_reply_to) if in_reply_to else ""
    final_subject = reply_subject(subject) if parent else " ".join(subject.split())
    if ticket_number is not None:
        final_subject = subject_with_ticket_token(final_subject, ticket_number)
    message["Subject"] = final_subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=message_id_domain)
    if parent:
        message["In-Reply-To"] = f"<{parent}>"
    chain = thread_references(references, parent or None)
    if chain:
        message["References"] = " ".join(f"<{item}>" for item in chain)
    if auto_generated:
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        _attach(message, attachment)
    return message
