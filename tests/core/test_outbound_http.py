"""Outbound HTTP to user-configured URLs refuses internal targets (SSRF), after DNS and on every
redirect, unless the operator allows them; requests go to the address that was checked."""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cxhub.core.outbound_http import (
    NETWORK_ERRORS,
    OutboundPolicy,
    OutboundRefused,
    OutboundTimeout,
    UnsafeTarget,
    check_configured_url,
    check_url,
    is_public,
    send,
)
from cxhub.core.settings import Settings

NOTHING_ALLOWED = OutboundPolicy()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.1:8000/admin",
        "http://localhost/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://10.255.255.255:5432/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
        "http://0.0.0.0/",
        "http://0/",
        "http://224.0.0.1/",  # multicast
        "http://240.0.0.1/",  # reserved
        "http://255.255.255.255/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
        "http://[::ffff:a9fe:a9fe]/",  # the metadata address, mapped
        "http://[::ffff:10.0.0.1]/",
        "http://[fe80::1]/",  # link-local
        "http://[fc00::1]/",  # unique local
        "http://[ff02::1]/",  # multicast
        "http://[2002:7f00:1::]/",  # 6to4 wrapping 127.0.0.1
        "http://[64:ff9b::7f00:1]/",  # NAT64 (well-known prefix) to 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 to the metadata address
        "http://[64:ff9b::10.0.0.1]/",
        "http://[64:ff9b:1::808:808]/",  # local-use NAT64: never public, even to 8.8.8.8
        "http://[::ffff:0:7f00:1]/",  # IPv4-translated 127.0.0.1
        "http://[::ffff:0:a9fe:a9fe]/",
        "http://[::127.0.0.1]/",  # IPv4-compatible (deprecated)
        "http://[::808:808]/",  # IPv4-compatible, even to a public address
        "http://2130706433/",  # 127.0.0.1 in decimal
        "http://0x7f000001/",  # in hex
        "http://0177.0.0.1/",  # in octal
        "http://127.1/",  # short form
        "http://2852039166/",  # 169.254.169.254 in decimal
    ],
)
def test_internal_targets_are_refused(url: str) -> None:
    with pytest.raises(OutboundRefused) as refused:
        check_url(url, NOTHING_ALLOWED)
    assert refused.value.url == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("gopher://example.com/", "only http and https"),
        ("ftp://example.com/", "only http and https"),
        ("http:///nohost", "no host"),
        ("http://user:pw@example.com/", "credentials"),
        ("http://example.com:99999/", "not a valid URL"),
    ],
)
def test_malformed_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(OutboundRefused, match=reason):
        check_url(url, NOTHING_ALLOWED, resolver=lambda host, port: ["93.184.215.14"])


def test_public_addresses_pass_and_every_resolved_address_is_checked() -> None:
    target = check_url(
        "https://hooks.example.com/x?y=1",
        NOTHING_ALLOWED,
        resolver=lambda host, port: ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    )
    assert (target.address, target.port, target.path) == ("93.184.215.14", 443, "/x?y=1")
    # One internal answer among public ones (a rebinding attempt) refuses the whole URL.
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1"):
        check_url(
            "https://hooks.example.com/",
            NOTHING_ALLOWED,
            resolver=lambda host, port: ["93.184.215.14", "127.0.0.1"],
        )


def test_unresolvable_host_is_refused() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    with pytest.raises(OutboundRefused, match="does not resolve"):
        check_url("http://nowhere.invalid/", NOTHING_ALLOWED, resolver=fail)


def test_is_public_judges_embedded_ipv4() -> None:
    assert is_public(ipaddress.ip_address("8.8.8.8"))
    assert is_public(ipaddress.ip_address("::ffff:8.8.8.8"))
    assert not is_public(ipaddress.ip_address("::ffff:192.168.0.1"))
    assert not is_public(ipaddress.ip_address("2001:0:4136:e378:8000:63bf:f5ff:fffe"))  # Teredo
    assert is_public(ipaddress.ip_address("64:ff9b::8.8.8.8"))  # NAT64 to a public address
    assert not is_public(ipaddress.ip_address("64:ff9b::192.168.0.1"))
    assert is_public(ipaddress.ip_address("::ffff:0:8.8.8.8"))  # translated, public
    assert not is_public(ipaddress.ip_address("::ffff:0:192.168.0.1"))


def test_allowed_networks_cover_translated_and_compatible_addresses() -> None:
    policy = OutboundPolicy.parse("127.0.0.0/8")
    for url in (
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::127.0.0.1]/",
        "http://[::ffff:0:7f00:1]/",
    ):
        assert check_url(url, policy).address
    with pytest.raises(OutboundRefused):
        check_url("http://[::10.0.0.1]/", policy)


