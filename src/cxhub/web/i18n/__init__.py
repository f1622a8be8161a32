"""The UI's own message catalogues: a small, typed, gettext-like layer over plain dicts.

Why dicts and not compiled .po files: the catalogues are small, reviewed in code review like any
other change, checked for completeness by a test (every language carries every English message,
every `_("...")` in a template exists in English), and need no build step or binary files in the
package. The message id *is* the English text (as with gettext), so a missing translation falls
back to readable English instead of a key. Placeholders use `str.format` names: `{name}`.

Formatting of dates, numbers, countries and languages is *not* done here but by Babel's CLDR data
(see `cxhub.web.formatting`), so every language gets its local conventions for free.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cxhub.web.i18n.en import MESSAGES as EN
from cxhub.web.i18n.id import MESSAGES as ID
from cxhub.web.i18n.it import MESSAGES as IT
from cxhub.web.i18n.zh import MESSAGES as ZH

DEFAULT_LANGUAGE = "en"

Catalogue = Mapping[str, str]


#: The order of the columns in `catalogues_from_rows`.
ROW_LANGUAGES = ("en", "it", "zh", "id")


def catalogues_from_rows(rows: Sequence[Sequence[str]]) -> dict[str, dict[str, str]]:
    """A domain's messages kept as rows `(english, italian, chinese, indonesian)`, one message
    per row so a translation sits next to its source, turned into one catalogue per language."""
    catalogues: dict[str, dict[str, str]] = {language: {} for language in ROW_LANGUAGES}
    for row in rows:
        if len(row) != len(ROW_LANGUAGES):
            raise ValueError(f"message row {row[0]!r} has {len(row)} columns, not 4")
        for language, text in zip(ROW_LANGUAGES, row, strict=True):
            catalogues[language][row[0]] = text
    return catalogues


def builtin_catalogues() -> dict[str, dict[str, str]]:
    """A fresh copy per shell, so domains adding messages never touch module state."""
    return {"en": {m: m for m in EN}, "it": dict(IT), "zh": dict(ZH), "id": dict(ID)}


@dataclass
class Catalogues:
    """All UI languages of one app; domains add their own messages with `add`."""

    by_language: dict[str, dict[str, str]] = field(default_factory=builtin_catalogues)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.by_language)

    def add(self, messages: Mapping[str, Catalogue]) -> None:
        """Merge `{language: {english msgid: translation}}`; English ids are added as-is."""
        for language, catalogue in messages.items():
            self.by_language.setdefault(language, {}).update(catalogue)
            self.by_language[DEFAULT_LANGUAGE].update({m: m for m in catalogue})

    def translator(self, language: str) -> Translator:
        return Translator(language, self.by_language.get(language, {}))


@dataclass(frozen=True)
class Translator:
    language: str
    catalogue: Catalogue

    def gettext(self, message: str, /, **params: object) -> str:
        text = self.catalogue.get(message) or message
        return text.format(**params) if params else text

    __call__ = gettext


def language_of(tag: str | None, supported: tuple[str, ...]) -> str | None:
    """Map a locale tag (`it-IT`, `zh_Hans_CN`, `ID`) to a supported UI language, if any."""
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-", 1)[0].strip().lower()
    if primary == "in":  # the pre-1989 ISO code for Indonesian, still sent by old Android
        primary = "id"
    return primary if primary in supported else None


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, best first (q=0 dropped)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate_language(
    user_locale: str | None, accept_language: str | None, supported: tuple[str, ...]
) -> str:
    """The user's own locale first, then the browser's preferences, then English."""
    for tag in [user_locale, *parse_accept_language(accept_language)]:
        language = language_of(tag, supported)
        if language is not None:
            return language
    return DEFAULT_LANGUAGE
