"""Seeding the demo into the test database: shape, consistency, a working login, idempotency and
determinism. The demo is seeded once per module under its own slug (other tests share the
database), at a fixed reference time so two seeds can be compared exactly."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.errors import Conflict
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.core.tenancy import Workspace
from cxhub.customers.accounts.models import Account
from cxhub.customers.contacts.identifiers import normalise
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.contacts.names import name_search_keys
from cxhub.customers.search_keys import search_key
from cxhub.customers.timeline.models import Interaction
from cxhub.demo.dataset import build_dataset
from cxhub.demo.seed import DemoCredentials, seed_demo
from cxhub.people import service as people
from cxhub.people.models import Team, User

SEED = 42
NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
REFERENCE = datetime(2026, 6, 1, tzinfo=UTC)
TICKETS = 300  # the full demo has thousands; the helpdesk shape is tested in test_helpdesk.py
CHANNELS = {"email", "web", "phone", "chat", "sms", "social", "in_app", "in_person", "api"}


def _slug() -> str:
    return f"demo-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def demo(runtime: Runtime) -> DemoCredentials:
    return seed_demo(runtime, seed=SEED, slug=_slug(), now=NOW, tickets=TICKETS)


def _workspace_id(runtime: Runtime, slug: str) -> int:
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        return people.get_workspace_by_slug(session, slug).id


def _session(runtime: Runtime, credentials: DemoCredentials) -> Any:
    return unit_of_work(runtime.session_factory, _workspace_id(runtime, credentials.workspace_slug))


def _projection(session: Session) -> dict[str, Any]:
    """What two seeds with the same seed must agree on (ids aside)."""
    emails: dict[int, list[str]] = {}
    for contact_id, value in session.execute(
        select(ContactIdentifier.contact_id, ContactIdentifier.value).where(
            ContactIdentifier.kind == IdentifierKind.EMAIL
        )
    ):
        emails.setdefault(contact_id, []).append(value)
    people_rows = sorted(
        (c.first_name or "", c.last_name or "", sorted(emails.get(c.id, [])), c.locale or "")
        for c in session.scalars(select(Contact))
    )
    by_channel = dict(
        session.execute(
            select(Interaction.channel, func.count()).group_by(Interaction.channel)
        ).all()
    )
    stamps = session.execute(
        select(func.min(Interaction.occurred_at), func.max(Interaction.occurred_at))
    ).one()
    accounts = sorted(session.scalars(select(Account.name)))
    return {
        "people": people_rows,
        "channels": by_channel,
        "stamps": tuple(stamps),
        "accounts": accounts,
    }


def test_counts_meet_the_demo_brief(runtime: Runtime, demo: DemoCredentials) -> None:
    with _session(runtime, demo) as session:
        roles = set(session.scalars(select(User.role)))
        teams = set(session.scalars(select(Team.name)))
        accounts = session.scalar(select(func.count()).select_from(Account))
        contacts = session.scalar(select(func.count()).select_from(Contact))
        touchpoints = session.scalar(
            select(func.count()).select_from(Interaction).where(Interaction.source_type.is_(None))
        )
    assert accounts == demo.counts.accounts >= 200
    assert contacts == demo.counts.contacts >= 2_000
    assert touchpoints is not None
    assert 30_000 <= touchpoints <= 60_000
    assert demo.counts.interactions > touchpoints  # tickets put entries on timelines too
    assert demo.counts.tickets >= TICKETS
    assert roles == set(Role)
    assert {"Support EMEA", "Support APAC", "Customer Success"} <= teams
    assert demo.created is True


def test_touchpoints_span_a_year_on_every_channel(runtime: Runtime, demo: DemoCredentials) -> None:
    with _session(runtime, demo) as session:
        channels = set(session.scalars(select(Interaction.channel).distinct()))
        stages = set(session.scalars(select(Interaction.journey_stage).distinct()))
        first, last = session.execute(
            select(func.min(Interaction.occurred_at), func.max(Interaction.occurred_at))
        ).one()
    assert {str(c) for c in channels} >= CHANNELS
    assert stages >= {"awareness", "onboarding", "adoption", "renewal", "advocacy"}
    assert last <= REFERENCE
    assert last - first > timedelta(days=360)


def test_first_users_languages_are_present(runtime: Runtime, demo: DemoCredentials) -> None:
    with _session(runtime, demo) as session:
        locales = Counter(session.scalars(select(Contact.locale)))
    languages = {str(locale).split("-")[0] for locale in locales}
    assert {"en", "it", "zh", "id"} <= languages
    assert all(locales[code] >= 100 for code in ("en-US", "it-IT", "zh-CN", "id-ID"))


def test_contacts_and_touchpoints_stay_inside_the_workspace(
    runtime: Runtime, demo: DemoCredentials
) -> None:
    workspace_id = _workspace_id(runtime, demo.workspace_slug)
    owner = aliased(Account)
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        stray_contacts = session.scalar(
            select(func.count())
            .select_from(Contact)
            .join(owner, owner.id == Contact.account_id)
            .where(Contact.workspace_id == workspace_id, owner.workspace_id != workspace_id)
        )
        stray_touchpoints = session.scalar(
            select(func.count())
            .select_from(Interaction)
            .join(Contact, Contact.id == Interaction.contact_id)
            .where(Interaction.workspace_id == workspace_id, Contact.workspace_id != workspace_id)
        )
        linked = session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.workspace_id == workspace_id, Contact.account_id.is_not(None))
        )
    assert stray_contacts == 0
    assert stray_touchpoints == 0
    assert linked is not None
    assert linked > 1_500


def test_search_keys_and_identifiers_match_the_services_rules(
    runtime: Runtime, demo: DemoCredentials
) -> None:
    with _session(runtime, demo) as session:
        contacts = list(session.execute(select(Contact.first_name, Contact.last_name, Contact.name_key, Contact.last_name_key)))  # fmt: skip
        accounts = list(session.execute(select(Account.name, Account.name_key)))
        identifiers = list(session.execute(select(ContactIdentifier.kind, ContactIdentifier.value)))
    for first, last, name_key, last_name_key in contacts:
        assert (name_key, last_name_key) == name_search_keys(first, last)
    assert all(key == search_key(name) for name, key in accounts)
    assert all(normalise(kind, value) == value for kind, value in identifiers)
    assert {kind for kind, _ in identifiers} == set(IdentifierKind)


def test_the_printed_token_lists_contacts(client: TestClient, demo: DemoCredentials) -> None:
    headers = {"Authorization": f"Bearer {demo.token}"}
    response = client.get("/api/v1/contacts", params={"locale": "zh-CN"}, headers=headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items
    assert all(item["locale"] == "zh-CN" for item in items)
    assert (
        client.get("/api/v1/contacts", headers={"Authorization": "Bearer cxh_nope"}).status_code
        == 401
    )


def test_the_printed_password_signs_in_as_admin(runtime: Runtime, demo: DemoCredentials) -> None:
    with unit_of_work(runtime.session_factory, None) as session:
        user = people.authenticate_password(session, email=demo.email, password=demo.password)
        assert user is not None
        assert user.role is Role.ADMIN


def test_duplicates_can_be_found_for_merging(runtime: Runtime, demo: DemoCredentials) -> None:
    dataset = build_dataset(seed=SEED, now=REFERENCE, tickets=TICKETS)
    with _session(runtime, demo) as session:
        for original_index, twin_index in dataset.duplicate_pairs:
            ids = [
                session.scalar(
                    select(ContactIdentifier.contact_id).where(
                        ContactIdentifier.kind == IdentifierKind.EMAIL,
                        ContactIdentifier.value == dataset.contacts[index].emails[0].lower(),
                    )
                )
                for index in (original_index, twin_index)
            ]
            first, second = (session.get_one(Contact, id_) for id_ in ids)
            assert first.id != second.id
            assert first.name_key == second.name_key


def test_some_contacts_have_hundreds_of_touchpoints(
    runtime: Runtime, demo: DemoCredentials
) -> None:
    with _session(runtime, demo) as session:
        busiest = session.scalars(
            select(func.count())
            .select_from(Interaction)
            .group_by(Interaction.contact_id)
            .order_by(func.count().desc())
            .limit(5)
        ).all()
    assert min(busiest) >= 300


def test_seeding_again_reuses_the_workspace_with_a_new_token(
    runtime: Runtime, client: TestClient, demo: DemoCredentials
) -> None:
    again = seed_demo(runtime, seed=SEED, slug=demo.workspace_slug, now=NOW, tickets=TICKETS)
    assert again.created is False
    assert again.counts == demo.counts
    assert (again.email, again.password) == (demo.email, demo.password)
    assert again.token != demo.token
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        slugs = session.scalar(
            select(func.count()).select_from(Workspace).where(Workspace.slug == demo.workspace_slug)
        )
    assert slugs == 1
    response = client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {again.token}"})
    assert response.status_code == 200
    assert response.json()["items"]


def test_same_seed_gives_identical_data_in_another_workspace(
    runtime: Runtime, demo: DemoCredentials
) -> None:
    twin = seed_demo(
        runtime, seed=SEED, slug=_slug(), now=NOW + timedelta(hours=5), tickets=TICKETS
    )
    with _session(runtime, demo) as session:
        expected = _projection(session)
    with _session(runtime, twin) as session:
        actual = _projection(session)
    assert twin.counts == demo.counts
    assert actual == expected
    assert twin.email != demo.email  # logins stay unique across the installation


def test_a_workspace_not_made_by_the_demo_is_not_taken_over(runtime: Runtime) -> None:
    slug = _slug()
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
        people.create_workspace(session, slug=slug, name="Somebody else's")
    with pytest.raises(Conflict, match="not created by the cxhub demo"):
        seed_demo(runtime, slug=slug)
