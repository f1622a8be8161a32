"""The demo vendor's customer accounts: companies in ten countries, named the local way.

Each account gets an industry, a tier, a web domain with the country's usual suffix, an owner CSM
from the matching region, plan/seat/ARR attributes and a `Lifecycle` (prospect, customer or
churned) that later decides the journey stage of every touchpoint.
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import datetime, timedelta

from cxhub.demo.names import LOCALES, LocaleProfile
from cxhub.demo.records import AccountRecord, Lifecycle, whole_second
from cxhub.demo.staff import csms_for

INDUSTRIES = (
    "Software", "Financial services", "Healthcare", "Retail & e-commerce", "Logistics", "Media",
    "Manufacturing", "Education", "Travel & hospitality", "Energy",
)  # fmt: skip

# The industry word used inside a company name, per language, in INDUSTRIES order.
_INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("Software", "Capital", "Health", "Commerce", "Logistics", "Media", "Industries", "Learning", "Travel", "Energy"),
    "it": ("Software", "Finanza", "Salute", "Commercio", "Logistica", "Media", "Meccanica", "Formazione", "Viaggi", "Energia"),
    "zh": ("科技", "金融", "医疗", "零售", "物流", "传媒", "制造", "教育", "旅游", "能源"),
    "id": ("Teknologi", "Finansial", "Kesehatan", "Ritel", "Logistik", "Media", "Manufaktur", "Edukasi", "Wisata", "Energi"),
    "de": ("Software", "Finanz", "Medizintechnik", "Handel", "Logistik", "Medien", "Maschinenbau", "Bildung", "Reisen", "Energie"),
    "fr": ("Logiciels", "Finance", "Santé", "Commerce", "Logistique", "Médias", "Industrie", "Formation", "Voyages", "Énergie"),
    "es": ("Software", "Finanzas", "Salud", "Comercio", "Logística", "Medios", "Industrial", "Formación", "Viajes", "Energía"),
    "pt": ("Software", "Finanças", "Saúde", "Varejo", "Logística", "Mídia", "Indústria", "Educação", "Viagens", "Energia"),
}  # fmt: skip
_ZH_INDUSTRY_PINYIN = ("tech", "finance", "health", "retail", "logistics", "media", "mfg", "edu", "travel", "energy")  # fmt: skip
_ZH_CITIES = ("上海", "北京", "深圳", "杭州", "广州", "成都", "苏州", "南京")
_ZH_BRANDS = {
    "星河": "xinghe", "华创": "huachuang", "云帆": "yunfan", "蓝海": "lanhai", "智联": "zhilian",
    "新航": "xinhang", "天启": "tianqi", "瑞丰": "ruifeng", "博远": "boyuan", "九州": "jiuzhou",
    "恒信": "hengxin", "明德": "mingde", "远景": "yuanjing", "青松": "qingsong", "汇通": "huitong",
}  # fmt: skip
_EN_BRANDS = (
    "Northwind", "Bluefin", "Harbor", "Summit", "Cedar", "Ironbridge", "Brightpath", "Redwood",
    "Atlas", "Clearwater", "Silverline", "Keystone", "Oakridge", "Pinnacle", "Riverbend",
    "Stonegate", "Tidewater", "Evergreen", "Fieldstone", "Lighthouse", "Copperleaf", "Greyhawk",
    "Meridian", "Kestrel", "Foxglove", "Wavecrest", "Juniper", "Halcyon", "Ember", "Granite",
)  # fmt: skip
_ID_BRANDS = (
    "Sinar", "Maju", "Karya", "Cahaya", "Mitra", "Nusantara", "Bumi", "Sentosa", "Jaya", "Abadi",
    "Mandiri", "Sejahtera", "Gemilang", "Harapan", "Makmur",
)  # fmt: skip
_LEGAL_FORMS = {
    "US": ("Inc.", "Inc.", "LLC", "Corp."), "GB": ("Ltd", "Ltd", "plc"), "AU": ("Pty Ltd",),
    "IT": ("S.r.l.", "S.r.l.", "S.p.A."), "DE": ("GmbH", "GmbH", "AG"), "FR": ("SAS", "SA"),
    "ES": ("S.L.", "S.A."), "BR": ("Ltda.", "S.A."), "ID": ("",), "CN": ("",),
}  # fmt: skip
_TLD = {
    "US": "com", "GB": "co.uk", "AU": "com.au", "IT": "it", "CN": "com.cn", "ID": "co.id",
    "DE": "de", "FR": "fr", "ES": "es", "BR": "com.br",
}  # fmt: skip
_LOCALE_OF_COUNTRY = {profile.country: code for code, profile in LOCALES.items()}
_COUNTRY_WEIGHTS = {
    "US": 0.29, "GB": 0.10, "AU": 0.06, "IT": 0.16, "CN": 0.15, "ID": 0.13, "DE": 0.05,
    "FR": 0.03, "ES": 0.02, "BR": 0.01,
}  # fmt: skip

TIERS = ("enterprise", "mid_market", "smb")
_TIER_WEIGHTS = (0.15, 0.35, 0.50)
_SEATS = {"enterprise": (150, 2000), "mid_market": (25, 200), "smb": (3, 25)}
PRICE_PER_SEAT = {  # list price per seat and year, in USD
    "Starter": 180,
    "Growth": 300,
    "Business": 420,
    "Enterprise": 540,
}


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def _company_name(
    rng: random.Random, profile: LocaleProfile, industry_index: int
) -> tuple[str, str]:
    """A local-style company name and the stem of its web domain."""
    language = profile.language
    word = _INDUSTRY_WORDS[language][industry_index]
    form = rng.choice(_LEGAL_FORMS[profile.country])
    if language == "zh":
        brand = rng.choice(list(_ZH_BRANDS))
        name = f"{rng.choice(_ZH_CITIES)}{brand}{word}有限公司"
        return name, f"{_ZH_BRANDS[brand]}-{_ZH_INDUSTRY_PINYIN[industry_index]}"
    if language == "id":
        first, second = rng.sample(_ID_BRANDS, 2)
        return f"PT {first} {second} {word}", _slug(f"{first}{second}-{word}")
    if language == "en":
        brand = rng.choice(_EN_BRANDS)
        return f"{brand} {word} {form}".strip(), _slug(f"{brand}{word}")
    family = rng.choice(profile.family_names)
    return f"{family} {word} {form}".strip(), _slug(f"{family}-{word}")


def _lifecycle(rng: random.Random, now: datetime) -> Lifecycle:
    def days_ago(days: float) -> datetime:
        return whole_second(now - timedelta(days=days))

    roll = rng.random()
    mood = round(rng.uniform(-0.35, 0.65), 2)
    if roll < 0.12:  # still evaluating: first purchase expected in the coming weeks
        return Lifecycle(days_ago(-rng.uniform(5, 80)), "prospect", mood=mood)
    if roll < 0.18:  # left at a renewal during the last year
        started = days_ago(rng.uniform(400, 1100))
        years = int((now - started).days // 365)
        churned = started + timedelta(days=365 * years)
        return Lifecycle(started, "churned", churned_at=churned, mood=min(mood, -0.1))
    # Customers: a mix of recent sign-ups (in onboarding now) and long-standing accounts.
    age_days = rng.choice([rng.uniform(10, 120), rng.uniform(120, 700), rng.uniform(700, 1500)])
    return Lifecycle(
        days_ago(age_days),
        "customer",
        advocate=mood > 0.25 and rng.random() < 0.6,
        mood=mood,
    )


def _attributes(
    rng: random.Random, tier: str, lifecycle: Lifecycle, now: datetime
) -> dict[str, object]:
    low, high = _SEATS[tier]
    seats = int(round(rng.uniform(low, high), -1 if tier != "smb" else 0))
    plan = {
        "enterprise": "Enterprise",
        "mid_market": rng.choice(["Business", "Growth"]),
        "smb": rng.choice(["Starter", "Starter", "Growth"]),
    }[tier]
    arr = seats * PRICE_PER_SEAT[plan]
    band = (
        "<$10k"
        if arr < 10_000
        else "$10k-50k"
        if arr < 50_000
        else "$50k-250k"
        if arr < 250_000
        else "$250k+"
    )
    attributes: dict[str, object] = {
        "plan": plan,
        "seats": seats,
        "arr_band": band,
        "billing": "annual" if tier != "smb" or rng.random() < 0.4 else "monthly",
        "lifecycle": lifecycle.status,
    }
    if lifecycle.status != "prospect":
        attributes["customer_since"] = lifecycle.started_at.date().isoformat()
    if lifecycle.status == "customer":
        years = (now - lifecycle.started_at).days // 365 + 1
        attributes["renewal_date"] = (
            (lifecycle.started_at + timedelta(days=365 * years)).date().isoformat()
        )
    return attributes


def generate_accounts(rng: random.Random, *, count: int, now: datetime) -> list[AccountRecord]:
    countries = list(_COUNTRY_WEIGHTS)
    names: set[str] = set()
    domains: set[str] = set()
    accounts: list[AccountRecord] = []
    while len(accounts) < count:
        country = rng.choices(countries, weights=list(_COUNTRY_WEIGHTS.values()))[0]
        profile = LOCALES[_LOCALE_OF_COUNTRY[country]]
        industry_index = rng.randrange(len(INDUSTRIES))
        name, stem = _company_name(rng, profile, industry_index)
        domain = f"{stem}.{_TLD[country]}"
        if name in names or domain in domains:
            continue
        names.add(name)
        domains.add(domain)
        tier = rng.choices(TIERS, weights=_TIER_WEIGHTS)[0]
        owned = [domain]
        if tier == "enterprise" and country != "US" and rng.random() < 0.5:
            global_domain = f"{stem}.com"
            if global_domain not in domains:
                domains.add(global_domain)
                owned.append(global_domain)
        lifecycle = _lifecycle(rng, now)
        first_touch = lifecycle.started_at - timedelta(days=rng.uniform(70, 160))
        accounts.append(
            AccountRecord(
                external_id=f"crm-{len(accounts) + 1:04d}",
                name=name,
                industry=INDUSTRIES[industry_index],
                tier=tier,
                country=country,
                locale=profile.code,
                domains=owned,
                owner_key=rng.choice(csms_for(country)).key,
                lifecycle=lifecycle,
                created_at=whole_second(min(first_touch, now - timedelta(days=3))),
                custom_attributes=_attributes(rng, tier, lifecycle, now),
            )
        )
    return accounts
