"""Fixtures of the robustness tests: a wired admin world and a loopback-only network.

Generated inputs contain arbitrary URLs; `loopback_only_network` makes sure none of them reaches a
DNS server or a host outside this machine (name resolution of anything but loopback fails at once),
so the tests stay fast and local whatever they generate.
"""

from __future__ import annotations

import socket

import pytest

from tests.robustness.world import AdminWorld, admin_world_create

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "testserver"})


@pytest.fixture
def loopback_only_network(monkeypatch):
    """Name resolution answers for loopback names only; every other host is unknown."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else str(host or "")
        if name.strip("[]").lower() not in LOOPBACK_HOSTS:
            raise socket.gaierror(socket.EAI_NONAME, f"{name!r} is outside the test network")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def admin_world(arrow_emulator, loopback_only_network) -> AdminWorld:
    """Active settings on the emulator and one object of every admin collection, with fixed UUIDs."""
    return admin_world_create(arrow_emulator)
