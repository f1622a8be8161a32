"""The whole demo data set as plain records: a pure function of the seed and the reference time.

One `random.Random(seed)` drives every choice in a fixed order, so the same seed and reference
time give identical records on every machine and database; only database ids can differ.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from cxhub.demo.company import generate_accounts
from cxhub.demo.contacts import generate_contacts
from cxhub.demo.records import AccountRecord, ContactRecord, TouchpointRecord
from cxhub.demo.staff import COUNTRY_REGION, STAFF
from cxhub.demo.tickets import DEFAULT_TICKETS, TicketGenerator, TicketRecord
from cxhub.demo.touchpoints import generate_touchpoints

DEFAULT_ACCOUNTS = 250
DEFAULT_CONSUMERS = 340
DEFAULT_DUPLICATES = 12


@dataclass(frozen=True)
class DemoDataset:
    now: datetime
    accounts: list[AccountRecord]
    contacts: list[ContactRecord]
    duplicate_pairs: list[tuple[int, int]]  # (original, duplicate) contact indexes
    touchpoints: list[TouchpointRecord]
    tickets: list[TicketRecord]


def reference_day(moment: datetime | None = None) -> datetime:
    """Midnight UTC of the seeding day: the year of touchpoints ends there.

    Truncating to the day keeps a run reproducible within a day (and exactly, when the caller
    passes a fixed moment) while the demo's "last 30 days" stay current whenever it is created.
    """
    moment = moment or datetime.now(UTC)
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _people_to_address(region_of_country: dict[str, str]) -> dict[str, str]:
    """CSM names by staff key, plus the support agent who answers consumers of each country."""
    names = {member.key: member.name for member in STAFF}
    agents = {m.region: m.name for m in reversed(STAFF) if m.role == "agent"}
    for country, region in region_of_country.items():
        names[f"support:{country}"] = agents[region]
    return names


def build_dataset(
    *,
    seed: int,
    now: datetime,
    accounts: int = DEFAULT_ACCOUNTS,
    consumers: int = DEFAULT_CONSUMERS,
    duplicates: int = DEFAULT_DUPLICATES,
    tickets: int = DEFAULT_TICKETS,
) -> DemoDataset:
    if now.tzinfo is None:
        raise ValueError("the demo reference time must be timezone-aware")
    rng = random.Random(seed)
    account_records = generate_accounts(rng, count=accounts, now=now)
    contacts, pairs = generate_contacts(
        rng, account_records, consumers=consumers, duplicates=duplicates, now=now
    )
    touchpoints = generate_touchpoints(
        rng,
        contacts,
        {a.external_id: a for a in account_records},
        _people_to_address(COUNTRY_REGION),
        now=now,
    )
    by_external_id = {a.external_id: a for a in account_records}
    ticket_records = TicketGenerator(rng, contacts, by_external_id, now).generate(tickets)
    return DemoDataset(now, account_records, contacts, pairs, touchpoints, ticket_records)