def test_policy_parsing_and_settings() -> None:
    policy = OutboundPolicy.parse(" Hooks.Internal. , 10.20.0.0/16,127.0.0.1,[::1]")
    assert policy.allowed_hosts == frozenset({"hooks.internal"})
    assert [str(n) for n in policy.allowed_networks] == ["10.20.0.0/16", "127.0.0.1/32", "::1/128"]
    with pytest.raises(ValueError, match="not a host name"):
        OutboundPolicy.parse("hooks internal")
    with pytest.raises(ValueError, match="not a host name"):
        Settings(outbound_http_allow="10.0.0.0/8, http://x/")
    settings = Settings(outbound_http_allow="10.20.0.0/16")
    assert OutboundPolicy.from_settings(settings).allows("db", ipaddress.ip_address("10.20.3.4"))
    assert not OutboundPolicy.from_settings(Settings()).allows(
        "db", ipaddress.ip_address("10.20.3.4")
    )


def test_allowed_networks_cover_mapped_addresses() -> None:
    policy = OutboundPolicy.parse("127.0.0.0/8")
    mapped = check_url("http://[::ffff:127.0.0.1]:8080/", policy).address
    assert ipaddress.ip_address(mapped).ipv4_mapped == ipaddress.ip_address("127.0.0.1")
    with pytest.raises(OutboundRefused):
        check_url("http://10.0.0.1/", policy)


# --- against a real HTTP server on 127.0.0.1 ------------------------------------------------


class _Hooks(BaseHTTPRequestHandler):
    received: list[tuple[str, str, str, bytes]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.received.append((self.command, self.path, self.headers.get("Host", ""), body))
        port = self.server.server_address[1]
        redirects = {
            "/to-internal": f"http://127.0.0.1:{port}/secret",
            "/to-allowed": f"http://hooks.test:{port}/ok",
            "/to-metadata": "http://169.254.169.254/latest/meta-data/",
            "/loop": "/loop",
        }
        if self.path in redirects:
            self.send_response(302)
            self.send_header("Location", redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        payload = f"{self.command} {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer  # noqa: N815 (http.server's names)

    def log_message(self, format: str, *args: object) -> None:
        return None


@pytest.fixture
def hook_server() -> Iterator[int]:
    _Hooks.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hooks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def _hooks_test(host: str, port: int) -> list[str]:
    """`hooks.test` resolves to the local server; anything else as the system says."""
    if host == "hooks.test":
        return ["127.0.0.1"]
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port)]


def test_a_real_local_server_is_refused_by_default(hook_server: int) -> None:
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1"):
        send("POST", f"http://127.0.0.1:{hook_server}/hook", policy=NOTHING_ALLOWED, body=b"{}")
    assert _Hooks.received == []


def test_an_allowed_cidr_reaches_the_local_server(hook_server: int) -> None:
    policy = OutboundPolicy.parse("127.0.0.0/8")
    response = send(
        "POST",
        f"http://127.0.0.1:{hook_server}/hook",
        policy=policy,
        body=b'{"ticket": 1}',
        headers={"Content-Type": "application/json"},
    )
    assert (response.status, response.body) == (200, b"POST /hook")
    assert _Hooks.received == [("POST", "/hook", f"127.0.0.1:{hook_server}", b'{"ticket": 1}')]


def test_an_allowed_host_name_is_called_at_the_checked_address(hook_server: int) -> None:
    policy = OutboundPolicy.parse("hooks.test")
    response = send(
        "GET", f"http://hooks.test:{hook_server}/ok", policy=policy, resolver=_hooks_test
    )
    assert response.status == 200
    assert _Hooks.received[0][2] == f"hooks.test:{hook_server}"  # the Host header is kept


def test_every_redirect_hop_is_checked(hook_server: int) -> None:
    policy = OutboundPolicy.parse("hooks.test")
    base = f"http://hooks.test:{hook_server}"
    # Allowed by name, then redirected to the same server by address: not allowed.
    with pytest.raises(OutboundRefused, match=r"127\.0\.0\.1"):
        send("POST", f"{base}/to-internal", policy=policy, body=b"x", resolver=_hooks_test)
    with pytest.raises(OutboundRefused, match=r"169\.254\.169\.254"):
        send("GET", f"{base}/to-metadata", policy=policy, resolver=_hooks_test)
    assert [r[1] for r in _Hooks.received] == ["/to-internal", "/to-metadata"]

    _Hooks.received.clear()
    response = send("POST", f"{base}/to-allowed", policy=policy, body=b"x", resolver=_hooks_test)
    assert (response.status, response.body) == (200, b"GET /ok")  # 302 after POST → GET
    assert response.redirects == [f"{base}/to-allowed"]

    with pytest.raises(OutboundRefused, match="redirects"):
        send("GET", f"{base}/loop", policy=policy, resolver=_hooks_test)


