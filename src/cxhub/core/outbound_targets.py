"""Is this URL a safe target for a request cxhub makes on a user's behalf (webhooks)?

One small function so every outbound caller shares one rule (server-side request forgery):
only `http`/`https`, and never a private, loopback, link-local, multicast, reserved or
unspecified address — unless the installation allows private targets
(`CXHUB_ALLOW_PRIVATE_WEBHOOK_TARGETS`, for webhooks into the company's own network).

`check_outbound_url(url, allow_private=..., resolve=False)` checks the text only (literal IP
addresses, `localhost`); at send time `resolve=True` also resolves the host name and checks every
address it resolves to, and returns them so the caller connects to a vetted address.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from cxhub.core.errors import ValidationFailed

ALLOWED_SCHEMES = frozenset({"http", "https"})
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})


class UnsafeTarget(ValidationFailed):
    """The URL points somewhere cxhub must not send requests to."""

    type_slug = "unsafe-target"
    title = "Unsafe outbound target"


def _is_private(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _is_private(address.ipv4_mapped)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def check_outbound_url(url: str, *, allow_private: bool, resolve: bool = False) -> list[str]:
    """Raise `UnsafeTarget` unless `url` may be requested; returns the vetted IP addresses
    (empty when `resolve` is False and the host is a name)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeTarget(f"not a valid URL: {error}", field="url") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise UnsafeTarget("only http and https URLs are allowed", field="url")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeTarget("the URL has no host", field="url")
    if parts.username or parts.password:
        raise UnsafeTarget("credentials in the URL are not allowed", field="url")
    try:
        literal: ipaddress.IPv4Address | ipaddress.IPv6Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if allow_private:
        if literal is not None:
            return [str(literal)]
        return _resolve(host, port) if resolve else []
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        raise UnsafeTarget(f"{host} is a local address", field="url")
    if literal is not None:
        if _is_private(literal):
            raise UnsafeTarget(f"{host} is not a public address", field="url")
        return [str(literal)]
    if not resolve:
        return []
    addresses = _resolve(host, port)
    for text in addresses:
        if _is_private(ipaddress.ip_address(text)):
            raise UnsafeTarget(f"{host} resolves to {text}, not a public address", field="url")
    return addresses


def _resolve(host: str, port: int | None) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeTarget(f"cannot resolve {host}: {error}", field="url") from None
    found = [str(info[4][0]).split("%", 1)[0] for info in infos]
    if not found:
        raise UnsafeTarget(f"{host} resolves to no address", field="url")
    return list(dict.fromkeys(found))
