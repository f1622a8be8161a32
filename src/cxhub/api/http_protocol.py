"""uvicorn's HTTP/1.1 protocol with Nagle's algorithm off on every connection.

asyncio turns TCP_NODELAY on for the sockets it accepts only when the listening socket says
`proto == IPPROTO_TCP`. uvicorn binds the shared socket of `--workers N` itself with
`socket.socket(family=...)`, whose proto is 0, so in every worker process the accepted
connections kept Nagle's algorithm on. A response goes out as two writes (head, then body);
the second waited for the client's delayed ACK of the first, ~40 ms per request: a bare
Starlette app on two workers answered 150 requests/s instead of ~1,400 (docs/benchmarks.md,
ADR 0035). Setting the option on each connection makes both modes behave the same.

`serving_protocol` picks the httptools parser (C, from `llhttp`) when it is installed, as it is
with cxhub's dependencies, and h11 (pure Python) otherwise: per small request, httptools and
uvloop's event loop save about a fifth of the server's CPU (ADR 0038).
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is not installed
    HttpToolsProtocol = None  # type: ignore[assignment,misc]


def set_no_delay(transport: asyncio.BaseTransport) -> bool:
    """Turn Nagle's algorithm off on the transport's TCP socket; False when it has none."""
    sock: Any = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        return False
    return True


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol; each accepted TCP connection gets TCP_NODELAY."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_no_delay(transport)
        super().connection_made(transport)


if HttpToolsProtocol is not None:

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol; each accepted TCP connection gets TCP_NODELAY."""

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            set_no_delay(transport)
            super().connection_made(transport)


def serving_protocol() -> type[asyncio.Protocol]:
    """The HTTP protocol class `cxhub serve` gives uvicorn: httptools when installed, else h11."""
    if HttpToolsProtocol is not None:
        return NoDelayHttpToolsProtocol
    return NoDelayH11Protocol
