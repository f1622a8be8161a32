"""The portal's rate limits: in-process token buckets kept on the app (see `core.ratelimit`).

Link requests: `LINKS_PER_EMAIL` per address and `LINKS_PER_IP` per client IP in
`LINK_WINDOW_SECONDS`. Signed-in writes (new tickets, replies, ratings): `WRITES_PER_CONTACT`
per contact in `WRITE_WINDOW_SECONDS`, so a stolen or scripted session cannot flood the inbox.
"""

from __future__ import annotations

from fastapi import Request

from cxhub.core.ratelimit import Decision, RateLimiter

LINKS_PER_EMAIL = 3
LINKS_PER_IP = 20
LINK_WINDOW_SECONDS = 900
WRITES_PER_CONTACT = 30
WRITE_WINDOW_SECONDS = 600


def _limiter(request: Request, name: str, capacity: int, period: float) -> RateLimiter:
    limiter = getattr(request.app.state, name, None)
    if not isinstance(limiter, RateLimiter):
        limiter = RateLimiter(capacity=capacity, period_seconds=period)
        setattr(request.app.state, name, limiter)
    return limiter


def link_request(request: Request, *, slug: str, client_ip: str, address: str) -> Decision:
    """One link request: refused when the IP's or the address's bucket is empty."""
    for name, capacity, key in (
        ("portal_ip_limiter", LINKS_PER_IP, f"{slug}|{client_ip}"),
        ("portal_email_limiter", LINKS_PER_EMAIL, f"{slug}|{address}"),
    ):
        decision = _limiter(request, name, capacity, LINK_WINDOW_SECONDS).hit(key)
        if not decision.allowed:
            return decision
    return Decision(True)


def contact_write(request: Request, *, workspace_id: int, contact_id: int) -> Decision:
    limiter = _limiter(request, "portal_write_limiter", WRITES_PER_CONTACT, WRITE_WINDOW_SECONDS)
    return limiter.hit(f"{workspace_id}|{contact_id}")
