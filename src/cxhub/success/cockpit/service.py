"""What the CSM cockpit shows, assembled from the owning domains' services and the metric layer:
the accounts a user owns (at-risk first), their renewals in the next 30/60/90 days with ARR,
and their overdue and due-soon tasks. No writes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from cxhub.analytics import revenue_kpis
from cxhub.core.pagination import MAX_LIMIT, PageRequest
from cxhub.customers.accounts import service as accounts
from cxhub.customers.accounts.models import Account
from cxhub.success.health import service as health
from cxhub.success.tasks import service as tasks
from cxhub.success.tasks.models import CsmTask

DUE_SOON_DAYS = 7
RENEWAL_WINDOWS = (30, 60, 90)
#: How far ahead "next renewal" looks in the account list (the windows list 90 days only).
NEXT_RENEWAL_DAYS = 400
MAX_ACCOUNTS = 2000


@dataclass(frozen=True)
class PortfolioAccount:
    account: Account
    score: float | None
    band: str | None
    tone: str  # negative | neutral | positive | unknown
    next_renewal: date | None
    open_tasks: int


@dataclass(frozen=True)
class RenewalRow:
    account: Account
    plan: str
    renewal_on: date
    days_until: int
    arr_cents: int
    currency: str
    band: str | None
    tone: str


@dataclass
class RenewalBucket:
    days: int
    rows: list[RenewalRow] = field(default_factory=list)
    arr_cents: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Cockpit:
    today: date
    accounts: list[PortfolioAccount]
    renewals: list[RenewalBucket]
    overdue: list[CsmTask]
    due_soon: list[CsmTask]
    account_names: dict[int, str]
    truncated: bool


def _tone(rank: int | None, bands: int) -> str:
    if rank is None:
        return "unknown"
    if rank == 0:
        return "negative"
    return "positive" if rank >= bands - 1 else "neutral"


def _owned(session: Session, owner_id: int) -> tuple[list[Account], bool]:
    found: list[Account] = []
    cursor = None
    while len(found) < MAX_ACCOUNTS:
        page = accounts.list_accounts(
            session, page=PageRequest(limit=MAX_LIMIT, cursor=cursor), owner_id=owner_id
        )
        found += page.items
        cursor = page.next_cursor
        if cursor is None:
            return found, False
    return found, True


def cockpit(session: Session, *, workspace_id: int, owner_id: int, today: date) -> Cockpit:
    owned, truncated = _owned(session, owner_id)
    ids = [a.id for a in owned]
    by_id = {a.id: a for a in owned}
    scores = health.latest_score_by_account(session, account_ids=ids)
    band_count = max((s.band_rank or 0 for s in scores.values()), default=0) + 1
    _, due = revenue_kpis.renewals(
        session,
        workspace_id=workspace_id,
        today=today,
        windows=(*RENEWAL_WINDOWS, NEXT_RENEWAL_DAYS),
    )
    mine = [r for r in due if r.candidate.account_id in by_id]
    next_renewal: dict[int, date] = {}
    for renewal in mine:
        next_renewal.setdefault(renewal.candidate.account_id, renewal.candidate.renewal_on)
    my_tasks = tasks.open_tasks_of_owner(
        session, owner_id=owner_id, due_before=today + timedelta(days=DUE_SOON_DAYS + 1), limit=200
    )
    open_counts: dict[int, int] = {}
    for task in my_tasks:
        open_counts[task.account_id] = open_counts.get(task.account_id, 0) + 1

    def tone_of(account_id: int) -> tuple[str | None, str, float | None]:
        score = scores.get(account_id)
        if score is None or score.band is None:
            return None, "unknown", None
        return score.band, _tone(score.band_rank, band_count), score.score

    rows = []
    for account in owned:
        band, tone, value = tone_of(account.id)
        rows.append(
            PortfolioAccount(
                account,
                value,
                band,
                tone,
                next_renewal.get(account.id),
                open_counts.get(account.id, 0),
            )
        )
    # At-risk first: the worst band, then the lowest score; unscored accounts after scored ones.
    # (A score row without a band is "insufficient data": unscored, like no row at all.)
    unscored = 10**6

    def rank(account_id: int) -> int:
        latest = scores.get(account_id)
        return unscored if latest is None or latest.band_rank is None else latest.band_rank

    rows.sort(
        key=lambda r: (
            rank(r.account.id),
            r.score if r.score is not None else 101.0,
            r.account.name.lower(),
        )
    )
    buckets = [RenewalBucket(days) for days in RENEWAL_WINDOWS]
    for renewal in mine:
        if renewal.days_until >= RENEWAL_WINDOWS[-1]:
            continue
        account = by_id[renewal.candidate.account_id]
        band, tone, _ = tone_of(account.id)
        row = RenewalRow(
            account,
            renewal.candidate.plan,
            renewal.candidate.renewal_on,
            renewal.days_until,
            renewal.arr_cents,
            renewal.candidate.currency,
            band,
            tone,
        )
        bucket = next(b for b in buckets if renewal.days_until < b.days)
        bucket.rows.append(row)
        bucket.arr_cents[row.currency] = bucket.arr_cents.get(row.currency, 0) + row.arr_cents
    overdue = [t for t in my_tasks if t.due_on is not None and t.due_on < today]
    due_soon = [t for t in my_tasks if t.due_on is not None and t.due_on >= today]
    task_accounts = {t.account_id for t in my_tasks} - set(by_id)
    names = {a.id: a.name for a in owned}
    names |= {
        account_id: account.name
        for account_id, account in accounts.get_accounts(session, account_ids=task_accounts).items()
    }
    return Cockpit(today, rows, buckets, overdue, due_soon, names, truncated)
