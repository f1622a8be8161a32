"""The one way cxhub sends HTTP to a URL a user configured (webhooks): SSRF-safe.

A URL typed into a workspace setting must not let its author reach what only the server can
reach: the cloud metadata service (169.254.169.254), the database on 10.0.0.5, an admin port on
127.0.0.1. So before connecting, every address the host name resolves to is checked, and the
connection goes to the address that was checked (a DNS answer that changes between the check
and the connect — "DNS rebinding" — cannot slip another address in). Redirects are followed by
hand, each `Location` checked the same way.

Refused unless the operator allows them (`CXHUB_OUTBOUND_HTTP_ALLOW`, docs/security.md):
every address that is not globally routable (`ipaddress`'s `is_global` is false: private,
loopback, link-local, shared 100.64/10, unspecified, reserved, documentation ranges) and every
multicast address; IPv6 forms that carry an IPv4 address (`::ffff:127.0.0.1`, 6to4, Teredo) are
judged by that IPv4 address. Spellings such as `2130706433`, `0x7f.1` or `127.1` need no special
case: they are resolved like any host name, to the address they stand for, and that is checked.

A request has two time limits: `timeout` per socket operation and `total_timeout` for the whole
exchange (every hop's connect, request, headers and body): a receiver that answers a byte every
few seconds cannot hold the caller's thread past it (`OutboundTimeout`).

Only `http` and `https` are spoken; no proxy from the environment is used (it would connect
somewhere other than the checked address); TLS certificates are verified.

When a URL is *configured* (a playbook webhook saved), `check_configured_url` applies the same
rule to the text alone — scheme, host, credentials, literal addresses and `localhost` — and
raises `UnsafeTarget` (a 422 `unsafe-target` problem) so the author hears about it at once; host
names are resolved and checked only when sending, by `send`.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urljoin, urlsplit

from cxhub.core.errors import ValidationFailed

if TYPE_CHECKING:
    from cxhub.core.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

MAX_REDIRECTS = 5
# What `send` raises when the network fails (not a refusal): callers record or retry these.
NETWORK_ERRORS: tuple[type[Exception], ...] = (OSError, http.client.HTTPException)
MAX_RESPONSE_BYTES = 1024 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
LOOPBACK: tuple[Address, ...] = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
HOST_NAME = re.compile(
    r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?)*"
)


class OutboundRefused(Exception):
    """The URL may not be called: bad scheme, unresolvable host or a forbidden address."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{reason}: {url}")
        self.url = url
        self.reason = reason


class OutboundTimeout(TimeoutError):
    """The whole exchange took longer than its `total_timeout` (a network error: an `OSError`)."""


class _Deadline:
    """The end of a whole exchange. At that moment the socket being used is shut down, so a
    read or write blocked on a slow peer returns at once (per-operation timeouts restart at
    every byte received and cannot bound the total)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def remaining(self) -> float:
        """Seconds left; raises `OutboundTimeout` when none are."""
        left = self.end - time.monotonic()
        if left <= 0 or self.expired:
            raise self.error()
        return left

    def error(self) -> OutboundTimeout:
        return OutboundTimeout(f"no complete answer within {self.seconds:g} s")

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            expired = self.expired
        if expired:
            _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sock = self._sock
        if sock is not None:
            _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class UnsafeTarget(ValidationFailed):
    """A configured URL points somewhere cxhub must not send requests to (422 `unsafe-target`)."""

    type_slug = "unsafe-target"
    title = "Unsafe outbound target"


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


# IPv6 ranges whose last 32 bits are an IPv4 address the traffic ends up at.
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052
NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")  # RFC 8215, a network's own translator
IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # RFC 2765 (SIIT)
IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # RFC 4291, deprecated
# Never public on their own (local-use translator, deprecated form): allowed only by the policy.
NEVER_PUBLIC = (NAT64_LOCAL, IPV4_COMPATIBLE)


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, translated, NAT64, IPv4-compatible,
    6to4, Teredo), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if any(address in net for net in (NAT64_WELL_KNOWN, NAT64_LOCAL, IPV4_TRANSLATED)) or (
        address in IPV4_COMPATIBLE
    ):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def is_public(address: Address) -> bool:
    """True for a globally routable unicast address (and, for an IPv6 address standing for an
    IPv4 one, only when that one is public too)."""
    if isinstance(address, ipaddress.IPv6Address) and any(address in n for n in NEVER_PUBLIC):
        return False
    inner = embedded_ipv4(address)
    if inner is not None and not is_public(inner):
        return False
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class OutboundPolicy:
    """Which otherwise-forbidden targets the operator allows: exact host names and networks."""

    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundPolicy:
        return cls.parse(settings.outbound_http_allow)

    @classmethod
    def parse(cls, entries: Iterable[str] | str) -> OutboundPolicy:
        """`"hooks.internal, 10.20.0.0/16, 127.0.0.1"` → a policy; raises ValueError on junk."""
        if isinstance(entries, str):
            entries = entries.split(",")
        hosts: set[str] = set()
        networks: list[Network] = []
        for raw in entries:
            entry = raw.strip().lower()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            if not HOST_NAME.fullmatch(entry.rstrip(".")):
                raise ValueError(f"not a host name or CIDR range: {raw.strip()!r}")
            hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: Address) -> bool:
        if is_public(address) or host.lower().rstrip(".") in self.allowed_hosts:
            return True
        candidates = [address] + [a for a in (embedded_ipv4(address),) if a is not None]
        return any(c in network for c in candidates for network in self.allowed_networks)


@dataclass(frozen=True)
class Target:
    """A URL that passed the check, with the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    address: str


