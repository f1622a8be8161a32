"""An in-process token-bucket rate limiter keyed by any string (a client IP, an e-mail, …).

Each key owns a bucket of `capacity` tokens refilled evenly over `period_seconds`; a hit takes a
token or is refused with the seconds until the next one. Buckets live in this process only: a
deployment with several workers or servers multiplies the allowance by their number unless it
sets `CXHUB_RATE_LIMIT_BACKEND=redis` (`core.ratelimit_redis`, the same `Limiter` interface with
the buckets in Redis). Idle buckets are forgotten, so memory stays bounded by the keys seen in
one period. Callers get their limiter from `Runtime.rate_limiter(...)`, which picks the backend.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cxhub.core.errors import DomainError


class RateLimited(DomainError):
    status = 429
    type_slug = "rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, retry_after=retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int = 0  # whole seconds until a token is available (0 when allowed)


class Limiter(Protocol):
    capacity: int
    period_seconds: float

    def hit(self, key: str) -> Decision:
        """Take one token for `key`, or say how long to wait."""
        ...

    def retry_after(self, key: str) -> int:
        """Seconds until `key` has a token again (0 when it has one now), taking nothing."""
        ...

    def check(self, key: str) -> None:
        """`hit`, raising `RateLimited` (a 429 problem with `Retry-After`) when refused."""
        ...


def refuse_unless_allowed(decision: Decision) -> None:
    if not decision.allowed:
        raise RateLimited(
            f"too many requests; retry in {decision.retry_after} s",
            retry_after=decision.retry_after,
        )


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self,
        *,
        capacity: int,
        period_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        if capacity < 1 or period_seconds <= 0:
            raise ValueError("capacity must be ≥ 1 and period_seconds > 0")
        self.capacity = capacity
        self.period_seconds = period_seconds
        self.rate = capacity / period_seconds  # tokens per second
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _refilled(self, bucket: _Bucket, now: float) -> float:
        return min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)

    def _forget_full_buckets(self, now: float) -> None:
        full = [k for k, b in self._buckets.items() if self._refilled(b, now) >= self.capacity]
        for key in full:
            del self._buckets[key]

    def hit(self, key: str) -> Decision:
        """Take one token for `key`, or say how long to wait."""
        with self._lock:
            now = self._clock()
            if len(self._buckets) >= self._max_keys:
                self._forget_full_buckets(now)
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
            bucket.tokens = self._refilled(bucket, now)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return Decision(True)
            return Decision(False, max(1, math.ceil((1 - bucket.tokens) / self.rate)))

    def retry_after(self, key: str) -> int:
        """Seconds until `key` has a token again (0 when it has one now), taking nothing."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return 0
            tokens = self._refilled(bucket, self._clock())
            return 0 if tokens >= 1 else max(1, math.ceil((1 - tokens) / self.rate))

    def check(self, key: str) -> None:
        """`hit`, raising `RateLimited` (a 429 problem with `Retry-After`) when refused."""
        refuse_unless_allowed(self.hit(key))
