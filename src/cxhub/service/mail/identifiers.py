"""What ties an email to a ticket: Message-IDs and the `[#CX-123]` token in the subject.

Threading headers (`In-Reply-To`, `References`) are the reliable link, but they are lost when a
customer answers from another client, forwards the mail, or when a relay rewrites them, so every
outbound subject also carries the ticket token. The token is placed once, at the end, so the
subject a customer sees still starts with their own words.
"""

from __future__ import annotations

import re

TICKET_TOKEN = re.compile(r"\[#CX-(\d{1,18})\]", re.IGNORECASE)
"""A ticket token anywhere in a subject, e.g. `Re: Printer on fire [#CX-42]`; group 1 is the number."""

_REPLY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|antw|odp|r|rif|res|回复|回覆|答复)\s*(?:\[\d+\])?\s*[:\uff1a]\s*)+",
    re.IGNORECASE,
)
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def ticket_number_from_subject(subject: str) -> int | None:
    """The ticket number of the first `[#CX-n]` token in `subject`, or None."""
    match = TICKET_TOKEN.search(subject)
    return int(match.group(1)) if match else None


def _single_line(subject: str) -> str:
    return " ".join(subject.split())


def collapse_reply_prefixes(subject: str) -> str:
    """`Re: RE: AW: Hello` becomes `Re: Hello`; a subject without a reply prefix is unchanged."""
    cleaned = _single_line(subject)
    match = _REPLY_PREFIX.match(cleaned)
    if match is None:
        return cleaned
    rest = cleaned[match.end() :]
    return f"Re: {rest}" if rest else "Re:"


def reply_subject(subject: str) -> str:
    """The subject of an answer to a mail with `subject`: exactly one leading `Re:`."""
    collapsed = collapse_reply_prefixes(subject)
    if _REPLY_PREFIX.match(collapsed):
        return collapsed
    return f"Re: {collapsed}" if collapsed else "Re:"


def subject_with_ticket_token(subject: str, number: int) -> str:
    """`subject` carrying exactly one token, for ticket `number`, at the end.

    Tokens of other tickets (left over from a merge) are replaced, repeated reply prefixes are
    collapsed into one `Re:`, and a subject that already carries the right token is kept as is
    apart from that clean-up.
    """
    if number < 1:
        raise ValueError("a ticket number is positive")
    without_tokens = TICKET_TOKEN.sub("", subject)
    base = collapse_reply_prefixes(without_tokens)
    token = f"[#CX-{number}]"
    return f"{base} {token}" if base else token


def normalise_message_id(value: str) -> str:
    """The bare Message-ID inside `value` (`<abc@host>` -> `abc@host`); '' when there is none.

    Takes the first bracketed id when the header holds several, or comments around it.
    """
    match = _MESSAGE_ID.search(value)
    if match is not None:
        return match.group(1)
    stripped = value.strip().strip("<>").strip()
    return stripped.split()[0] if stripped else ""


def message_ids(value: str) -> tuple[str, ...]:
    """Every Message-ID in a `References`-like header, in order, without duplicates."""
    found = _MESSAGE_ID.findall(value)
    if not found:
        found = [token.strip("<>") for token in value.split() if "@" in token]
    return tuple(dict.fromkeys(item for item in found if item))
