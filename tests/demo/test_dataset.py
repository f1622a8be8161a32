"""The demo generator without a database: deterministic, well-formed, in the right languages."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from cxhub.customers.contacts.identifiers import normalise
from cxhub.customers.contacts.models import IdentifierKind
from cxhub.demo.dataset import DemoDataset, build_dataset, reference_day
from cxhub.demo.phrases import MESSAGE_KINDS, PHRASES, polarity_of
from cxhub.demo.records import JOURNEY_STAGES, Lifecycle

NOW = datetime(2026, 6, 1, tzinfo=UTC)
TICKETS = 200
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return build_dataset(seed=7, now=NOW, tickets=TICKETS)


def test_same_seed_gives_identical_records(dataset: DemoDataset) -> None:
    again = build_dataset(seed=7, now=NOW, tickets=TICKETS)
    assert again.accounts == dataset.accounts
    assert again.contacts == dataset.contacts
    assert again.touchpoints == dataset.touchpoints
    assert _tickets(again) == _tickets(dataset)


def _tickets(dataset: DemoDataset) -> list[tuple[object, ...]]:
    return [
        (
            t.number,
            t.subject,
            t.status,
            t.created_at,
            t.solved_at,
            t.sla_breached,
            [(m.at, m.author, m.body) for m in t.messages],
            [(x.metric, x.due_at, x.breached_at) for x in t.sla_targets],
            (t.csat.score, t.csat.rated_at) if t.csat else None,
        )
        for t in dataset.tickets
    ]


def test_another_seed_gives_other_people(dataset: DemoDataset) -> None:
    other = build_dataset(seed=8, now=NOW, tickets=TICKETS)
    assert [c.emails for c in other.contacts[:50]] != [c.emails for c in dataset.contacts[:50]]


def test_reference_day_is_midnight_utc_of_the_given_moment() -> None:
    assert reference_day(datetime(2026, 3, 4, 17, 30, tzinfo=UTC)) == datetime(
        2026, 3, 4, tzinfo=UTC
    )


def test_naive_reference_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_dataset(seed=1, now=datetime(2026, 1, 1))


def test_identifiers_are_valid_and_unique_once_normalised(dataset: DemoDataset) -> None:
    seen: Counter[tuple[IdentifierKind, str]] = Counter()
    for contact in dataset.contacts:
        for email in contact.emails:
            seen[(IdentifierKind.EMAIL, normalise(IdentifierKind.EMAIL, email))] += 1
        for phone, _label in contact.phones:
            seen[(IdentifierKind.PHONE, normalise(IdentifierKind.PHONE, phone))] += 1
        for handle in contact.social_handles:
            seen[(IdentifierKind.SOCIAL, normalise(IdentifierKind.SOCIAL, handle))] += 1
        for user_id in contact.external_ids:
            seen[(IdentifierKind.EXTERNAL_ID, user_id)] += 1
    assert seen, "no identifiers generated"
    assert max(seen.values()) == 1


def test_chinese_contacts_have_han_names_and_romanised_emails(dataset: DemoDataset) -> None:
    chinese = [c for c in dataset.contacts if c.locale == "zh-CN"]
    assert len(chinese) > 100
    assert all(HAN.search(c.first_name) for c in chinese)
    assert all(c.time_zone == "Asia/Shanghai" for c in chinese)
    assert all(email.isascii() for c in chinese for email in c.emails)


def test_phones_are_written_in_the_country_format(dataset: DemoDataset) -> None:
    prefixes = {
        "US": "+1 (",
        "GB": "+44 7",
        "IT": "+39 3",
        "CN": "+86 1",
        "ID": "+62 8",
        "AU": "+61 4",
    }
    for contact in dataset.contacts:
        for phone, _label in contact.phones:
            if contact.country in prefixes:
                assert phone.startswith(prefixes[contact.country]), (contact.country, phone)


def test_duplicates_are_the_same_person_reachable_otherwise(dataset: DemoDataset) -> None:
    assert len(dataset.duplicate_pairs) >= 10
    for original_index, twin_index in dataset.duplicate_pairs:
        original, twin = dataset.contacts[original_index], dataset.contacts[twin_index]
        assert (original.first_name, original.last_name) == (twin.first_name, twin.last_name)
        assert not set(original.emails) & set(twin.emails)
        assert twin.phones
        assert twin.phones != original.phones


def test_touchpoints_cover_a_year_on_every_channel_and_stage(dataset: DemoDataset) -> None:
    times = [t.occurred_at for t in dataset.touchpoints]
    assert min(times) >= NOW - timedelta(days=365)
    assert max(times) <= NOW
    assert max(times) - min(times) > timedelta(days=360)
    channels = {t.channel for t in dataset.touchpoints}
    assert channels >= {
        "email",
        "web",
        "phone",
        "chat",
        "sms",
        "social",
        "in_app",
        "in_person",
        "api",
    }
    assert {t.journey_stage for t in dataset.touchpoints} == set(JOURNEY_STAGES)
    assert 30_000 <= len(dataset.touchpoints) <= 60_000


def _template_patterns(language: str) -> list[re.Pattern[str]]:
    lines = {
        line for slots in PHRASES[language].values() for texts in slots.values() for line in texts
    }
    return [re.compile(re.escape(line).replace(r"\{", "{").replace(r"\}", "}").format(
        feature=".+", csm=".+", vendor=".+")) for line in lines]  # fmt: skip


def test_messages_are_written_in_the_contacts_language(dataset: DemoDataset) -> None:
    patterns = {language: _template_patterns(language) for language in PHRASES}
    checked = Counter[str]()
    for touchpoint in dataset.touchpoints:
        if touchpoint.kind not in MESSAGE_KINDS:
            continue
        language = dataset.contacts[touchpoint.contact_index].locale.split("-")[0]
        assert any(p.fullmatch(touchpoint.summary) for p in patterns[language]), touchpoint
        checked[language] += 1
    assert {"en", "it", "zh", "id"} <= set(checked)


def test_message_sentiment_agrees_with_its_text(dataset: DemoDataset) -> None:
    polarity_of_line = {
        line: slot
        for language in ("en", "it", "zh", "id")
        for kind in ("email.received", "chat.conversation")
        for slot, lines in PHRASES[language][kind].items()
        for line in lines
    }
    checked = 0
    for touchpoint in dataset.touchpoints:
        if touchpoint.kind not in ("email.received", "chat.conversation"):
            continue
        for line, slot in polarity_of_line.items():
            prefix = line.split("{")[0]
            if prefix and touchpoint.summary.startswith(prefix) and len(prefix) > 8:
                assert touchpoint.sentiment is not None
                assert polarity_of(touchpoint.sentiment) == slot, touchpoint
                checked += 1
    assert checked > 500


def test_a_few_contacts_have_rich_timelines(dataset: DemoDataset) -> None:
    per_contact = Counter(t.contact_index for t in dataset.touchpoints)
    assert sum(1 for n in per_contact.values() if n >= 300) >= 5


def test_stages_progress_over_a_customers_life() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    life = Lifecycle(start, "customer", advocate=True)
    stages = [life.stage_at(start + timedelta(days=d)) for d in (-100, -30, -5, 10, 120, 300, 420)]
    assert stages == [
        "awareness", "consideration", "purchase", "onboarding", "adoption", "renewal", "advocacy",
    ]  # fmt: skip
    assert Lifecycle(start, "customer").stage_at(start + timedelta(days=420)) == "adoption"
