"""Every message the portal shows exists in every UI language, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

from cxhub.service.portal import signin_pages, ticket_pages, uploads
from cxhub.service.portal.mail import TEXTS
from cxhub.service.portal.translations import MESSAGES

TEMPLATE_MESSAGE = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")
LANGUAGES = ("en", "it", "zh", "id")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _used() -> set[str]:
    used: set[str] = set()
    for template in Path(signin_pages.TEMPLATES_DIR).rglob("*.html"):
        for match in TEMPLATE_MESSAGE.finditer(template.read_text(encoding="utf-8")):
            used.add(match.group(1) or match.group(2))
    used |= set(ticket_pages.STATUS_LABELS.values())
    used |= {"Very unsatisfied", "Unsatisfied", "Neutral", "Satisfied", "Very satisfied"}
    for module in (signin_pages, ticket_pages, uploads):
        used |= {
            value
            for name, value in vars(module).items()
            if name.isupper() and isinstance(value, str) and value.endswith((".", "!"))
        }
    return used


def test_every_portal_message_is_translated() -> None:
    used = _used()
    assert len(used) > 30
    for language in LANGUAGES:
        missing = sorted(used - set(MESSAGES[language]))
        assert missing == [], (language, missing)
        for message, translation in MESSAGES[language].items():
            assert translation.strip()
            assert _fields(translation) == _fields(message)


def test_the_sign_in_mail_exists_in_every_language() -> None:
    assert set(TEXTS) == set(LANGUAGES)
    for texts in TEXTS.values():
        assert _fields(texts["body"]) == {"portal", "url", "minutes"}
        assert _fields(texts["subject"]) == {"portal"}
