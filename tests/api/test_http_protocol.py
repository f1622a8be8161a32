"""`cxhub serve`'s HTTP protocol turns Nagle's algorithm off on every connection, also on a
listening socket bound the way uvicorn binds it for `--workers` (proto 0), where asyncio
leaves it on and each response waited ~40 ms for the client's delayed ACK."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from cxhub.api.http_protocol import NoDelayH11Protocol, NoDelayHttpToolsProtocol, serving_protocol

pytestmark = pytest.mark.nodb

SEEN: list[int] = []


class RecordingH11(NoDelayH11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock: Any = transport.get_extra_info("socket")
        SEEN.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


class RecordingHttpTools(NoDelayHttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock: Any = transport.get_extra_info("socket")
        SEEN.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def _app() -> Starlette:
    return Starlette(routes=[Route("/", lambda request: PlainTextResponse("ok"))])


def test_cxhub_serve_uses_the_httptools_parser() -> None:
    assert serving_protocol() is NoDelayHttpToolsProtocol


@pytest.mark.parametrize(
    ("protocol", "loop"),
    [(RecordingH11, "asyncio"), (RecordingHttpTools, "asyncio"), (RecordingHttpTools, "uvloop")],
)
def test_connections_get_tcp_nodelay_on_a_socket_bound_like_uvicorn_workers(
    protocol: type[asyncio.Protocol], loop: str
) -> None:
    listener = socket.socket(family=socket.AF_INET)  # proto 0, as uvicorn's bind_socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    assert listener.proto == 0
    port = listener.getsockname()[1]
    config = uvicorn.Config(_app(), http=protocol, loop=loop, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: server.run(sockets=[listener]))
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        SEEN.clear()
        response = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert response.text == "ok"
        assert SEEN == [1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def test_plain_h11_leaves_nagle_on_there() -> None:
    """The reason for the class: on such a socket asyncio itself does not set the option."""
    listener = socket.socket(family=socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    client = socket.create_connection(listener.getsockname())
    accepted, _ = listener.accept()
    try:
        assert accepted.proto == 0
        assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    finally:
        for s in (client, accepted, listener):
            s.close()
