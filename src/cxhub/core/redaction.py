"""Removing a person's identifying strings from free text and JSON (pure, no database).

Erasure deletes or blanks the fields that *are* the person (names, identifiers, message bodies).
Some text that is not theirs still mentions them: an agent notification ("New ticket from Ada
Lovelace"), an audit entry's before-snapshot. `PersonalTokens` holds what identifies them and
`scrub_text` / `scrub_json` replace each occurrence with `ERASED_MARKER`, case-insensitively.
Phones are also matched in their common written forms (spaces, dots, dashes between digits).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

#: What replaces erased personal content (message bodies, names in text).
ERASED_MARKER = "[erased]"
#: What replaces message bodies removed by a retention policy.
RETENTION_MARKER = "[removed by retention policy]"

# Names shorter than this are not scrubbed on their own (a first name "Al" would eat "also");
# the full name is always scrubbed.
MIN_NAME_TOKEN = 3


def _phone_pattern(phone: str) -> str:
    """`+442079460958` also matches `+44 20 7946 0958`, `0044-20-7946-0958`, `44 (20) 7946.0958`."""
    digits = re.sub(r"\D", "", phone)
    separator = r"[\s().\-/]*"
    return r"(?:\+|00)?" + separator.join(re.escape(d) for d in digits)


@dataclass(frozen=True)
class PersonalTokens:
    """The strings that identify one person: identifiers and names."""

    emails: frozenset[str] = field(default_factory=frozenset)
    phones: frozenset[str] = field(default_factory=frozenset)
    other_identifiers: frozenset[str] = field(default_factory=frozenset)
    #: Full names ("Ada Lovelace"): identifying enough to search unrelated text for.
    full_names: frozenset[str] = field(default_factory=frozenset)
    #: First and last names on their own: scrubbed only from text already known to be about
    #: the person (another "Ada" is not them).
    name_parts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        *,
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        other_identifiers: Iterable[str] = (),
        full_names: Iterable[str | None] = (),
        name_parts: Iterable[str | None] = (),
    ) -> PersonalTokens:
        def names(values: Iterable[str | None]) -> frozenset[str]:
            return frozenset(
                " ".join(n.split()) for n in values if n and len(n.strip()) >= MIN_NAME_TOKEN
            )

        return cls(
            emails=frozenset(e.lower() for e in emails if e),
            phones=frozenset(p for p in phones if len(re.sub(r"\D", "", p)) >= 5),
            other_identifiers=frozenset(i for i in other_identifiers if i),
            full_names=names(full_names),
            name_parts=names(name_parts),
        )

    def is_empty(self) -> bool:
        return not (self.emails or self.phones or self.other_identifiers or self.full_names)

    def pattern(self, *, identifying_only: bool = False) -> re.Pattern[str] | None:
        """One alternation, longest literal first, so `Ada Lovelace` wins over `Ada`; with
        `identifying_only`, name parts on their own are left out."""
        literals = {*self.emails, *self.other_identifiers, *self.full_names}
        if not identifying_only:
            literals |= self.name_parts
        parts = [re.escape(literal) for literal in sorted(literals, key=len, reverse=True)]
        parts += [_phone_pattern(phone) for phone in sorted(self.phones, key=len, reverse=True)]
        if not parts:
            return None
        return re.compile("|".join(parts), re.IGNORECASE)


def scrub_text(text: str, tokens: PersonalTokens) -> str:
    pattern = tokens.pattern()
    if pattern is None or not text:
        return text
    return pattern.sub(ERASED_MARKER, text)


def scrub_json(value: Any, tokens: PersonalTokens) -> Any:
    """`value` with every string (keys included) scrubbed; other scalars kept."""
    if isinstance(value, str):
        return scrub_text(value, tokens)
    if isinstance(value, dict):
        return {scrub_text(str(k), tokens): scrub_json(v, tokens) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub_json(v, tokens) for v in value]
    return value


def mentions(text: str | bytes | None, tokens: PersonalTokens) -> bool:
    """Whether `text` (bytes are read as UTF-8, errors ignored) names the person by an
    identifier or full name (a first name alone does not count)."""
    if not text:
        return False
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="ignore")
    pattern = tokens.pattern(identifying_only=True)
    return pattern is not None and pattern.search(text) is not None