def test_no_other_module_opens_http_connections() -> None:
    """New outbound HTTP must go through core/outbound_http.py, so it cannot skip the checks."""
    from pathlib import Path

    import cxhub

    root = Path(cxhub.__file__).parent
    clients = ("http.client", "urllib.request", "httpx", "requests", "aiohttp", "urllib3")
    offenders = []
    for path in root.rglob("*.py"):
        if path.name == "outbound_http.py":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and any(
                stripped.split()[1] == name or stripped.split()[1].startswith(name + ".")
                for name in clients
            ):
                offenders.append(f"{path.relative_to(root)}: {stripped}")
    assert offenders == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example.com/x", "only http and https"),
        ("http:///x", "no host"),
        ("https://user:secret@hooks.example.com/", "credentials"),
        ("http://hooks.example.com:99999/", "not a valid URL"),
        ("http://127.0.0.1:8080/hook", "127.0.0.1 is a private"),
        ("http://[::ffff:10.0.0.1]/", "is a private"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a private"),
        ("http://localhost/hook", "localhost is a local address"),
        ("http://api.localhost./hook", "api.localhost is a local address"),
    ],
)
def test_configured_urls_are_checked_without_dns(url: str, reason: str) -> None:
    with pytest.raises(UnsafeTarget) as refused:
        check_configured_url(url, NOTHING_ALLOWED)
    assert reason in refused.value.detail
    assert (refused.value.status, refused.value.type_slug) == (422, "unsafe-target")
    assert refused.value.extensions == {"field": "url"}


def test_configured_urls_follow_the_allow_list_and_leave_names_to_send_time() -> None:
    loopback = OutboundPolicy.parse("127.0.0.0/8")
    assert check_configured_url("http://127.0.0.1:8080/hook", loopback) == (
        "http://127.0.0.1:8080/hook"
    )
    assert check_configured_url("http://localhost/hook", loopback) == "http://localhost/hook"
    named = OutboundPolicy.parse("hooks.internal")
    with pytest.raises(UnsafeTarget):
        check_configured_url("http://10.0.0.5/", named)
    # A name is not resolved here (send resolves and checks every address it stands for).
    assert check_configured_url("http://hooks.internal/x", NOTHING_ALLOWED)
    assert check_configured_url("https://hooks.example.com/cx?x=1", NOTHING_ALLOWED)
    # Without a policy only the syntax counts.
    assert check_configured_url("http://10.0.0.5/", None) == "http://10.0.0.5/"
    with pytest.raises(UnsafeTarget, match="only http and https"):
        check_configured_url("file:///etc/passwd", None)


# --- the whole exchange has a deadline -------------------------------------------------------


@pytest.fixture
def drip_server() -> Iterator[int]:
    """Answers `/headers` with its headers, `/body` with its body, a byte every 0.2 s (4 s in
    all): every socket read succeeds within the per-operation timeout, the whole never does."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            request = conn.recv(65536)
            head = b"HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n"
            slow = head + b"x" * 20 if b" /headers " in request else b"x" * 20
            if b" /body " in request:
                conn.sendall(head)
            try:
                for byte in slow[:20]:
                    if stop.wait(0.2):
                        return
                    conn.sendall(bytes([byte]))
                conn.sendall(slow[20:])
            except OSError:
                return  # the client gave up

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield int(listener.getsockname()[1])
    stop.set()
    thread.join(timeout=2)
    listener.close()


@pytest.mark.parametrize("path", ["/headers", "/body"])
def test_a_dripping_server_cannot_hold_the_caller_past_the_total_timeout(
    drip_server: int, path: str
) -> None:
    policy = OutboundPolicy.parse("127.0.0.1")
    started = time.monotonic()
    with pytest.raises(OutboundTimeout, match=r"within 0\.8 s"):
        send(
            "POST",
            f"http://127.0.0.1:{drip_server}{path}",
            policy=policy,
            body=b"{}",
            timeout=1.0,
            total_timeout=0.8,
        )
    assert time.monotonic() - started < 2.0
    assert issubclass(OutboundTimeout, NETWORK_ERRORS)  # callers record it as a network failure
