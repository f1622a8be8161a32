"""Languages: complete catalogues, negotiation, and an Italian user seeing Italian pages."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cxhub.analytics import dashboard_charts
from cxhub.analytics import pages as analytics_pages
from cxhub.customers.accounts.pages import NAV as ACCOUNT_NAV
from cxhub.customers.contacts.pages import NAV as CONTACT_NAV
from cxhub.people import pages as people_pages
from cxhub.service.tickets import inbox_views
from cxhub.service.tickets import pages as ticket_pages
from cxhub.web import errors
from cxhub.web.formatting import LocalFormat, babel_locale, zone
from cxhub.web.i18n import Catalogues, builtin_catalogues, negotiate_language
from cxhub.web.pages import page_modules
from cxhub.web.shell import TEMPLATES_DIR
from tests.factories import Tenant
from tests.web.conftest import MakeUser, api, sign_in

TEMPLATE_MESSAGE = re.compile(r"""_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_language_translates_every_message_with_the_same_placeholders() -> None:
    catalogues = builtin_catalogues()
    english = catalogues["en"]
    assert {"en", "it", "zh", "id"} <= set(catalogues)
    for language, catalogue in catalogues.items():
        assert set(catalogue) == set(english), language
        for message, translation in catalogue.items():
            assert translation.strip(), (language, message)
            assert _fields(translation) == _fields(message), (language, message)


def test_every_message_the_ui_uses_is_in_the_english_catalogue() -> None:
    english = set(builtin_catalogues()["en"])
    for module in page_modules():
        english |= set(getattr(module, "MESSAGES", {}).get("en", {}))
    used = set()
    for template in Path(TEMPLATES_DIR).rglob("*.html"):
        for match in TEMPLATE_MESSAGE.finditer(template.read_text()):
            used.add(match.group(1) or match.group(2))
    used |= {item.label for item in (*CONTACT_NAV, *ACCOUNT_NAV, *ticket_pages.NAV)}
    chart_source = Path(dashboard_charts.__file__).read_text()
    used |= {m.group(1) or m.group(2) for m in TEMPLATE_MESSAGE.finditer(chart_source)}
    used |= set(dashboard_charts.CHANNEL_LABELS.values())
    used |= set(dashboard_charts.SLA_METRIC_LABELS.values())
    used |= {item.label for item in analytics_pages.NAV}
    used |= set(inbox_views.BUILTIN_TAB_LABELS)
    used |= set(ticket_pages.FLASH_MESSAGES) | set(analytics_pages.ERROR_MESSAGES)
    used |= set(errors._TITLES.values()) | set(errors._DETAILS.values())
    used |= {people_pages.WRONG_CREDENTIALS, people_pages.FORM_EXPIRED, people_pages.SIGNED_OUT}
    assert len(used) > 50
    assert sorted(used - english) == []


def test_domains_can_add_messages() -> None:
    catalogues = Catalogues()
    catalogues.add({"it": {"Inbox": "Posta in arrivo"}})
    assert catalogues.translator("it")("Inbox") == "Posta in arrivo"
    assert catalogues.translator("zh")("Inbox") == "Inbox"  # untranslated: readable English
    assert "Inbox" in catalogues.by_language["en"]
    assert "Inbox" not in builtin_catalogues()["en"]  # nothing leaked into module state


@pytest.mark.parametrize(
    ("user_locale", "accept_language", "expected"),
    [
        ("it-IT", "en-US,en;q=0.9", "it"),
        ("zh_Hans_CN", None, "zh"),
        (None, "fr-FR, id;q=0.8, en;q=0.5", "id"),
        ("fr", "de, zh-TW;q=0.7", "zh"),
        ("pt-BR", "pt;q=1, *;q=0.1", "en"),
        (None, "it;q=0, en", "en"),
        (None, None, "en"),
    ],
)
def test_negotiate_language(
    user_locale: str | None, accept_language: str | None, expected: str
) -> None:
    supported = ("en", "it", "zh", "id")
    assert negotiate_language(user_locale, accept_language, supported) == expected


def test_dates_and_numbers_follow_locale_and_time_zone() -> None:
    moment = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    us = LocalFormat(babel_locale("en-US", "en"), zone("America/New_York"))
    uk = LocalFormat(babel_locale("en-GB", "en"), zone("Europe/London"))
    italian = LocalFormat(babel_locale("it-IT", "it"), zone("Europe/Rome"))
    chinese = LocalFormat(babel_locale("zh", "zh"), zone("Asia/Shanghai"))
    assert us.moment(moment) == "Jun 1, 2026, 8:00\u202fAM"
    assert uk.moment(moment) == "1 Jun 2026, 13:00"
    assert italian.moment(moment) == "1 giu 2026, 14:00"
    assert chinese.moment(moment) == "2026年6月1日 20:00"
    assert italian.number(12345.5) == "12.345,5"
    assert italian.signed(0.8) == "+0,8"
    assert italian.country("DE") == "Germania"
    assert zone("Not/AZone") is UTC


def test_an_italian_user_sees_italian_labels_and_dates(
    web: TestClient, tenant: Tenant, make_user: MakeUser
) -> None:
    user = make_user(tenant, locale="it-IT", time_zone="Europe/Rome", name="Giulia Rossi")
    contact = api(web, tenant, "POST", "/contacts", first_name="Dante", country="FR")
    api(
        web,
        tenant,
        "POST",
        "/interactions",
        kind="call",
        channel="phone",
        occurred_at="2026-06-01T12:00:00Z",
        contact_id=contact["id"],
        sentiment=0.8,
    )
    assert sign_in(web, user).status_code == 303
    page = web.get(f"/contacts/{contact['id']}")
    assert page.status_code == 200
    assert '<html lang="it">' in page.text
    for italian in ("Cronologia", "Profilo", "Telefono", "Positivo +0,8", "Francia", "Esci"):
        assert italian in page.text, italian
    assert "1 giu 2026, 14:00" in page.text  # 12:00 UTC in Rome, Italian format
    assert "Timeline" not in page.text
    assert page.headers["content-language"] == "it"
    missing = web.get("/contacts/999999999")
    assert "Pagina non trovata" in missing.text


def test_signed_out_visitors_get_the_browsers_language(web: TestClient) -> None:
    chinese = web.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"})
    assert '<html lang="zh">' in chinese.text
    assert "登录" in chinese.text
    indonesian = web.get("/login", headers={"Accept-Language": "id-ID"})
    assert "Kata sandi" in indonesian.text
    fallback = web.get("/login", headers={"Accept-Language": "sw"})
    assert "Password" in fallback.text


def test_catalogues_from_rows_keeps_each_translation_with_its_english_id() -> None:
    from cxhub.web.i18n import catalogues_from_rows

    built = catalogues_from_rows([("Save", "Salva", "保存", "Simpan"), ("No", "No", "否", "Tidak")])
    assert built["en"] == {"Save": "Save", "No": "No"}
    assert built["zh"]["Save"] == "保存"
    assert built["id"]["No"] == "Tidak"
    with pytest.raises(ValueError, match="not 4"):
        catalogues_from_rows([("Save", "Salva", "保存")])
