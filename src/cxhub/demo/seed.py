"""`seed_demo`: create the demo workspace once, and hand out a working login every time.

The first call generates the data set and writes it in one transaction, so a crash leaves no
half-built workspace and the next call simply starts again. Later calls find the workspace by
slug, reset the demo admin's password to the printed one (a demo login that no longer works is
worse than a demo password reset), and issue a fresh API token. Staff, teams and tokens go
through the people service (argon2 hashing, audit entries); bulk customer data goes through the
batched writer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
from cxhub.core.errors import Conflict
from cxhub.core.permissions import Role
from cxhub.core.runtime import Runtime
from cxhub.core.tenancy import Workspace
from cxhub.customers.accounts.models import Account
from cxhub.customers.contacts.models import Contact
from cxhub.customers.timeline.models import Interaction
from cxhub.demo import writer
from cxhub.demo.dataset import build_dataset, reference_day
from cxhub.demo.experience_seed import seed_experience
from cxhub.demo.helpdesk import configure_helpdesk
from cxhub.demo.staff import (
    ADMIN_KEY,
    DEFAULT_SLUG,
    DEMO_PASSWORD,
    STAFF,
    TEAMS,
    VENDOR_NAME,
    staff_email,
)
from cxhub.demo.success import seed_success
from cxhub.demo.text_seed import analyse_demo_messages
from cxhub.demo.tickets import DEFAULT_TICKETS
from cxhub.people import service as people
from cxhub.people.models import Team, User
from cxhub.people.schemas import TeamCreate, UserCreate
from cxhub.service.tickets.models import Ticket

TOKEN_NAME = "cxhub serve --demo"  # noqa: S105 - a label, not a secret


@dataclass(frozen=True)
class DemoCounts:
    accounts: int
    contacts: int
    interactions: int
    users: int
    teams: int
    tickets: int


@dataclass(frozen=True)
class DemoCredentials:
    """What `cxhub serve --demo` prints: where to sign in and a bearer token for the API."""

    workspace_slug: str
    email: str
    password: str
    token: str
    counts: DemoCounts
    created: bool  # False when the workspace already existed and was reused


Step = Callable[[str, int], Callable[[int], None]]


@contextmanager
def _progress(enabled: bool) -> Iterator[Step]:
    """Yield `step(description, total) -> advance(n)`; a silent one when progress is off."""
    if not enabled:
        yield lambda description, total: lambda n: None
        return
    bar = Progress(
        TextColumn("{task.description:<26}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    )
    with bar:

        def step(description: str, total: int) -> Callable[[int], None]:
            task = bar.add_task(description, total=total)
            return lambda n: bar.advance(task, n)

        yield step


def _count(session: Session) -> DemoCounts:
    def rows(model: type[object]) -> int:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)

    return DemoCounts(
        accounts=rows(Account),
        contacts=rows(Contact),
        interactions=rows(Interaction),
        users=rows(User),
        teams=rows(Team),
        tickets=rows(Ticket),
    )


def _create_staff(session: Session, workspace_id: int, slug: str) -> dict[str, User]:
    """Every demo user signs in with the demo password, so each role's view can be tried.

    Only the admin's password is hashed (argon2, by the service); the others reuse that hash,
    which verifies the same password, instead of spending a second of CPU on fifteen more.
    """
    users: dict[str, User] = {}
    for member in STAFF:
        is_admin = member.key == ADMIN_KEY
        users[member.key] = people.create_user(
            session,
            workspace_id=workspace_id,
            data=UserCreate(
                email=staff_email(member, slug),
                name=member.name,
                role=Role(member.role),
                password=DEMO_PASSWORD if is_admin else None,
                locale=member.locale,
                time_zone=member.time_zone,
            ),
        )
    for user in users.values():
        user.password_hash = users[ADMIN_KEY].password_hash
    for team, description in TEAMS.items():
        member_ids = [users[m.key].id for m in STAFF if team in m.teams]
        people.create_team(
            session,
            workspace_id=workspace_id,
            data=TeamCreate(name=team, description=description, member_ids=member_ids),
        )
    return users


def _reuse(runtime: Runtime, workspace_id: int, slug: str) -> DemoCredentials:
    email = staff_email(next(m for m in STAFF if m.key == ADMIN_KEY), slug)
    with unit_of_work(runtime.session_factory, workspace_id) as session:
        admin = session.scalar(select(User).where(User.email == email))
        if admin is None:
            raise Conflict(f"workspace {slug!r} exists but was not created by the cxhub demo")
        people.set_password(session, user_id=admin.id, password=DEMO_PASSWORD)
        admin.is_active = True
        token = people.create_api_token(session, user=admin, name=TOKEN_NAME).secret
        counts = _count(session)
    return DemoCredentials(slug, email, DEMO_PASSWORD, token, counts, created=False)


def seed_demo(
    runtime: Runtime,
    *,
    seed: int = 42,
    progress: bool = False,
    slug: str = DEFAULT_SLUG,
    now: datetime | None = None,
    tickets: int = DEFAULT_TICKETS,
) -> DemoCredentials:
    """Create the demo workspace `slug` unless it exists; always return a working login.

    The data are a pure function of `seed` and the reference day (midnight UTC of `now`, by
    default today), so the same seed on the same day gives identical data. `tickets` is the
    size of the helpdesk history (tests use a smaller one).
    """
    with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as lookup:
        existing = lookup.scalar(select(Workspace.id).where(Workspace.slug == slug))
    if existing is not None:
        return _reuse(runtime, existing, slug)

    with _progress(progress) as step:
        done = step("Generating demo data", 1)
        dataset = build_dataset(seed=seed, now=reference_day(now), tickets=tickets)
        done(1)
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug=slug, name=f"{VENDOR_NAME} (demo)")
            session.info["workspace_id"] = workspace.id
            done = step("Creating staff and teams", 1)
            users = _create_staff(session, workspace.id, slug)
            done(1)
            done = step("Writing accounts", 1)
            owner_ids = {key: user.id for key, user in users.items()}
            account_ids = writer.write_accounts(session, workspace.id, dataset, owner_ids)
            done(1)
            done = step("Writing contacts", 1)
            last_seen = writer.last_touch_by_contact(dataset)
            contact_ids = writer.write_contacts(
                session, workspace.id, dataset, account_ids, last_seen
            )
            done(1)
            advance = step("Writing touchpoints", len(dataset.touchpoints))
            writer.write_touchpoints(
                session, workspace.id, dataset, contact_ids, account_ids, advance
            )
            done = step("Configuring the helpdesk", 1)
            helpdesk = configure_helpdesk(
                session, workspace_id=workspace.id, users=users, now=dataset.now
            )
            done(1)
            advance = step("Writing tickets", 5)
            refs = writer.TicketRefs(
                contact_ids=contact_ids,
                account_ids=account_ids,
                user_ids=owner_ids,
                team_ids=helpdesk.team_ids,
                policy_ids=helpdesk.policy_ids,
            )
            writer.write_tickets(session, workspace.id, dataset.tickets, refs, advance)
            admin = users[ADMIN_KEY]
            done = step("Customer success: contracts, health, playbooks, tasks", 1)
            seed_success(
                session,
                workspace_id=workspace.id,
                dataset=dataset,
                account_ids=account_ids,
                owner_ids=owner_ids,
                admin_id=admin.id,
                data_dir=runtime.settings.data_dir,
                public_url=runtime.settings.public_url,
                now=dataset.now,
                seed=seed,
            )
            done(1)
            done = step("Experience: surveys, journey, topics, text analytics", 1)
            seed_experience(
                session,
                workspace_id=workspace.id,
                dataset=dataset,
                contact_ids=contact_ids,
                account_ids=account_ids,
                owner_ids=owner_ids,
                admin_id=admin.id,
                seed=seed,
            )
            analyse_demo_messages(session, workspace_id=workspace.id, now=dataset.now)
            done(1)
            token = people.create_api_token(session, user=admin, name=TOKEN_NAME).secret
            counts = _count(session)
    return DemoCredentials(slug, admin.email, DEMO_PASSWORD, token, counts, created=True)
