"""Sign-in failure counters (keyed by the e-mail typed) under erasure and retention.

Counters are installation-wide, erasure is per workspace: an erasure only forgets the counters
of addresses that are nobody's sign-in (no user in any workspace has them). Otherwise an admin
of one workspace could reset another workspace's user's lockout by creating and erasing a
contact with that address. A counter that still locks an address is kept as well, whoever asks:
dropping it would let a password guesser reset the lockout by filing an erasure request. Both
carry no other data and the retention policy removes them once they are quiet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, delete, func, or_, select
from sqlalchemy.orm import Session

from cxhub.people.models import LoginFailure, User


def _not_locked(now: datetime) -> Any:
    return or_(LoginFailure.locked_until.is_(None), LoginFailure.locked_until <= now)


def _sign_in_emails(session: Session, emails: set[str]) -> set[str]:
    """Which of `emails` (lower case) belong to a user of any workspace."""
    return set(
        session.scalars(
            select(func.lower(User.email))
            .where(func.lower(User.email).in_(sorted(emails)))
            .execution_options(skip_workspace_filter=True)
        )
    )


def forget_login_failures(session: Session, *, emails: list[str], now: datetime) -> int:
    """Delete the erased person's counters, except those of a user's address or still locking."""
    lowered = {e.lower() for e in emails}
    forgettable = lowered - _sign_in_emails(session, lowered) if lowered else set()
    if not forgettable:
        return 0
    result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
        delete(LoginFailure)
        .where(func.lower(LoginFailure.email).in_(sorted(forgettable)), _not_locked(now))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def _quiet_since(before: datetime, now: datetime) -> Any:
    return or_(
        LoginFailure.last_failed_at.is_(None), LoginFailure.last_failed_at < before
    ) & _not_locked(now)


def delete_login_failures_older_than(
    session: Session, *, before: datetime, now: datetime, limit: int
) -> int:
    """Retention: delete up to `limit` counters with no failure since `before` (not locked)."""
    ids = list(
        session.scalars(
            select(LoginFailure.id)
            .where(_quiet_since(before, now))
            .order_by(LoginFailure.id)
            .limit(limit)
        )
    )
    if ids:
        session.execute(
            delete(LoginFailure)
            .where(LoginFailure.id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    return len(ids)


def count_login_failures_older_than(session: Session, *, before: datetime, now: datetime) -> int:
    return int(
        session.scalar(select(func.count(LoginFailure.id)).where(_quiet_since(before, now))) or 0
    )
