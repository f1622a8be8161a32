"""Normalised keys for prefix search, shared by accounts and contacts.

Search columns hold lower-cased, whitespace-collapsed text in a binary collation (C on
PostgreSQL, BINARY on SQLite), so `key >= p AND key < successor(p)` is an index range scan with
identical results on both databases.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import ColumnElement, String, and_
from sqlalchemy.orm import InstrumentedAttribute

SearchKeyType = String(300).with_variant(String(300, collation="C"), "postgresql")


def search_key(*parts: str | None) -> str:
    text = " ".join(p for p in parts if p)
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split())[:300]


def prefix_successor(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (code point order)."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix + "\U0010ffff"
    return prefix[:-1] + chr(last + 1)


def starts_with(column: InstrumentedAttribute[str | None], prefix: str) -> ColumnElement[bool]:
    return and_(column >= prefix, column < prefix_successor(prefix))
