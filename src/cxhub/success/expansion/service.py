"""Expansion use cases: the workspace's plan catalogue, and the opportunities of one account
or of the whole workspace, computed or read from the stored snapshot (ADR 0044). No commits
of the caller's session: the request edge commits (ADR 0002)."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from cxhub.analytics import revenue_kpis
from cxhub.analytics.expansion import Opportunity, PlanCatalogue, find_opportunities
from cxhub.analytics.expansion_inputs import account_facts
from cxhub.core.db import unit_of_work, utcnow
from cxhub.core.errors import ValidationFailed
from cxhub.customers.accounts import service as accounts
from cxhub.success.expansion import snapshot
from cxhub.success.expansion.models import ExpansionSnapshot, PlanCatalogueRecord

FALLBACK_CURRENCY = "USD"

log = logging.getLogger(__name__)


def stored_catalogue(session: Session) -> PlanCatalogueRecord | None:
    return session.scalar(select(PlanCatalogueRecord).limit(1))


def catalogue_of(
    session: Session, *, workspace_id: int
) -> tuple[PlanCatalogue, PlanCatalogueRecord | None]:
    """The stored catalogue, else an empty one (no plans, no add-ons, default thresholds) in
    the workspace's only billing currency. Several currencies and no catalogue is a 422."""
    record = stored_catalogue(session)
    if record is not None:
        return PlanCatalogue.model_validate(record.definition), record
    try:
        currency = revenue_kpis.choose_currency(session, workspace_id=workspace_id, currency=None)
    except ValidationFailed as error:
        raise ValidationFailed(
            "this workspace bills in several currencies: save a plan catalogue naming the "
            "currency expansion is priced in (PUT /api/v1/expansion/catalogue)",
            field="currency",
            currencies=error.extensions.get("currencies", []),
        ) from None
    return PlanCatalogue(currency=currency or FALLBACK_CURRENCY), None


def save_catalogue(
    session: Session, *, workspace_id: int, catalogue: PlanCatalogue
) -> PlanCatalogueRecord:
    record = stored_catalogue(session)
    if record is None:
        record = PlanCatalogueRecord(workspace_id=workspace_id, definition={})
        session.add(record)
    record.definition = catalogue.model_dump(mode="json")
    session.flush()
    return record


@dataclass(frozen=True)
class ExpansionReport:
    """Opportunities (after the filters and the limit) with the totals of all that matched.
    `computed_at`: when the snapshot answering was stored; None: computed for this call only.
    `compute_seconds`: how long that computation took (what a refresh costs).
    `as_of` is the end of the usage window either way."""

    as_of: datetime
    currency: str
    accounts_considered: int
    opportunities: list[Opportunity]
    account_names: dict[int, str]
    total: int
    arr_upside_cents: int
    compute_seconds: float
    computed_at: datetime | None = None


def compute(
    session: Session, *, workspace_id: int, as_of: datetime, data_dir: Path
) -> snapshot.Computed:
    """Every account's opportunities against the whole workspace, ranked."""
    started = time.perf_counter()
    catalogue, _ = catalogue_of(session, workspace_id=workspace_id)
    facts, _ = account_facts(
        session, workspace_id=workspace_id, catalogue=catalogue, as_of=as_of, data_dir=data_dir
    )
    found = find_opportunities(facts, catalogue)
    return snapshot.Computed(
        as_of, catalogue.currency, len(facts), found, time.perf_counter() - started
    )


@dataclass(frozen=True)
class Refreshed:
    computed: snapshot.Computed
    stored: bool  # False: a later snapshot was stored meanwhile, or the write failed


def refresh(
    session: Session, *, reader: Session, workspace_id: int, now: datetime, data_dir: Path
) -> Refreshed:
    """Compute from `reader` and store the snapshot through `session` (which commits).
    Meanwhile this process's readers of a snapshot outdated by the day get that one."""
    with _computing(workspace_id):
        inputs = snapshot.inputs_fingerprint(reader, workspace_id=workspace_id)
        computed = compute(reader, workspace_id=workspace_id, as_of=now, data_dir=data_dir)
    stored = _store(session, workspace_id=workspace_id, computed=computed, inputs=inputs, now=now)
    return Refreshed(computed, stored)


def _store(
    session: Session,
    *,
    workspace_id: int,
    computed: snapshot.Computed,
    inputs: str,
    now: datetime,
) -> bool:
    """`snapshot.store` in a savepoint: False when a later snapshot is stored, or when
    another process stored the workspace's first one meanwhile or an account was deleted
    during the computation (its rows' foreign key); the next refresh stores then."""
    try:
        with session.begin_nested():
            return snapshot.store(
                session, workspace_id=workspace_id, computed=computed, inputs=inputs, now=now
            )
    except IntegrityError as problem:
        log.info("expansion snapshot of workspace %s not stored: %s", workspace_id, problem.orig)
        return False


def _names(session: Session, found: list[Opportunity]) -> dict[int, str]:
    profiles = accounts.account_profiles(session, account_ids={o.account_id for o in found})
    return {account_id: profile.name for account_id, profile in profiles.items()}


