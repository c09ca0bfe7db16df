"""Validation of Arrow API URLs before the server ever connects to them.

Only http and https are accepted, without embedded credentials. A host that is (or resolves to)
an address that is not globally routable (private, shared, loopback, link-local, reserved,
multicast or unspecified) is refused unless `settings.ARROW_API_URL_ALLOWED_HOSTS` allows it.
An entry of that list is either `host:port` (`[v6-address]:port` for IPv6), which allows that
port only, or a bare `host`, which allows every port of the host; the demo lists its emulator's
`host:port`. This keeps an admin form from being turned into a probe of the internal network.

The check runs where a URL is saved (API serializers, the model's validation) and again in the
client factory before a stored URL is used. `api_url_origin` names the scheme, host and port a
URL reaches: the API key is bound to the origin it was entered for.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import NamedTuple
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
ALLOW_LIST_SETTING = "ARROW_API_URL_ALLOWED_HOSTS"


class UnsafeApiUrl(ValueError):
    """The URL may not be used as an Arrow API URL; the message says why."""


class UnresolvableHost(UnsafeApiUrl):
    """The URL's host name does not resolve (now): nothing can be checked, so nothing is called."""


class AllowedHost(NamedTuple):
    """One allow-list entry: a host name or address and a port, or None for every port."""

    host: str
    port: int | None

    def admits(self, host: str, port: int) -> bool:
        return self.host == host and self.port in (None, port)


def _canonical_host(host: str) -> str:
    """The host in lower case; an IP address in its compressed form ("0:0::1" and "::1" are one)."""
    host = host.lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host


def allowed_host_parse(entry: str) -> AllowedHost:
    """`host`, `host:port`, `[v6]` or `[v6]:port` as an `AllowedHost`; ValueError when malformed.

    A bare IPv6 address (several colons, no brackets) is read as a host without a port.
    """
    text = entry.strip().lower()
    if not text:
        raise ValueError("empty entry")
    if text.count(":") > 1 and not text.startswith("["):
        return AllowedHost(str(ipaddress.IPv6Address(text)), None)
    parts = urlsplit(f"//{text}")
    if not parts.hostname or parts.path or parts.query or parts.fragment or parts.username:
        raise ValueError(f"not a host or host:port: {entry!r}")
    return AllowedHost(_canonical_host(parts.hostname), parts.port)  # .port raises ValueError when out of range


def _allowed_hosts() -> list[AllowedHost]:
    allowed = []
    for entry in getattr(settings, ALLOW_LIST_SETTING, []):
        if not entry.strip():
            continue
        try:
            allowed.append(allowed_host_parse(entry))
        except ValueError as exc:
            logger.warning("Ignoring the %s entry %r: %s", ALLOW_LIST_SETTING, entry, exc)
    return allowed


def _is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (
        not address.is_global  # e.g. shared address space 100.64.0.0/10, which is not "private"
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def _resolve(host: str, port: int) -> set[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return {ipaddress.ip_address(host)}
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnresolvableHost(f"The host {host!r} cannot be resolved.") from exc
    # The scope id of IPv6 link-local addresses ("fe80::1%eth0") is not part of the address.
    return {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}


def _split(url: str) -> tuple[SplitResult, str, str, int]:
    """The parts, scheme, host and effective port of an http(s) URL; `UnsafeApiUrl` otherwise."""
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeApiUrl(f"Not a valid URL: {exc}.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeApiUrl("Only http and https URLs are accepted.")
    if not parts.hostname:
        raise UnsafeApiUrl("The URL has no host.")
    return parts, scheme, _canonical_host(parts.hostname), port or DEFAULT_PORTS[scheme]


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def api_url_origin(url: str) -> str:
    """`scheme://host:port` of an http(s) URL, lower-case with the port always written.

    Raises `UnsafeApiUrl` for a URL that is not http(s) or has no host.
    """
    _, scheme, host, port = _split(url)
    return f"{scheme}://{_netloc(host, port)}"


def api_url_validate(url: str) -> str:
    """Return `url` unchanged if the server may call it; raise `UnsafeApiUrl` naming the problem.

    Resolves the host name (DNS) unless the allow-list admits the host and port; raises
    `UnresolvableHost` when it does not resolve. No other side effects.
    """
    parts, _, host, port = _split(url)
    if parts.username is not None or parts.password is not None:
        raise UnsafeApiUrl("Credentials in the URL are not accepted; the API key is a separate field.")
    if any(allowed.admits(host, port) for allowed in _allowed_hosts()):
        return url
    if any(_is_internal(address) for address in _resolve(host, port)):
        # The resolved addresses are not named: the answer must not map internal names.
        raise UnsafeApiUrl(
            f"The host {host!r} is on a private, loopback or reserved network; "
            f"add {_netloc(host, port)!r} to {ALLOW_LIST_SETTING} to allow it."
        )
    return url
