"""The raw inputs of the health score, per account (definitions and missing-data rules in
docs/health.md, "Inputs"). Read through the metric layer: aggregate statements over the service
tables (as `service_kpis`, ADR 0013), subscriptions (as `revenue_kpis`), adoption over usage
events (ADR 0015), and the timeline's and contacts' service functions. Every aggregate names its
workspace explicitly.

Set-wise: one SQL statement per input family and one Ibis aggregation over the events for all
the accounts asked for (every account of the workspace when `account_ids` is None), so the cost
does not grow with the number of batches or accounts beyond the scans themselves.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, Executable, and_, case, func, or_, select
from sqlalchemy.orm import Session

from cxhub.analytics import adoption, engine
from cxhub.analytics.adoption_columns import UsageFigures, usage_figures_on
from cxhub.analytics.formulas import csat_percent
from cxhub.analytics.health_billing import (
    SubscriptionFigures,
    billing_inputs,
)
from cxhub.analytics.health_breakdown import floats_or_none
from cxhub.analytics.usage_events import inbox_usage_on_engine
from cxhub.customers.accounts import service as accounts
from cxhub.customers.contacts import service as contacts
from cxhub.customers.timeline import service as timeline
from cxhub.service.csat.models import CsatSurvey
from cxhub.service.sla.models import TicketSlaTarget
from cxhub.service.tickets.models import Ticket, TicketPriority
from cxhub.success.subscriptions.models import Subscription, SubscriptionStatus
from cxhub.success.usage import service as usage

ENGAGEMENT_KINDS = ["call", "meeting", "email.sent"]
SUPPORT_DAYS = 30
CSAT_DAYS = 90

Inputs = dict[str, float | None]
AccountIds = list[int] | None


class _Clock:
    """Adds the wall and CPU seconds since the previous lap to `spent[phase]` and
    `spent[phase + "_cpu"]` (CPU of the whole process, DuckDB's threads included)."""

    def __init__(self, spent: dict[str, float]) -> None:
        self.spent = spent
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self, phase: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.spent[phase] = self.spent.get(phase, 0.0) + wall - self.wall
        self.spent[f"{phase}_cpu"] = self.spent.get(f"{phase}_cpu", 0.0) + cpu - self.cpu
        self.wall, self.cpu = wall, cpu


def _of_accounts(column: Any, account_ids: AccountIds) -> list[ColumnElement[bool]]:
    """The account filter of an aggregate: the given accounts, or any account (None)."""
    if account_ids is None:
        return [column.is_not(None)]
    return [column.in_(account_ids)]


def _aggregate_rows(session: Session, statement: Executable) -> list[Any]:
    """Rows of one of this module's statements, executed through Core, without the ORM's row
    loading (a few µs a row, at the hundred-thousands of rows of a whole workspace). The ORM's
    workspace criteria do not apply here, so each statement names the workspace of **every**
    table it reads: besides isolation, the indexes lead with `workspace_id`, and without it
    SQLite joins SLA targets to tickets without an index (minutes at 100,000 tickets).
    Pending ORM changes were flushed by `account_input_table`."""
    return list(session.connection().execute(statement).fetchall())


def _support(
    session: Session, *, workspace_id: int, account_ids: AccountIds, as_of: datetime
) -> dict[int, tuple[int, int]]:
    """Tickets opened in the last 30 days and how many of them are urgent or high."""
    start = as_of - timedelta(days=SUPPORT_DAYS)
    severe = case((Ticket.priority.in_([TicketPriority.URGENT, TicketPriority.HIGH]), 1), else_=0)
    rows = _aggregate_rows(
        session,
        select(Ticket.account_id, func.count(), func.sum(severe))
        .where(
            Ticket.workspace_id == workspace_id,
            *_of_accounts(Ticket.account_id, account_ids),
            Ticket.merged_into_id.is_(None),
            Ticket.is_spam.is_(False),
            Ticket.created_at >= start,
            Ticket.created_at < as_of,
        )
        .group_by(Ticket.account_id),
    )
    return {int(a): (int(n), int(s or 0)) for a, n, s in rows}


def _sla(
    session: Session, *, workspace_id: int, account_ids: AccountIds, as_of: datetime
) -> dict[int, tuple[int, int]]:
    """SLA targets started in the last 30 days and how many of them breached."""
    start = as_of - timedelta(days=SUPPORT_DAYS)
    breached = case(
        (and_(TicketSlaTarget.breached_at.is_not(None), TicketSlaTarget.breached_at < as_of), 1),
        else_=0,
    )
    rows = _aggregate_rows(
        session,
        select(Ticket.account_id, func.count(), func.sum(breached))
        .join(Ticket, Ticket.id == TicketSlaTarget.ticket_id)
        .where(
            Ticket.workspace_id == workspace_id,
            TicketSlaTarget.workspace_id == workspace_id,
            *_of_accounts(Ticket.account_id, account_ids),
            TicketSlaTarget.cancelled.is_(False),
            TicketSlaTarget.started_at >= start,
            TicketSlaTarget.started_at < as_of,
        )
        .group_by(Ticket.account_id),
    )
    return {int(a): (int(n), int(b or 0)) for a, n, b in rows}


def _csat(
    session: Session, *, workspace_id: int, account_ids: AccountIds, as_of: datetime
) -> dict[int, float | None]:
    start = as_of - timedelta(days=CSAT_DAYS)
    scores: dict[int, list[int]] = defaultdict(list)
    rows = _aggregate_rows(
        session,
        select(Ticket.account_id, CsatSurvey.score)
        .join(Ticket, Ticket.id == CsatSurvey.ticket_id)
        .where(
            Ticket.workspace_id == workspace_id,
            CsatSurvey.workspace_id == workspace_id,
            *_of_accounts(Ticket.account_id, account_ids),
            CsatSurvey.score.is_not(None),
            CsatSurvey.rated_at >= start,
            CsatSurvey.rated_at < as_of,
        ),
    )
    for account, score in rows:
        if account is not None and score is not None:
            scores[int(account)].append(int(score))
    return {a: csat_percent(s) for a, s in scores.items()}


def _subscription_figures(
    session: Session, *, workspace_id: int, account_ids: AccountIds, today: date
) -> dict[int, SubscriptionFigures]:
    """`SubscriptionFigures` of each account with a subscription, one row per account
    (the rules of `subscription_inputs`, pushed into one GROUP BY)."""
    live = and_(
        Subscription.started_on <= today,
        or_(Subscription.ended_on.is_(None), Subscription.ended_on > today),
    )
    rank = case(
        (Subscription.status == SubscriptionStatus.ACTIVE.value, 2),
        (Subscription.status == SubscriptionStatus.TRIALING.value, 1),
        else_=0,
    )
    rows = _aggregate_rows(
        session,
        select(
            Subscription.account_id,
            func.count(case((live, 1))),
            func.min(case((live, rank))),
            func.min(case((and_(live, Subscription.renewal_on >= today), Subscription.renewal_on))),
            func.sum(case((live, Subscription.seats), else_=0)),
        )
        .where(
            Subscription.workspace_id == workspace_id,
            *_of_accounts(Subscription.account_id, account_ids),
        )
        .group_by(Subscription.account_id),
    )
    return {
        int(a): SubscriptionFigures(
            int(n or 0), None if r is None else int(r), renewal, int(seats or 0)
        )
        for a, n, r, renewal, seats in rows
    }


@dataclass(frozen=True)
class InputTable:
    """The raw inputs of many accounts column-wise: `account_ids` ascending, and per metric one
    float per account in that order, NaN where the input is missing (None in `Inputs`)."""

    account_ids: npt.NDArray[np.int64]
    columns: dict[str, npt.NDArray[np.float64]]

    def rows(self) -> dict[int, Inputs]:
        """The same inputs per account, None for missing (what `account_inputs` returns)."""
        names = list(self.columns)
        listed = [floats_or_none(self.columns[n]) for n in names]
        return {
            account_id: dict(zip(names, values, strict=True))
            for account_id, *values in zip(self.account_ids.tolist(), *listed, strict=True)
        }


def _column(values: Sequence[float | None]) -> npt.NDArray[np.float64]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def account_input_table(
    session: Session,
    *,
    workspace_id: int,
    account_ids: AccountIds = None,
    as_of: datetime,
    data_dir: Path,
    timings: dict[str, float] | None = None,
    engine_config: engine.EngineConfig | None = None,
) -> InputTable:
    """The raw inputs of each account on `as_of` (docs/health.md) as columns, for
    `account_ids` or, when None, every account of the workspace. The event aggregation runs
    on the configured analytics engine (embedded DuckDB by default, ADR 0023) in a worker
    thread while this thread reads the SQL inputs (ADR 0034): the two are independent until
    combined, and DuckDB and SQLite release the GIL while they work. The session never leaves
    this thread: the worker gets the account ids, product users and inbox rows read first.

    `timings` receives wall seconds per phase and the process's CPU seconds (`<phase>_cpu`,
    every thread): `sql` (this thread's statements; its CPU includes the concurrent
    aggregation), `events` (the worker's wall time, overlapping `sql`), `events_wait` (what
    this thread then still waited for the worker) and `combine`."""
    spent = timings if timings is not None else {}
    session.flush()  # the aggregates below run on the session's connection, not through it
    clock = _Clock(spent)
    today = as_of.date()
    ws = workspace_id
    ids = sorted(set(account_ids)) if account_ids is not None else None
    if ids is not None and not ids:
        return InputTable(np.array([], dtype=np.int64), {})
    every = ids if ids is not None else _all_account_ids(session)
    account_array = np.array(every, dtype=np.int64)
    # what the event aggregation needs from the database, read before it leaves this thread
    members = contacts.external_id_pairs(session, account_ids=ids)
    start, end = adoption.usage_window(as_of)
    inbox = usage.inbox_events(session, start=start, end=end)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-usage") as worker:
        aggregation = worker.submit(
            _usage_figures,
            engine_config or engine.EngineConfig(),
            inbox=inbox,
            members=members,
            workspace_id=workspace_id,
            data_dir=data_dir,
            as_of=as_of,
            account_ids=account_array,
        )
        support = _support(session, workspace_id=ws, account_ids=ids, as_of=as_of)
        sla = _sla(session, workspace_id=ws, account_ids=ids, as_of=as_of)
        csat = _csat(session, workspace_id=ws, account_ids=ids, as_of=as_of)
        subscriptions = _subscription_figures(
            session, workspace_id=ws, account_ids=ids, today=today
        )
        engaged = timeline.last_interaction_at(
            session, account_ids=ids, kinds=ENGAGEMENT_KINDS, before=as_of
        )
        # licensed seats: the live subscriptions' seats, else `custom_attributes.seats`, so
        # only the accounts without live seats need their attributes (JSON) read
        seats = {a: f.seats for a, f in subscriptions.items() if f.seats}
        attributes = _attributes_of(session, [a for a in every if a not in seats])
        clock.lap("sql")
        figures, spent["events"] = aggregation.result()
    clock.lap("events_wait")
    licensed = [seats.get(a) or adoption.licensed_seats_of(attributes.get(a)) for a in every]
    usage_columns = figures.with_licensed_seats(_column(licensed))
    opened, severe = (np.array(c, dtype=np.float64) for c in _pairs(support, every))
    targets, breaches = (np.array(c, dtype=np.float64) for c in _pairs(sla, every))
    billing = [billing_inputs(subscriptions.get(a), today) for a in every]
    with np.errstate(divide="ignore", invalid="ignore"):
        columns = {
            "usage_trend": usage_columns.usage_trend,
            "feature_breadth": usage_columns.feature_breadth,
            "seat_utilisation": usage_columns.seat_utilisation,
            "support_load": opened / np.maximum(usage_columns.active_seats, 1.0),
            "urgent_share": np.where(opened > 0, severe / opened, np.nan),
            "sla_breaches": np.where(targets > 0, breaches, np.nan),
            "csat": _column([csat.get(a) for a in every]),
            "days_since_engagement": _column(
                [
                    (as_of - engaged[a]).total_seconds() / 86400 if a in engaged else None
                    for a in every
                ]
            ),
            "renewal_days": _column([b[0] for b in billing]),
            "billing_status": _column([b[1] for b in billing]),
        }
    clock.lap("combine")
    return InputTable(account_array, columns)


def _usage_figures(
    config: engine.EngineConfig,
    *,
    inbox: list[Any],
    members: list[tuple[str, int]],
    workspace_id: int,
    data_dir: Path,
    as_of: datetime,
    account_ids: npt.NDArray[np.int64],
) -> tuple[UsageFigures, float]:
    """The event aggregation of `account_input_table` and its wall seconds, run in the
    worker thread: its own engine connection, no session."""
    started = time.perf_counter()
    start, end = adoption.usage_window(as_of)
    with inbox_usage_on_engine(
        config, inbox=inbox, workspace_id=workspace_id, data_dir=data_dir, start=start, end=end
    ) as (backend, events):
        figures = usage_figures_on(
            backend, events, members=members, as_of=as_of, account_ids=account_ids
        )
    return figures, time.perf_counter() - started


def _pairs(found: dict[int, tuple[int, int]], every: list[int]) -> tuple[list[int], list[int]]:
    """Two columns (first and second figure, 0 when absent) of `found` over `every`."""
    firsts, seconds = [], []
    for account in every:
        first, second = found.get(account, (0, 0))
        firsts.append(first)
        seconds.append(second)
    return firsts, seconds


ACCOUNT_PAGE = 100_000
ATTRIBUTE_CHUNK = 10_000


def _all_account_ids(session: Session) -> list[int]:
    """Every account id of the workspace, ascending (pages of ACCOUNT_PAGE)."""
    found: list[int] = []
    while page := accounts.account_ids_batch(
        session, after_id=found[-1] if found else 0, limit=ACCOUNT_PAGE
    ):
        found.extend(page)
    return found


def _attributes_of(session: Session, account_ids: list[int]) -> dict[int, dict[str, Any] | None]:
    """Custom attributes of `account_ids`, ATTRIBUTE_CHUNK ids per statement (an IN list
    stays under SQLite's bound-parameter limit)."""
    found: dict[int, dict[str, Any] | None] = {}
    for start in range(0, len(account_ids), ATTRIBUTE_CHUNK):
        chunk = account_ids[start : start + ATTRIBUTE_CHUNK]
        found |= accounts.custom_attributes_by_id(session, account_ids=chunk)
    return found


def account_inputs(
    session: Session,
    *,
    workspace_id: int,
    account_ids: AccountIds = None,
    as_of: datetime,
    data_dir: Path,
    timings: dict[str, float] | None = None,
    engine_config: engine.EngineConfig | None = None,
) -> dict[int, Inputs]:
    """`account_input_table` reshaped per account: {account id: {metric: value or None}}, the
    shape the per-account reference `health.score_account_data` takes. No computation of its
    own (one definition of the inputs): the tests and the churn benchmark read it."""
    return account_input_table(
        session,
        workspace_id=workspace_id,
        account_ids=account_ids,
        as_of=as_of,
        data_dir=data_dir,
        timings=timings,
        engine_config=engine_config,
    ).rows()