@dataclass(frozen=True)
class _Wanted:
    """What a caller asked for: the filters, the page, and whether it shows account names and
    the totals of everything that matched (`page_only`: neither; the next-best-action panels
    use only the opportunities)."""

    account_id: int | None
    actions: Collection[str] | None
    limit: int | None
    page_only: bool = False


def _report(session: Session, computed: snapshot.Computed, wanted: _Wanted) -> ExpansionReport:
    found = [
        o
        for o in computed.opportunities
        if (wanted.account_id is None or o.account_id == wanted.account_id)
        and (wanted.actions is None or o.action in wanted.actions)
    ]
    page = found if wanted.limit is None else found[: wanted.limit]
    counted = page if wanted.page_only else found
    return ExpansionReport(
        computed.as_of,
        computed.currency,
        computed.accounts_considered,
        page,
        {} if wanted.page_only else _names(session, page),
        len(counted),
        sum(o.arr_upside_cents or 0 for o in counted),
        computed.seconds,
    )


def _stored_report(session: Session, stored: ExpansionSnapshot, wanted: _Wanted) -> ExpansionReport:
    page = snapshot.stored_opportunities(
        session, stored, account_id=wanted.account_id, actions=wanted.actions, limit=wanted.limit
    )
    if wanted.page_only:
        names: dict[int, str] = {}
        total, upside = len(page), sum(o.arr_upside_cents or 0 for o in page)
    else:
        names = _names(session, page)
        total, upside = snapshot.stored_totals(
            session, stored, account_id=wanted.account_id, actions=wanted.actions
        )
    return ExpansionReport(
        stored.as_of,
        stored.currency,
        stored.accounts_considered,
        page,
        names,
        total,
        upside,
        stored.compute_seconds,
        stored.computed_at,
    )


def opportunities(
    session: Session,
    *,
    workspace_id: int,
    as_of: datetime,
    data_dir: Path,
    account_id: int | None = None,
    actions: Collection[str] | None = None,
    limit: int | None = None,
    stored: bool = False,
    writer: sessionmaker[Session] | None = None,
    page_only: bool = False,
) -> ExpansionReport:
    """Ranked opportunities of the workspace, or of one account (compared with the whole
    workspace's similar accounts), optionally of some actions only and the first `limit`.

    `stored`: `as_of` is the present, and the stored snapshot answers when it is usable
    (`snapshot.usable`); else the opportunities are computed and, with a `writer`, stored
    through a session of it (a request's session may only read; a writing one holds SQLite's
    write lock, so it passes none). Not `stored`: computed for `as_of`, nothing stored (a past
    moment, a what-if). `page_only`: no account names, and the totals are the page's."""
    wanted = _Wanted(account_id, actions, limit, page_only)
    if account_id is not None:
        accounts.get_account(session, account_id=account_id)  # 404 for an unknown account
    if not stored:
        computed = compute(session, workspace_id=workspace_id, as_of=as_of, data_dir=data_dir)
        return _report(session, computed, wanted)
    inputs = snapshot.inputs_fingerprint(session, workspace_id=workspace_id)
    usable = snapshot.usable(session, workspace_id=workspace_id, now=as_of, inputs=inputs)
    if usable is not None:  # its computation passed the currency check on the same inputs
        return _stored_report(session, usable, wanted)
    computed_and_stored = functools.partial(
        _computed_and_stored,
        session,
        workspace_id=workspace_id,
        as_of=as_of,
        data_dir=data_dir,
        inputs=inputs,
        writer=writer,
        wanted=wanted,
    )
    computing = _computing(workspace_id)
    if computing.acquire(blocking=False):
        try:
            return computed_and_stored()
        finally:
            computing.release()
    # This process is computing it already. A snapshot outdated only by the day (same inputs)
    # answers meanwhile, labelled by its `computed_at`, rather than one more computation per
    # reader (midnight). After a subscription or catalogue change the reader computes: what
    # was just sold must not be offered. Never waits: a caller may hold the write lock.
    outdated = snapshot.stored(session, workspace_id=workspace_id)
    if outdated is not None and outdated.inputs == inputs:
        return _stored_report(session, outdated, wanted)
    return computed_and_stored()


_COMPUTING: dict[int, threading.Lock] = {}
_COMPUTING_GUARD = threading.Lock()


def _computing(workspace_id: int) -> threading.Lock:
    """The lock a reader of this process holds while computing the workspace's snapshot."""
    with _COMPUTING_GUARD:
        return _COMPUTING.setdefault(workspace_id, threading.Lock())


def _computed_and_stored(
    session: Session,
    *,
    workspace_id: int,
    as_of: datetime,
    data_dir: Path,
    inputs: str,
    writer: sessionmaker[Session] | None,
    wanted: _Wanted,
) -> ExpansionReport:
    computed = compute(session, workspace_id=workspace_id, as_of=as_of, data_dir=data_dir)
    if writer is None:
        return _report(session, computed, wanted)
    now = utcnow()
    try:
        with unit_of_work(writer, workspace_id) as writing:
            stored = _store(
                writing, workspace_id=workspace_id, computed=computed, inputs=inputs, now=now
            )
    except OperationalError as problem:  # the database stayed busy: the next read stores it
        log.info("expansion snapshot of workspace %s not stored: %s", workspace_id, problem.orig)
        stored = False
    report = _report(session, computed, wanted)
    return replace(report, computed_at=now if stored else None)
