"""How long the customer-success reads take on a mid-sized workspace: the expansion list
(`success.expansion.service.opportunities`, behind `GET /api/v1/expansion` and the Expansion
page) and the success summary (`success_kpis.success_metrics`, behind
`GET /api/v1/metrics/success` and the revenue dashboard) ungrouped, by plan and by month.

    .venv/bin/python -m benchmarks.bench_success [--accounts 5000] [--users 4] [--days 60]
                                                 [--events-per-user-day 3] [--runs 3]

Builds a SQLite database with the real migrations in a temporary directory, bulk-loads
`--accounts` accounts (tier, owner-less) each with a subscription (plan starter/pro/enterprise,
some add-on subscriptions, MRR history with an expansion for a tenth of them), `--users`
contacts with a product user id each, and writes `--events-per-user-day` track events per user
and day for the last `--days` days straight into the Parquet layout compaction produces (ADR
0015). Then times each read `--runs` times (after one warm-up) and prints the median. The
1-minute load average is printed with the results: this machine is shared.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from cxhub.analytics.expansion import AddOn, FeatureLimit, Plan, PlanCatalogue
from cxhub.analytics.revenue import add_months, month_of
from cxhub.analytics.success_kpis import SuccessGroupBy, success_metrics
from cxhub.core.db import (
    SYSTEM_SCOPE,
    make_engine,
    make_session_factory,
    reader_bind,
    unit_of_work,
)
from cxhub.core.migrate import upgrade_database
from cxhub.customers.accounts.models import Account
from cxhub.customers.contacts.models import Contact, ContactIdentifier, IdentifierKind
from cxhub.customers.search_keys import search_key
from cxhub.people import service as people
from cxhub.success.expansion import service as expansion
from cxhub.success.expansion.models import ExpansionSnapshot
from cxhub.success.subscriptions.models import Subscription, SubscriptionMrrChange
from cxhub.success.usage.storage import day_dir, file_name

PLANS = ("starter", "pro", "enterprise")
FEATURES = ("report.exported", "dashboard.viewed", "api.called", "invite.sent", "export.csv")
CATALOGUE = PlanCatalogue(
    currency="EUR",
    plans=[
        Plan(
            name="starter",
            seat_price_cents=1_000,
            limits=[FeatureLimit(feature="report.exported", limit=100)],
        ),
        Plan(name="pro", base_mrr_cents=5_000, seat_price_cents=2_500),
        Plan(name="enterprise", seat_price_cents=4_000),
    ],
    add_ons=[AddOn(name="sso", mrr_cents=2_000), AddOn(name="audit", seat_price_cents=100)],
)


def load(url: str, data_dir: Path, args: argparse.Namespace, now: datetime) -> int:
    upgrade_database(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    rng = random.Random(7)
    with unit_of_work(factory, SYSTEM_SCOPE) as session:
        workspace_id = people.create_workspace(session, slug="bench", name="Benchmark").id
    users: list[str] = []
    with unit_of_work(factory, workspace_id) as session:
        for index in range(args.accounts):
            name = f"Account {index:06d}"
            account = Account(
                workspace_id=workspace_id,
                name=name,
                name_key=search_key(name),
                tier=rng.choice(("smb", "mid", "ent")),
                custom_attributes={},
            )
            session.add(account)
            if index % 500 == 499:
                session.flush()
        session.flush()
        account_ids = [a.id for a in session.query(Account).order_by(Account.id)]
        start = add_months(month_of(now.date()), -14)
        for index, account_id in enumerate(account_ids):
            seats = rng.choice((2, 4, 8, 12, 25, 60))
            plan = PLANS[index % 3]
            mrr = CATALOGUE.plans[index % 3].mrr_for(seats)
            started = start + timedelta(days=rng.randrange(300))
            subscription = Subscription(
                workspace_id=workspace_id,
                account_id=account_id,
                plan=plan,
                currency="EUR",
                mrr_cents=mrr,
                seats=seats,
                started_on=started,
                renewal_on=now.date() + timedelta(days=rng.randrange(120)),
                status="active",
            )
            subscription.mrr_changes = [
                SubscriptionMrrChange(
                    workspace_id=workspace_id,
                    effective_on=started,
                    mrr_cents=mrr if index % 10 else mrr // 2,
                    seats=seats,
                    plan=plan,
                    reason="start",
                )
            ]
            if index % 10 == 0:
                subscription.mrr_changes.append(
                    SubscriptionMrrChange(
                        workspace_id=workspace_id,
                        effective_on=started + timedelta(days=40),
                        mrr_cents=mrr,
                        seats=seats,
                        plan=plan,
                        reason="expansion",
                    )
                )
            session.add(subscription)
            if index % 4 == 0:
                session.add(
                    Subscription(
                        workspace_id=workspace_id,
                        account_id=account_id,
                        plan="sso",
                        currency="EUR",
                        mrr_cents=2_000,
                        seats=1,
                        started_on=started,
                        status="active",
                        mrr_changes=[
                            SubscriptionMrrChange(
                                workspace_id=workspace_id,
                                effective_on=started,
                                mrr_cents=2_000,
                                seats=1,
                                plan="sso",
                                reason="start",
                            )
                        ],
                    )
                )
            for number in range(args.users):
                user_id = f"u{account_id}-{number}"
                users.append(user_id)
                contact = Contact(
                    workspace_id=workspace_id, account_id=account_id, first_name=user_id
                )
                contact.identifiers = [
                    ContactIdentifier(
                        workspace_id=workspace_id, kind=IdentifierKind.EXTERNAL_ID, value=user_id
                    )
                ]
                session.add(contact)
            if index % 200 == 199:
                session.flush()
        expansion.save_catalogue(session, workspace_id=workspace_id, catalogue=CATALOGUE)
    engine.dispose()
    _write_events(data_dir, workspace_id, users, args, now, rng)
    return workspace_id


def _write_events(
    data_dir: Path,
    workspace_id: int,
    users: list[str],
    args: argparse.Namespace,
    now: datetime,
    rng: random.Random,
) -> None:
    connection = duckdb.connect()
    next_id = 1
    np_rng = np.random.default_rng(rng.randrange(2**32))
    user_array = np.array(users, dtype=object)
    for offset in range(args.days):
        day = (now - timedelta(days=offset + 1)).date()
        active = user_array[np_rng.random(len(users)) < 0.6]
        count = len(active) * args.events_per_user_day
        chosen_users = np.repeat(active, args.events_per_user_day)
        midnight = np.datetime64(datetime.combine(day, datetime.min.time()), "us")
        seconds = np_rng.integers(0, 86_400, count).astype("timedelta64[s]")
        events = np.array(FEATURES, dtype=object)[np_rng.integers(0, len(FEATURES), count)]
        ids = np.arange(next_id, next_id + count)
        table = {
            "id": ids,
            "message_id": np.array([f"m{i}" for i in ids], dtype=object),
            "type": np.full(count, "track", dtype=object),
            "event": events,
            "user_id": chosen_users,
            "timestamp": midnight + seconds,
        }
        connection.register("day_events", table)
        target = day_dir(data_dir, workspace_id, day)
        target.mkdir(parents=True, exist_ok=True)
        path = target / file_name(int(ids[0]), int(ids[-1]))
        connection.execute(f"COPY day_events TO '{path}' (FORMAT PARQUET)")
        connection.unregister("day_events")
        next_id += count
    connection.close()


def timed(action: Any, runs: int) -> tuple[float, Any]:
    action()
    seconds = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), result


def stored_reads(
    factory: sessionmaker[Session],
    engine: Engine,
    workspace_id: int,
    data_dir: Path,
    now: datetime,
    args: argparse.Namespace,
    computed_seconds: float,
) -> None:
    """The same reads answered from the stored snapshot (ADR 0044): the refresh that stores
    it, then `--reads` reads of the first page of the list and of random accounts'
    opportunities, in read-only sessions as requests have; baseline: the computation above."""
    started = time.perf_counter()
    with (
        unit_of_work(factory, workspace_id) as session,
        unit_of_work(reader_factory(engine), workspace_id) as reader,
    ):
        refreshed = expansion.refresh(
            session, reader=reader, workspace_id=workspace_id, now=now, data_dir=data_dir
        )
    assert refreshed.stored
    print(
        f"refresh (compute and store {len(refreshed.computed.opportunities):,} opportunities): "
        f"{time.perf_counter() - started:,.2f} s"
    )
    reading = reader_factory(engine)
    with unit_of_work(reading, workspace_id) as session:
        ids = list(session.scalars(select(Account.id)))
        header = session.scalar(select(ExpansionSnapshot))
        assert header is not None
        refreshed_at = header.computed_at
    rng = random.Random(7)

    def read(**options: Any) -> float:
        started = time.perf_counter()
        with unit_of_work(reading, workspace_id) as session:
            report = expansion.opportunities(
                session,
                workspace_id=workspace_id,
                as_of=now + timedelta(seconds=1),
                data_dir=data_dir,
                stored=True,
                writer=factory,
                **options,
            )
        assert report.computed_at == refreshed_at, "the stored snapshot did not answer"
        return time.perf_counter() - started

    for label, options in (
        ("expansion list, first 100 (stored)", lambda: {"limit": 100}),
        (
            "expansion list, add_on only, first 100 (stored)",
            lambda: {"actions": {"add_on"}, "limit": 100},
        ),
        ("an account's expansion (stored)", lambda: {"account_id": rng.choice(ids)}),
    ):
        latencies = sorted(read(**options()) for _ in range(args.reads))
        p50 = latencies[len(latencies) // 2]
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        print(
            f"{label}: p50 {p50 * 1000:,.1f} ms, p99 {p99 * 1000:,.1f} ms over {args.reads} reads; "
            f"computed {computed_seconds * 1000:,.0f} ms: {computed_seconds / p50:,.0f}x at p50"
        )


def reader_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(reader_bind(engine))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=5_000)
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--events-per-user-day", type=int, default=3)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        url = f"sqlite:///{data_dir / 'bench.sqlite3'}"
        started = time.perf_counter()
        workspace_id = load(url, data_dir, args, now)
        pattern = f"{data_dir}/events/**/*.parquet"
        events = int(
            duckdb.connect()
            .execute("SELECT count(*) FROM read_parquet(?)", [pattern])
            .fetchall()[0][0]
        )
        print(
            f"setup: {args.accounts:,} accounts, {args.accounts * args.users:,} product users, "
            f"{events:,} events in {time.perf_counter() - started:.0f} s"
        )
        engine = make_engine(url)
        factory = make_session_factory(engine)
        last = month_of(now.date())

        def expansion_list() -> Any:
            with unit_of_work(factory, workspace_id) as session:
                return expansion.opportunities(
                    session, workspace_id=workspace_id, as_of=now, data_dir=data_dir
                )

        def summary(group_by: SuccessGroupBy) -> Any:
            def run() -> Any:
                with unit_of_work(factory, workspace_id) as session:
                    return success_metrics(
                        session,
                        workspace_id=workspace_id,
                        currency="EUR",
                        first=add_months(last, -11),
                        last=last,
                        group_by=group_by,
                        now=now,
                        data_dir=data_dir,
                    )

            return run

        seconds, report = timed(expansion_list, args.runs)
        print(
            f"expansion list: {seconds * 1000:,.0f} ms median, {len(report.opportunities):,} "
            f"opportunities over {report.accounts_considered:,} accounts"
        )
        stored_reads(factory, engine, workspace_id, data_dir, now, args, seconds)
        for group_by in (SuccessGroupBy.NONE, SuccessGroupBy.PLAN, SuccessGroupBy.MONTH):
            seconds, _ = timed(summary(group_by), args.runs)
            print(
                f"success summary, 12 months, group_by={group_by.value}: {seconds * 1000:,.0f} ms median"
            )
        engine.dispose()
    print(f"load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
