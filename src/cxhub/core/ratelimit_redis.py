"""The token-bucket rate limiter with its buckets in Redis, shared by every process (ADR 0022).

Same behaviour and interface as `core.ratelimit.RateLimiter`: `capacity` tokens per key refilled
evenly over `period_seconds`. One Lua script reads, refills and takes atomically, so concurrent
requests in different processes never both take the last token. A bucket is a small hash that
expires once it would be full again (an absent bucket is a full one).

When Redis cannot be reached the limiter falls back to an in-process bucket (logged once per
outage): public endpoints stay up, still limited per process, rather than failing or going
unlimited.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

import redis

from cxhub.core.ratelimit import Decision, RateLimiter, refuse_unless_allowed

log = logging.getLogger(__name__)

# KEYS[1] bucket; ARGV: capacity, tokens per second, now (s), take (1|0), ttl (ms).
# Returns {allowed (1|0), tokens left as a string (Lua numbers would be truncated)}.
BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local take = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = capacity
  updated = now
end
if now > updated then
  tokens = math.min(capacity, tokens + (now - updated) * rate)
  updated = now
end
local allowed = 0
if take == 1 then
  if tokens >= 1 then
    tokens = tokens - 1
    allowed = 1
  end
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(updated))
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
return {allowed, tostring(tokens)}
"""


class RedisRateLimiter:
    def __init__(
        self,
        client: redis.Redis,
        *,
        name: str,
        key_prefix: str,
        capacity: int,
        period_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if capacity < 1 or period_seconds <= 0:
            raise ValueError("capacity must be ≥ 1 and period_seconds > 0")
        self.client = client
        self.capacity = capacity
        self.period_seconds = period_seconds
        self.rate = capacity / period_seconds
        self.key_prefix = f"{key_prefix}:ratelimit:{name}:"
        self._clock = clock
        self._script = client.register_script(BUCKET_SCRIPT)
        self._ttl_ms = int(period_seconds * 1000) + 1000
        self._fallback = RateLimiter(capacity=capacity, period_seconds=period_seconds, clock=clock)
        self._redis_down = False

    def _run(self, key: str, *, take: bool) -> float | Decision:
        """Tokens left after the call, or the fallback's decision when Redis is unreachable."""
        try:
            allowed, tokens = self._script(
                keys=[self.key_prefix + key],
                args=[self.capacity, repr(self.rate), repr(self._clock()), int(take), self._ttl_ms],
            )
        except redis.RedisError as exc:
            if not self._redis_down:
                log.warning("rate limits fall back to this process: Redis unreachable (%s)", exc)
                self._redis_down = True
            if take:
                return self._fallback.hit(key)
            return Decision(True, self._fallback.retry_after(key))
        self._redis_down = False
        left = float(tokens)
        return left + 1 if take and int(allowed) else left

    def _wait_for(self, tokens: float) -> int:
        return max(1, math.ceil((1 - tokens) / self.rate))

    def hit(self, key: str) -> Decision:
        """Take one token for `key`, or say how long to wait."""
        before = self._run(key, take=True)
        if isinstance(before, Decision):
            return before
        return Decision(True) if before >= 1 else Decision(False, self._wait_for(before))

    def retry_after(self, key: str) -> int:
        """Seconds until `key` has a token again (0 when it has one now), taking nothing."""
        tokens = self._run(key, take=False)
        if isinstance(tokens, Decision):
            return tokens.retry_after
        return 0 if tokens >= 1 else self._wait_for(tokens)

    def check(self, key: str) -> None:
        """`hit`, raising `RateLimited` (a 429 problem with `Retry-After`) when refused."""
        refuse_unless_allowed(self.hit(key))
