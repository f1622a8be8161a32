"""Login throttling and lockout (OWASP ASVS 2.2): failures counted per account and per client IP.

Per account (the email typed, whether or not a user has it): `max_failures` failures within
`lockout_seconds` lock that email for `lockout_seconds`, doubling with each further lockout up to
a day; a quiet day or a successful login starts over. These counters live in the database
(`login_failures`) so a restart or a second worker does not reset them. Per client IP: a
token bucket of failures in this process (`ip_max_failures` per `lockout_seconds`), which slows
one address guessing across many accounts. No commits here: the caller owns the transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cxhub.core.audit import record_audit
from cxhub.people.models import LoginFailure, User

log = logging.getLogger(__name__)

MAX_LOCKOUT_SECONDS = 24 * 3600


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    lockout_seconds: int = 15 * 60
    max_lockout_seconds: int = MAX_LOCKOUT_SECONDS

    def lockout_for(self, previous_lockouts: int) -> int:
        """15 min, 30 min, 1 h, … capped: the n-th lockout lasts `lockout_seconds · 2ⁿ`."""
        return int(
            min(self.lockout_seconds * 2 ** min(previous_lockouts, 30), self.max_lockout_seconds)
        )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _row(session: Session, email: str) -> LoginFailure | None:
    return session.scalar(select(LoginFailure).where(LoginFailure.email == email).with_for_update())


def lockout_remaining(session: Session, *, email: str, now: datetime) -> int:
    """Whole seconds until `email` may try again (0 when it is not locked)."""
    row = session.scalar(select(LoginFailure).where(LoginFailure.email == normalise_email(email)))
    if row is None or row.locked_until is None or row.locked_until <= now:
        return 0
    return max(1, int((row.locked_until - now).total_seconds()))


def record_failure(
    session: Session, *, email: str, now: datetime, policy: ThrottlePolicy, client_ip: str
) -> int:
    """Count one failed login of `email`; returns the lockout (seconds) it started, or 0."""
    key = normalise_email(email)
    row = _row(session, key)
    if row is None:
        try:
            with session.begin_nested():
                row = LoginFailure(email=key, failure_count=0, lockouts=0)
                session.add(row)
                session.flush()
        except IntegrityError:  # another worker inserted it first
            row = _row(session, key)
            assert row is not None
    if row.last_failed_at is not None and now - row.last_failed_at > timedelta(
        seconds=policy.max_lockout_seconds
    ):
        row.lockouts = 0  # a quiet day forgives earlier lockouts
    window = timedelta(seconds=policy.lockout_seconds)
    if row.window_started_at is None or now - row.window_started_at > window:
        row.failure_count = 0
        row.window_started_at = now
    row.failure_count += 1
    row.last_failed_at = now
    if row.failure_count < policy.max_failures:
        return 0
    duration = policy.lockout_for(row.lockouts)
    row.lockouts += 1
    row.locked_until = now + timedelta(seconds=duration)
    row.failure_count = 0
    row.window_started_at = None
    _audit_lockout(session, email=key, seconds=duration, lockouts=row.lockouts, client_ip=client_ip)
    return duration


def _audit_lockout(
    session: Session, *, email: str, seconds: int, lockouts: int, client_ip: str
) -> None:
    user = session.scalar(
        select(User).where(User.email == email).execution_options(skip_workspace_filter=True)
    )
    log.warning("login locked for %s s after repeated failures (lockout %d)", seconds, lockouts)
    if user is None:
        return  # no workspace to file it under; the log line above is the trace
    record_audit(
        session,
        workspace_id=user.workspace_id,
        actor_user_id=None,
        action="user.login_locked",
        target_type="user",
        target_id=user.id,
        detail={"seconds": seconds, "lockouts": lockouts, "client_ip": client_ip},
    )


def reset_failures(session: Session, *, email: str) -> None:
    """A successful login forgets the account's failures and lockouts."""
    row = _row(session, normalise_email(email))
    if row is not None:
        session.delete(row)
