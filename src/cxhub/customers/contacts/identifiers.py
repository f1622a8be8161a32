"""Normalise identifiers so the same person is recognised however a channel spells them.

Pure functions, no database: emails are case-folded; phones keep a leading `+` and digits only
(`00` international prefix becomes `+`); social handles become `network:handle` in lower case;
external product ids are kept verbatim apart from surrounding whitespace. The external id
`cxhub:erased-contact` is reserved for the erased-contact placeholder (contacts/erasure.py): no
input may claim it.
"""

from __future__ import annotations

import re
import unicodedata

from cxhub.customers.contacts.models import IdentifierKind

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_ALLOWED = re.compile(r"^[+0-9\s().\-/]+$")
_SOCIAL_RE = re.compile(r"^([a-z][a-z0-9_.-]{0,30}):@?([\w.\-]{1,100})$", re.IGNORECASE)


#: The external id that marks a workspace's erased-contact placeholder.
PLACEHOLDER_EXTERNAL_ID = "cxhub:erased-contact"


class InvalidIdentifier(ValueError):
    def __init__(self, kind: IdentifierKind, value: str, reason: str) -> None:
        super().__init__(f"invalid {kind.value} {value!r}: {reason}")
        self.kind = kind
        self.value = value


class ReservedIdentifier(InvalidIdentifier):
    """The value names the erased-contact placeholder, which no input may claim."""


def is_reserved_external_id(value: str) -> bool:
    return value.strip() == PLACEHOLDER_EXTERNAL_ID


def _fold(value: str) -> str:
    """NFKC folds full-width forms (U+FF10-U+FF19 digits, U+FF20 at sign) typed in CJK input."""
    return unicodedata.normalize("NFKC", value).strip()


def normalise_email(value: str) -> str:
    email = _fold(value).lower()
    if not _EMAIL_RE.match(email) or len(email) > 320:
        raise InvalidIdentifier(IdentifierKind.EMAIL, value, "not an email address")
    return email


def normalise_phone(value: str) -> str:
    raw = _fold(value)
    if not raw or not _PHONE_ALLOWED.match(raw):
        raise InvalidIdentifier(
            IdentifierKind.PHONE, value, "only digits, spaces, + ( ) . - / allowed"
        )
    digits = re.sub(r"[^0-9]", "", raw)
    international = raw.startswith("+") or raw.startswith("00")
    if raw.startswith("00"):
        digits = digits[2:]
    if not 5 <= len(digits) <= 15:
        raise InvalidIdentifier(IdentifierKind.PHONE, value, "expected 5 to 15 digits")
    return ("+" if international else "") + digits


def normalise_social(value: str) -> str:
    match = _SOCIAL_RE.match(_fold(value))
    if not match:
        raise InvalidIdentifier(
            IdentifierKind.SOCIAL, value, "expected network:handle, e.g. twitter:@acme"
        )
    return f"{match.group(1).lower()}:{match.group(2).lower()}"


def normalise_external_id(value: str) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > 200:
        raise InvalidIdentifier(IdentifierKind.EXTERNAL_ID, value, "must be 1-200 characters")
    # A NUL or other control character is never part of a real id (PostgreSQL cannot even
    # store NUL); accepted on SQLite, such a row was created once and then not found again.
    if any(unicodedata.category(char) == "Cc" for char in cleaned):
        raise InvalidIdentifier(
            IdentifierKind.EXTERNAL_ID, value, "must not contain control characters"
        )
    if cleaned == PLACEHOLDER_EXTERNAL_ID:
        raise ReservedIdentifier(
            IdentifierKind.EXTERNAL_ID, value, "reserved for the erased-contact placeholder"
        )
    return cleaned


NORMALISERS = {
    IdentifierKind.EMAIL: normalise_email,
    IdentifierKind.PHONE: normalise_phone,
    IdentifierKind.SOCIAL: normalise_social,
    IdentifierKind.EXTERNAL_ID: normalise_external_id,
}

# The order in which identifiers are trusted to name a person when several match.
RESOLUTION_PRIORITY = (
    IdentifierKind.EXTERNAL_ID,
    IdentifierKind.EMAIL,
    IdentifierKind.PHONE,
    IdentifierKind.SOCIAL,
)


def normalise(kind: IdentifierKind, value: str) -> str:
    return NORMALISERS[kind](value)


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[1]


# Consumer mailbox providers: an account may not claim these, and they never link a contact.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.id", "yahoo.it", "hotmail.com",
        "hotmail.it", "outlook.com", "live.com", "msn.com", "icloud.com", "me.com", "aol.com",
        "proton.me", "protonmail.com", "gmx.com", "gmx.net", "libero.it", "virgilio.it", "tiscali.it",
        "alice.it", "qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "yandex.ru", "mail.ru",
    }
)  # fmt: skip
