"""One-shot messages shown on the next page ("You are signed out"), kept in a signed cookie.

A cookie rather than a server-side table because flashes mostly follow a redirect that may end
the login session itself (logout), and because nothing about them needs to outlive the redirect.
The cookie holds English message ids, so the next page shows them in the viewer's language; it is
HMAC-signed so a crafted link cannot put words in the product's mouth.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Literal

from fastapi import Request, Response

from cxhub.api.deps import same_secret

FLASH_COOKIE = "cxhub_flash"
FlashLevel = Literal["info", "success", "error"]
_LEVELS = frozenset({"info", "success", "error"})


def _secret(request: Request) -> bytes:
    return str(request.app.state.settings.secret_key).encode()


def _sign(secret: bytes, payload: str) -> str:
    return hmac.new(secret, b"flash:" + payload.encode(), hashlib.sha256).hexdigest()[:32]


def add_flash(
    request: Request, response: Response, message: str, level: FlashLevel = "info"
) -> None:
    """Queue `message` (an English message id) for the next rendered page."""
    pending = [*read_flashes(request), (level, message)]
    payload = base64.urlsafe_b64encode(json.dumps(pending).encode()).decode()
    secure = bool(request.app.state.settings.cookie_secure)
    response.set_cookie(
        FLASH_COOKIE,
        f"{payload}.{_sign(_secret(request), payload)}",
        max_age=300,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def read_flashes(request: Request) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _, signature = raw.rpartition(".")
    if not payload or not same_secret(signature, _sign(_secret(request), payload)):
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except (binascii.Error, ValueError):
        return []
    if not isinstance(items, list):
        return []
    return [
        (item[0], item[1])
        for item in items
        if isinstance(item, list)
        and len(item) == 2
        and item[0] in _LEVELS
        and isinstance(item[1], str)
    ]


def clear_flashes(response: Response) -> None:
    response.delete_cookie(FLASH_COOKIE, path="/")
