"""What the service KPI rollups cost a ticket change: the same updates through
`update_ticket`, each in its own transaction, with and without the dirty-day marking (ADR 0019),
alternating so both see the same machine load.

    .venv/bin/python -m benchmarks.bench_rollup_writes --database-url sqlite:///PATH --workspace 1
        [--changes 200]

Run it on a copy of the helpdesk benchmark database (it changes tickets). Two changes per
ticket: a priority change (moves the ticket between groups, so the marking also looks up the
days of its SLA targets and CSAT survey) and a status change to solved (moves its solve day).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cxhub.analytics.service_rollups import marking as dirty_marking
from cxhub.core.db import make_engine, make_session_factory, unit_of_work
from cxhub.people.models import User
from cxhub.service.tickets.actors import Actor
from cxhub.service.tickets.models import Ticket, TicketPriority, TicketStatus
from cxhub.service.tickets.schemas import TicketUpdate
from cxhub.service.tickets.service import update_ticket
from cxhub.service.tickets.status import UNSOLVED


def _change(
    factory: sessionmaker[Session], workspace_id: int, agent: int, ticket_id: int, n: int
) -> float:
    data = (
        TicketUpdate(priority=list(TicketPriority)[n % 4])
        if n % 2
        else TicketUpdate(status=TicketStatus.SOLVED)
    )
    started = time.perf_counter()
    with unit_of_work(factory, workspace_id) as session:
        update_ticket(session, ticket_id=ticket_id, data=data, actor=Actor.agent(agent))
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workspace", type=int, default=1)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    engine = make_engine(args.database_url)
    plain = make_session_factory(engine)
    marking = make_session_factory(engine)
    spent: list[float] = []
    for name in ("_before_flush", "_after_flush"):  # time the listeners themselves too
        original = getattr(dirty_marking, name)

        def timed(*args: Any, _original: Any = original) -> None:
            started = time.perf_counter()
            try:
                _original(*args)
            finally:
                spent.append((time.perf_counter() - started) * 1000)

        setattr(dirty_marking, name, timed)
    dirty_marking.install_dirty_marking(marking)
    with unit_of_work(plain, args.workspace) as session:
        agent = session.scalars(select(User.id).order_by(User.id)).first()
        assert agent is not None
        candidates = list(
            session.scalars(
                select(Ticket.id)
                .where(
                    Ticket.status.in_(list(UNSOLVED)),
                    Ticket.merged_into_id.is_(None),
                    Ticket.assignee_id.is_not(None),
                )
                .order_by(Ticket.id.desc())
                .limit(args.changes * 4)
            )
        )
    rng = random.Random(1)
    rng.shuffle(candidates)
    timings: dict[str, list[float]] = {"without marking": [], "with marking": []}
    for n in range(args.changes):
        ticket_id = candidates[n]
        factory, name = (marking, "with marking") if n % 2 else (plain, "without marking")
        # Each ticket gets a priority change then a solve, under the same factory.
        timings[name].append(_change(factory, args.workspace, agent, ticket_id, 1))
        timings[name].append(_change(factory, args.workspace, agent, ticket_id, 2))
    for name, values in timings.items():
        values.sort()
        print(
            f"{name:<16} changes={len(values)} p50={statistics.median(values):7.2f} ms "
            f"mean={statistics.fmean(values):7.2f} ms p95={values[int(len(values) * 0.95)]:7.2f} ms"
        )
    changes = len(timings["with marking"])
    print(
        f"inside the marking listeners: {sum(spent) / changes:.2f} ms per change "
        f"({len(spent)} listener calls)"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
