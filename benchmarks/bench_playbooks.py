"""How long the hourly playbook evaluation of one workspace takes.

    .venv/bin/python -m benchmarks.bench_playbooks [--accounts 5000] [--events-per-account 10]

Builds a fresh SQLite database with the migrations; one workspace with `--accounts` accounts,
each owned by a CSM, with an open subscription (renewals spread over the next year, 5–50 seats),
two product users and `--events-per-account` usage events in the last 60 days (in the database
inbox, as freshly ingested). Enables four playbooks — renewal in 60 days, seats near the limit,
usage drop, and health band poor (no scores: nothing to fire) — each creating a CSM task.

Then times `evaluate_workspace` three times: the first check (fires one run and one task per
account in an episode), the second (nothing changes: idempotent, fires nothing) and a third
with only the renewal playbook enabled (no usage pass). The 1-minute load average is printed:
this machine is shared.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--events-per-account", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from cxhub.core.db import SYSTEM_SCOPE, unit_of_work
    from cxhub.core.migrate import upgrade_database
    from cxhub.core.outbound_http import OutboundPolicy
    from cxhub.core.permissions import Role
    from cxhub.core.runtime import build_runtime
    from cxhub.core.settings import Settings
    from cxhub.customers.accounts.models import Account
    from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
    from cxhub.people import service as people
    from cxhub.people.schemas import UserCreate
    from cxhub.success.playbooks import service as playbooks
    from cxhub.success.playbooks.actions import RunContext
    from cxhub.success.playbooks.evaluation import evaluate_workspace
    from cxhub.success.playbooks.models import Playbook, PlaybookRun
    from cxhub.success.playbooks.schemas import PlaybookWrite
    from cxhub.success.subscriptions.models import Subscription
    from cxhub.success.usage import service as usage
    from cxhub.success.usage.validation import validate_call

    rng = random.Random(args.seed)
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            environment="test", data_dir=Path(directory), jobs_backend="sync", scheduler=False
        )
        upgrade_database(settings.effective_database_url)
        runtime = build_runtime(settings)
        started = time.perf_counter()
        with unit_of_work(runtime.session_factory, SYSTEM_SCOPE) as session:
            workspace = people.create_workspace(session, slug="bench", name="Bench")
            session.info["workspace_id"] = workspace.id
            csm = people.create_user(
                session,
                workspace_id=workspace.id,
                data=UserCreate(email="csm@bench.example", name="C", role=Role.CSM),
            )
            accounts = [
                Account(workspace_id=workspace.id, name=f"A{i}", name_key=f"a{i}", owner_id=csm.id)
                for i in range(args.accounts)
            ]
            session.add_all(accounts)
            session.flush()
            contacts = []
            for account in accounts:
                for n in range(2):
                    contact = Contact(workspace_id=workspace.id, account_id=account.id)
                    contact.identifiers = [
                        ContactIdentifier(
                            workspace_id=workspace.id,
                            kind=IdentifierKind.EXTERNAL_ID,
                            value=f"u{account.id}-{n}",
                        )
                    ]
                    contacts.append(contact)
                session.add(
                    Subscription(
                        workspace_id=workspace.id,
                        account_id=account.id,
                        plan="pro",
                        currency="USD",
                        mrr_cents=10_000,
                        seats=rng.randint(2, 50),
                        started_on=(now - timedelta(days=200)).date(),
                        renewal_on=(now + timedelta(days=rng.randint(1, 365))).date(),
                        status="active",
                    )
                )
            session.add_all(contacts)
            session.flush()
            rows = []
            for account in accounts:
                for e in range(args.events_per_account):
                    moment = now - timedelta(days=rng.uniform(0, 60))
                    call = {
                        "type": "track",
                        "userId": f"u{account.id}-{e % 2}",
                        "event": rng.choice(["Report Built", "Export", "Invite Sent"]),
                        "messageId": f"m{account.id}-{e}",
                        "timestamp": moment.isoformat(),
                    }
                    rows.append(validate_call(call, received_at=now))
            usage.append_events(session, workspace_id=workspace.id, rows=rows)
            task = {"type": "create_task", "title": "Look at {{ account.name }}"}
            for name, trigger in (
                ("renewal", {"type": "renewal_due", "days": 60}),
                ("seats", {"type": "seats_near_limit", "min_utilisation": 0.1}),
                ("usage", {"type": "usage_drop", "max_trend": 0.9, "min_previous_events": 1}),
                ("health", {"type": "health_band", "bands": ["poor"]}),
            ):
                playbooks.create_playbook(
                    session,
                    workspace_id=workspace.id,
                    data=PlaybookWrite.model_validate(
                        {"name": name, "trigger": trigger, "actions": [task]}
                    ),
                    created_by_id=None,
                    policy=OutboundPolicy(),
                )
            workspace_id = workspace.id
        print(f"setup: {time.perf_counter() - started:.1f} s ({args.accounts} accounts)")

        def timed(label: str) -> None:
            with unit_of_work(runtime.session_factory, workspace_id) as session:
                begin = time.perf_counter()
                summary = evaluate_workspace(
                    session,
                    context=RunContext(workspace_id, now, "http://bench", OutboundPolicy()),
                    data_dir=settings.data_dir,
                )
                seconds = time.perf_counter() - begin
            print(
                f"{label}: {seconds:.2f} s, {summary.observations} observations, "
                f"{summary.fired} fired, {summary.observations / seconds:,.0f} observations/s"
            )

        timed("first check")
        timed("second check (idempotent)")
        with unit_of_work(runtime.session_factory, workspace_id) as session:
            for playbook in session.scalars(select(Playbook)):
                playbook.enabled = playbook.name == "renewal"
        timed("renewal playbook only")
        with unit_of_work(runtime.session_factory, workspace_id) as session:
            runs = session.scalar(select(func.count()).select_from(PlaybookRun))
        print(f"runs in the log: {runs}; load average (1 min): {os.getloadavg()[0]:.2f}")
        runtime.close()


if __name__ == "__main__":
    main()
