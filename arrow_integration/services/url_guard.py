"""Validation of Arrow API URLs before the server ever connects to them.

Only http and https are accepted, without embedded credentials. A host that is (or resolves to)
an address that is not globally routable (private, shared, loopback, link-local, reserved,
multicast or unspecified) is refused unless it is listed in `settings.ARROW_API_URL_ALLOWED_HOSTS`
(the demo and the tests list the emulator's address). This keeps an admin form from being turned
into a probe of the internal network.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeApiUrl(ValueError):
    """The URL may not be used as an Arrow API URL; the message says why."""


def _allowed_hosts() -> set[str]:
    return {host.strip().lower().strip("[]") for host in settings.ARROW_API_URL_ALLOWED_HOSTS if host.strip()}


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
        raise UnsafeApiUrl(f"The host {host!r} cannot be resolved.") from exc
    # The scope id of IPv6 link-local addresses ("fe80::1%eth0") is not part of the address.
    return {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}


def api_url_validate(url: str) -> str:
    """Return `url` unchanged if the server may call it; raise `UnsafeApiUrl` naming the problem.

    Resolves the host name (DNS) unless the host is allow-listed. No other side effects.
    """
    try:
        parts = urlsplit(str(url).strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeApiUrl(f"Not a valid URL: {exc}.") from exc
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise UnsafeApiUrl("Only http and https URLs are accepted.")
    host = (parts.hostname or "").lower()
    if not host:
        raise UnsafeApiUrl("The URL has no host.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeApiUrl("Credentials in the URL are not accepted; the API key is a separate field.")
    if host in _allowed_hosts():
        return url
    addresses = _resolve(host, port or DEFAULT_PORTS[parts.scheme.lower()])
    internal = sorted(str(address) for address in addresses if _is_internal(address))
    if internal:
        raise UnsafeApiUrl(
            f"The host {host!r} is on a private, loopback or reserved network ({', '.join(internal)}); "
            "add it to ARROW_API_URL_ALLOWED_HOSTS to allow it."
        )
    return url