def _split(url: str) -> tuple[SplitResult, str, str, int | None]:
    """Scheme, host and credentials of `url` checked: (parts, scheme, host, explicit port)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused(url, "not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise OutboundRefused(url, "only http and https URLs are allowed")
    host = parts.hostname
    if not host:
        raise OutboundRefused(url, "the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise OutboundRefused(url, "credentials in the URL are not allowed")
    return parts, scheme, host, port


def check_configured_url(url: str, policy: OutboundPolicy | None) -> str:
    """Check a URL when it is configured, without DNS; raise `UnsafeTarget` (field `url`).

    The text must pass the rule `send` applies: `http`/`https`, a host, no credentials, and a
    literal address or local name (`localhost`, `*.localhost`) only if `policy` allows it.
    `policy=None` checks the syntax only (for a definition validated before the installation's
    policy is known). Host names are resolved and checked again at send time.
    """
    try:
        _, _, host, _ = _split(url)
        if policy is None:
            return url
        name = host.lower().rstrip(".")
        try:
            literal: Address | None = ipaddress.ip_address(name.split("%", 1)[0])
        except ValueError:
            literal = None
        if literal is not None and not policy.allows(name, literal):
            raise OutboundRefused(url, f"{literal} is a private or reserved address")
        local = literal is None and (name in LOCAL_NAMES or name.endswith(".localhost"))
        if local and not any(policy.allows(name, address) for address in LOOPBACK):
            raise OutboundRefused(url, f"{name} is a local address")
    except OutboundRefused as refused:
        raise UnsafeTarget(refused.reason, field="url") from None
    return url


def check_url(url: str, policy: OutboundPolicy, *, resolver: Resolver = _system_resolver) -> Target:
    """Refuse (`OutboundRefused`) or return where to connect; every resolved address must pass."""
    parts, scheme, host, port = _split(url)
    port = port or (443 if scheme == "https" else 80)
    try:
        resolved = resolver(host, port)
    except (OSError, UnicodeError):
        raise OutboundRefused(url, "the host name does not resolve") from None
    if not resolved:
        raise OutboundRefused(url, "the host name does not resolve")
    addresses: list[Address] = []
    for text in resolved:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not policy.allows(host, address):
            raise OutboundRefused(url, f"{address} is a private or reserved address")
        addresses.append(address)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(url, scheme, host, port, path, str(addresses[0]))


def _open(address: str, port: int, timeout: float, deadline: _Deadline) -> socket.socket:
    raw = socket.create_connection((address, port), min(timeout, deadline.remaining()))
    deadline.watch(raw)
    return raw


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float, deadline: _Deadline) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address
        self._per_operation = timeout
        self._deadline = deadline

    def connect(self) -> None:
        self.sock = _open(self._address, self.port, self._per_operation, self._deadline)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(
        self, target: Target, timeout: float, deadline: _Deadline, context: ssl.SSLContext
    ) -> None:
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._address = target.address
        self._per_operation = timeout
        self._deadline = deadline
        self._tls = context

    def connect(self) -> None:
        raw = _open(self._address, self.port, self._per_operation, self._deadline)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


@dataclass
class OutboundResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str
    redirects: list[str] = field(default_factory=list)


def send(
    method: str,
    url: str,
    *,
    policy: OutboundPolicy,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    total_timeout: float = 30.0,
    resolver: Resolver = _system_resolver,
    tls_context: ssl.SSLContext | None = None,
    follow_redirects: bool = True,
) -> OutboundResponse:
    """One request to a user-configured URL, redirects followed and each hop checked.

    A 303 (and a 301/302 after POST) continues as a GET without body, as browsers do. The body
    read is capped at `MAX_RESPONSE_BYTES`. `follow_redirects=False` answers the first response
    as it is (a signed webhook must reach only the URL it was configured with). `timeout`
    bounds each socket operation, `total_timeout` the whole exchange, redirects included.
    Raises `OutboundRefused` for a forbidden hop and `OSError` (`OutboundTimeout` past
    `total_timeout`) / `http.client.HTTPException` for network failures (the caller retries).
    """
    context = tls_context or ssl.create_default_context()
    deadline = _Deadline(total_timeout)
    try:
        return _exchange(
            method, url, policy, body, headers, timeout, deadline, resolver, context,
            follow_redirects,
        )  # fmt: skip
    except (OSError, http.client.HTTPException):
        if deadline.expired:
            raise deadline.error() from None
        raise
    finally:
        deadline.cancel()


def _exchange(
    method: str,
    url: str,
    policy: OutboundPolicy,
    body: bytes | None,
    headers: Mapping[str, str] | None,
    timeout: float,
    deadline: _Deadline,
    resolver: Resolver,
    context: ssl.SSLContext,
    follow_redirects: bool,
) -> OutboundResponse:
    visited: list[str] = []
    current_method, current_body, current_url = method.upper(), body, url
    for _ in range(MAX_REDIRECTS + 1):
        target = check_url(current_url, policy, resolver=resolver)
        connection: http.client.HTTPConnection = (
            _PinnedHTTPSConnection(target, timeout, deadline, context)
            if target.scheme == "https"
            else _PinnedHTTPConnection(target, timeout, deadline)
        )
        try:
            connection.request(
                current_method, target.path, body=current_body, headers=dict(headers or {})
            )
            response = connection.getresponse()
            content = response.read(MAX_RESPONSE_BYTES)
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        deadline.remaining()  # a body cut short by the deadline is no answer
        location = answer_headers.get("location")
        if not follow_redirects or response.status not in REDIRECT_STATUSES or not location:
            return OutboundResponse(response.status, answer_headers, content, current_url, visited)
        visited.append(current_url)
        current_url = urljoin(current_url, location)
        if response.status == 303 or (response.status in (301, 302) and current_method == "POST"):
            current_method, current_body = "GET", None
    raise OutboundRefused(url, f"more than {MAX_REDIRECTS} redirects")
