"""Coordination of several cxhub processes through Redis (ADR 0022): one client per runtime and
the scheduler's slot leases. Rate limits shared through Redis live in `core.ratelimit_redis`.
"""

from __future__ import annotations

import os
import socket

import redis


def connect_redis(url: str) -> redis.Redis:
    """A client with short timeouts: a stalled Redis must not hang a request or a tick forever."""
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


class RedisSlotLease:
    """`SlotLease` by `SET key NX PX`: the first process to set a (task, slot) key wins the run.

    The key expires after the TTL (longer than the slot), so Redis holds at most a couple of keys
    per task; the winner's host and pid are stored for whoever debugs a schedule.
    """

    def __init__(self, client: redis.Redis, key_prefix: str) -> None:
        self.client = client
        self.key_prefix = key_prefix
        self.holder = f"{socket.gethostname()}:{os.getpid()}"

    def key(self, task_name: str, slot: int) -> str:
        return f"{self.key_prefix}:schedule:{task_name}:{slot}"

    def claim(self, task_name: str, slot: int, ttl_seconds: float) -> bool:
        won = self.client.set(
            self.key(task_name, slot), self.holder, nx=True, px=max(1, int(ttl_seconds * 1000))
        )
        return bool(won)
