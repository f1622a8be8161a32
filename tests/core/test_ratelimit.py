"""The in-process token bucket."""

from __future__ import annotations

import pytest

from cxhub.core.ratelimit import RateLimited, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_capacity_then_refills() -> None:
    clock = Clock()
    limiter = RateLimiter(capacity=5, period_seconds=600, clock=clock)
    assert all(limiter.hit("ip").allowed for _ in range(5))
    refused = limiter.hit("ip")
    assert not refused.allowed
    assert refused.retry_after == 120
    assert limiter.hit("other-ip").allowed
    clock.now += 120
    assert limiter.hit("ip").allowed
    assert not limiter.hit("ip").allowed


def test_check_raises_with_retry_after() -> None:
    limiter = RateLimiter(capacity=1, period_seconds=10, clock=Clock())
    limiter.check("k")
    with pytest.raises(RateLimited) as raised:
        limiter.check("k")
    assert raised.value.retry_after == 10
    assert raised.value.status == 429


def test_idle_buckets_are_forgotten() -> None:
    clock = Clock()
    limiter = RateLimiter(capacity=2, period_seconds=10, clock=clock, max_keys=3)
    for key in "abc":
        limiter.hit(key)
    clock.now += 60
    limiter.hit("d")
    assert set(limiter._buckets) == {"d"}


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="capacity"):
        RateLimiter(capacity=0, period_seconds=10)
