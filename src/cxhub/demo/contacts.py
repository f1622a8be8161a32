"""The people at the demo's accounts, individual free-plan users, and a few deliberate duplicates.

Identifiers are written the way people give them (phones in local formatting, mixed-case
e-mails are left to the normaliser), and every identifier is unique once normalised, as the
identity-resolution rules require. The duplicates are the same person under a second, personal
address and phone, so the merge screen has real work to show.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from cxhub.demo.names import LOCALES, LocaleProfile, pick_locale, unique_phone
from cxhub.demo.records import AccountRecord, ContactRecord, Lifecycle, whole_second

_TITLES = {
    "champion": ("Head of Product", "Product Analytics Lead", "Director of Growth", "VP Product"),
    "buyer": ("CTO", "VP Engineering", "Chief Product Officer", "Head of Data", "COO"),
    "user": ("Product Manager", "Data Analyst", "Growth Marketer", "UX Researcher", "Engineer", "Customer Success Lead"),
    "occasional": ("Designer", "Marketing Manager", "Sales Operations", "Software Engineer", "Support Lead"),
}  # fmt: skip
_CONTACTS_PER_TIER = {"enterprise": (14, 26), "mid_market": (7, 13), "smb": (2, 7)}
_B2C_SOURCES = (
    "organic search",
    "community forum",
    "webinar registration",
    "app store",
    "referral",
)


class _Registry:
    """Identifiers already handed out, so no two people share one after normalisation."""

    def __init__(self) -> None:
        self.emails: set[str] = set()
        self.phone_digits: set[str] = set()
        self.handles: set[str] = set()

    def email(self, local: str, domain: str) -> str:
        candidate, n = f"{local}@{domain}", 1
        while candidate.lower() in self.emails:
            n += 1
            candidate = f"{local}{n}@{domain}"
        self.emails.add(candidate.lower())
        return candidate

    def handle(self, network: str, name: str) -> str:
        candidate, n = f"{network}:{name}", 1
        while candidate in self.handles:
            n += 1
            candidate = f"{network}:{name}{n}"
        self.handles.add(candidate)
        return candidate


def _person(rng: random.Random, profile: LocaleProfile) -> tuple[str, str | None]:
    given = rng.choice(profile.given_names)
    if rng.random() < profile.mononym_share:
        return given, None
    return given, rng.choice(profile.family_names)


def _local_part(rng: random.Random, profile: LocaleProfile, given: str, family: str | None) -> str:
    first = profile.ascii_name(given)
    if family is None:
        return first
    last = profile.ascii_name(family)
    if profile.language == "zh":
        return rng.choice(
            [f"{first}.{last}", f"{last}{first}", f"{last}.{first}", f"{first[0]}{last}"]
        )
    return rng.choice(
        [f"{first}.{last}", f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}"]
    )


def _personal_email(
    rng: random.Random, profile: LocaleProfile, given: str, family: str | None, registry: _Registry
) -> str:
    domain = rng.choice(profile.free_mail)
    if domain == "qq.com":  # QQ addresses are usually the account number
        return registry.email(str(rng.randrange(10**8, 10**10)), domain)
    local = _local_part(rng, profile, given, family).replace("_", ".")
    if rng.random() < 0.5:
        local += str(rng.choice([rng.randrange(70, 100), rng.randrange(1, 30), 2024]))
    return registry.email(local, domain)


def _add_channels(
    rng: random.Random,
    contact: ContactRecord,
    profile: LocaleProfile,
    registry: _Registry,
    *,
    phone_share: float,
    social_share: float,
) -> None:
    if rng.random() < phone_share:
        contact.phones.append((unique_phone(rng, profile, registry.phone_digits), "mobile"))
        if rng.random() < 0.2:
            contact.phones.append((unique_phone(rng, profile, registry.phone_digits), "work"))
    if rng.random() < social_share:
        name = _local_part(rng, profile, contact.first_name, contact.last_name).replace(".", "")
        networks = (
            ("weibo", "wechat")
            if profile.language == "zh"
            else ("linkedin", "twitter", "instagram")
        )
        for network in rng.sample(networks, rng.choice([1, 1, 2])):
            contact.social_handles.append(registry.handle(network, name))


def _new_contact(
    rng: random.Random, index: int, profile: LocaleProfile, persona: str, created_at: datetime
) -> ContactRecord:
    given, family = _person(rng, profile)
    time_zone, offset = rng.choice(profile.time_zones)
    return ContactRecord(
        index=index,
        first_name=given,
        last_name=family,
        locale=profile.code,
        time_zone=time_zone,
        utc_offset=offset,
        country=profile.country,
        account_external_id=None,
        persona=persona,
        created_at=whole_second(created_at),
    )


def _account_contacts(
    rng: random.Random, account: AccountRecord, start: int, now: datetime, registry: _Registry
) -> list[ContactRecord]:
    low, high = _CONTACTS_PER_TIER[account.tier]
    people: list[ContactRecord] = []
    home = LOCALES[account.locale]
    customer = account.lifecycle.status != "prospect"
    latest = min(now - timedelta(hours=2), account.lifecycle.active_until(now))
    for position in range(rng.randint(low, high)):
        profile = home if rng.random() < 0.87 else pick_locale(rng)
        persona = (
            "champion"
            if position == 0
            else "buyer"
            if position == 1
            else rng.choice(["user", "user", "occasional"])
        )
        spread = (latest - account.created_at) * (0.0 if position == 0 else rng.random() * 0.7)
        contact = _new_contact(
            rng, start + len(people), profile, persona, account.created_at + spread
        )
        contact.account_external_id = account.external_id
        local = _local_part(rng, profile, contact.first_name, contact.last_name)
        contact.emails.append(registry.email(local, account.domains[0]))
        if len(account.domains) > 1 and rng.random() < 0.3:
            contact.emails.append(registry.email(local, account.domains[1]))
        _add_channels(rng, contact, profile, registry, phone_share=0.55, social_share=0.3)
        if customer and persona != "buyer" and rng.random() < 0.85:
            contact.external_ids.append(f"usr_{rng.getrandbits(48):012x}")
        contact.custom_attributes = {"title": rng.choice(_TITLES[persona])}
        people.append(contact)
    return people


def _consumer(rng: random.Random, index: int, now: datetime, registry: _Registry) -> ContactRecord:
    profile = pick_locale(rng)
    paying = rng.random() < 0.3
    signup = whole_second(now - timedelta(days=rng.uniform(5, 600)))
    contact = _new_contact(
        rng, index, profile, "consumer", signup - timedelta(days=rng.uniform(0, 40))
    )
    contact.lifecycle = Lifecycle(
        signup,
        "customer" if paying else "free",
        mood=round(rng.uniform(-0.3, 0.7), 2),
        advocate=paying and rng.random() < 0.4,
    )
    contact.emails.append(
        _personal_email(rng, profile, contact.first_name, contact.last_name, registry)
    )
    _add_channels(rng, contact, profile, registry, phone_share=0.4, social_share=0.35)
    contact.external_ids.append(f"usr_{rng.getrandbits(48):012x}")
    contact.custom_attributes = {
        "plan": "Pro (individual)" if paying else "Free",
        "signup_source": rng.choice(_B2C_SOURCES),
    }
    return contact


def _duplicate(
    rng: random.Random, original: ContactRecord, index: int, registry: _Registry
) -> ContactRecord:
    """The same person again, as they signed up for a webinar with a personal address."""
    profile = LOCALES[original.locale]
    twin = ContactRecord(
        index=index,
        first_name=original.first_name,
        last_name=original.last_name,
        locale=original.locale,
        time_zone=original.time_zone,
        utc_offset=original.utc_offset,
        country=original.country,
        account_external_id=None,
        persona="occasional",
        created_at=whole_second(original.created_at + timedelta(days=rng.uniform(20, 200))),
        lifecycle=Lifecycle(original.created_at, "free", mood=0.3),
    )
    twin.emails.append(
        _personal_email(rng, profile, original.first_name, original.last_name, registry)
    )
    twin.phones.append((unique_phone(rng, profile, registry.phone_digits), "mobile"))
    twin.custom_attributes = {"signup_source": "webinar registration"}
    return twin


def generate_contacts(
    rng: random.Random,
    accounts: list[AccountRecord],
    *,
    consumers: int,
    duplicates: int,
    now: datetime,
) -> tuple[list[ContactRecord], list[tuple[int, int]]]:
    """All contacts (list position == `index`) and the (original, duplicate) index pairs."""
    registry = _Registry()
    contacts: list[ContactRecord] = []
    for account in accounts:
        contacts.extend(_account_contacts(rng, account, len(contacts), now, registry))
    for _ in range(consumers):
        contacts.append(_consumer(rng, len(contacts), now, registry))
    by_account = {a.external_id: a for a in accounts}
    _mark_rich_timelines(contacts, by_account)
    pairs: list[tuple[int, int]] = []
    candidates = [
        c
        for c in contacts
        if c.last_name and c.persona in ("user", "champion") and not c.rich_timeline
    ]
    for original in rng.sample(candidates, duplicates):
        twin = _duplicate(rng, original, len(contacts), registry)
        contacts.append(twin)
        pairs.append((original.index, twin.index))
    return contacts, pairs


def _mark_rich_timelines(contacts: list[ContactRecord], accounts: dict[str, AccountRecord]) -> None:
    """One power user per main locale gets hundreds of touchpoints, for the 360° page."""
    wanted = {"en-US", "en-GB", "it-IT", "zh-CN", "id-ID"}
    for contact in contacts:
        account = accounts.get(contact.account_external_id or "")
        if (
            account is not None
            and contact.persona == "champion"
            and account.tier == "enterprise"
            and account.lifecycle.status == "customer"
            and contact.locale in wanted
            and contact.last_name
        ):
            contact.rich_timeline = True
            wanted.discard(contact.locale)
    consumer = next((c for c in contacts if c.persona == "consumer" and c.lifecycle), None)
    if consumer is not None:
        consumer.rich_timeline = True
