"""The login form's guard: asks the throttle before a password is checked, counts failures after.

Failures are written in a unit of work of their own, committed at once: the login request
itself answers a wrong password with a 400 and rolls its session back. One guard lives on each
app (`app.state.login_guard`); tests replace its `clock` to move time forward.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from cxhub.core.db import SYSTEM_SCOPE, unit_of_work, utcnow
from cxhub.core.ratelimit import Limiter, RateLimiter
from cxhub.core.settings import Settings
from cxhub.people import login_throttle
from cxhub.people.login_throttle import ThrottlePolicy


class RateLimiterFactory(Protocol):
    """`Runtime.rate_limiter`: in this process, or shared through Redis."""

    def __call__(
        self,
        name: str,
        *,
        capacity: int,
        period_seconds: float,
        clock: Callable[[], float] | None = None,
    ) -> Limiter: ...


def _in_process_limiter(
    name: str, *, capacity: int, period_seconds: float, clock: Callable[[], float] | None = None
) -> Limiter:
    if clock is None:
        return RateLimiter(capacity=capacity, period_seconds=period_seconds)
    return RateLimiter(capacity=capacity, period_seconds=period_seconds, clock=clock)


class LoginGuard:
    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        *,
        clock: Callable[[], datetime] = utcnow,
        rate_limits: RateLimiterFactory | None = None,
    ) -> None:
        self.policy = ThrottlePolicy(
            max_failures=settings.login_max_failures,
            lockout_seconds=settings.login_lockout_seconds,
        )
        self.clock = clock
        self._factory = session_factory
        make_limiter = rate_limits or _in_process_limiter
        self._by_ip = make_limiter(
            "login-ip",
            capacity=settings.login_ip_max_failures,
            period_seconds=settings.login_lockout_seconds,
            clock=lambda: self.clock().timestamp(),
        )

    def retry_after(self, session: Session, *, email: str, client_ip: str) -> int:
        """Seconds before this email from this address may try a password again (0: now)."""
        by_ip = self._by_ip.retry_after(client_ip)
        if by_ip:
            return by_ip
        return login_throttle.lockout_remaining(session, email=email, now=self.clock())

    def failed(self, request_session: Session, *, email: str, client_ip: str) -> None:
        """Count a failure. The request's own (read-only so far) transaction is ended first: on
        SQLite it holds the write lock the counting transaction needs."""
        request_session.rollback()
        self._by_ip.hit(client_ip)
        with unit_of_work(self._factory, SYSTEM_SCOPE) as session:
            login_throttle.record_failure(
                session, email=email, now=self.clock(), policy=self.policy, client_ip=client_ip
            )
