"""How a person's name is shown and searched.

Chinese, Japanese and Korean names are written family name first with no space (王伟, not 伟 王);
every other name is shown given name first. The search key follows the displayed form, so
typing a name the way it is written finds it.
"""

from __future__ import annotations

import unicodedata

from cxhub.customers.search_keys import search_key

_FAMILY_FIRST_SCRIPTS = ("CJK UNIFIED IDEOGRAPH", "HANGUL", "HIRAGANA", "KATAKANA")


def _is_east_asian(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and all(
        unicodedata.name(ch, "").startswith(_FAMILY_FIRST_SCRIPTS) for ch in letters
    )


def full_name(first_name: str | None, last_name: str | None) -> str:
    first = (first_name or "").strip()
    last = (last_name or "").strip()
    if first and last and _is_east_asian(first + last):
        return last + first
    return " ".join(part for part in (first, last) if part)


def name_search_keys(
    first_name: str | None, last_name: str | None
) -> tuple[str | None, str | None]:
    """(name_key, last_name_key) for a contact row."""
    return (
        search_key(full_name(first_name, last_name)) or None,
        search_key(last_name) or None,
    )
