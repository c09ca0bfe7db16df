"""`validate_credentials` cannot be used to map which ports of an allowed host are open.

With the allow-list naming the emulator's `host:port` (as the demo's does), every other port of
the same host is refused by the `api_url` guard before any connection: 400 naming `api_url`.
Where a host is allowed on every port (a bare entry, as in the test settings), the answers for a
closed port, a port whose server hangs up, one that never answers and an unresolvable host read
the same: 200, `valid: false` and one neutral error.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from arrow_client import UNREACHABLE_MESSAGE

pytestmark = pytest.mark.django_db

VALIDATE = "/api/admin/arrow/settings/validate_credentials/"


def host_port(base_url: str) -> str:
    return base_url.split("/")[2]


@contextmanager
def tcp_listener(*, answer: bytes | None) -> Iterator[int]:
    """A loopback port that accepts connections and, per connection, sends `answer` and hangs up
    (a non-HTTP service), or with None says nothing (a service that never answers)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except OSError:
                continue
            if answer is None:
                held.append(connection)
                continue
            connection.sendall(answer)
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def validate(client, api_url: str, api_key: str):
    return client.post(VALIDATE, {"api_url": api_url, "api_key": api_key}, format="json")


def test_only_the_allow_listed_port_of_a_host_is_reachable(staff_client, arrow_emulator, settings):
    settings.ARROW_API_URL_ALLOWED_HOSTS = [host_port(arrow_emulator.base_url)]
    arrow_emulator.control.reset_counters()

    with tcp_listener(answer=b"SSH-2.0-OpenSSH_9.2\r\n") as open_port:
        others = [validate(staff_client, f"http://127.0.0.1:{port}/index.php/api/", arrow_emulator.api_key)
                  for port in (open_port, free_port(), 6379)]
    allowed = validate(staff_client, arrow_emulator.base_url, arrow_emulator.api_key)

    for answer in others:
        assert answer.status_code == 400 and "api_url" in answer.json(), answer.content
    assert len({answer.json()["api_url"][0].split("'")[0] for answer in others}) == 1
    assert allowed.status_code == 200 and allowed.json()["valid"] is True
    assert arrow_emulator.control.counters() == {"whoami": 1, "billing/erp/exports/types": 1}


def test_connection_failures_read_the_same(staff_client, settings, monkeypatch):
    settings.ARROW_HTTP_TIMEOUT = 0.3
    resolve = socket.getaddrinfo

    def dns_down_for_connections(host, *args, **kwargs):
        # The URL guard (which asks for TCP explicitly) still resolves arrow.example to a public
        # address; the connection's own look-up then fails, as when DNS goes down in between.
        if host == "arrow.example":
            if kwargs.get("proto") == socket.IPPROTO_TCP:
                return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("93.184.216.34", 443))]
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns_down_for_connections)
    with tcp_listener(answer=b"SSH-2.0-OpenSSH_9.2\r\n") as talking, tcp_listener(answer=None) as silent:
        targets = {
            "closed port": f"http://127.0.0.1:{free_port()}/",
            "non-HTTP service": f"http://127.0.0.1:{talking}/",
            "no answer": f"http://127.0.0.1:{silent}/",
            "TLS to a plain service": f"https://127.0.0.1:{talking}/",
            "DNS failure": "https://arrow.example/",
        }
        answers = {name: validate(staff_client, url, "some-key") for name, url in targets.items()}

    for name, answer in answers.items():
        assert answer.status_code == 200 and answer.json()["valid"] is False, (name, answer.content)
    errors = {name: answer.json()["error"] for name, answer in answers.items()}
    assert len(set(errors.values())) == 1, errors
    assert UNREACHABLE_MESSAGE in errors["closed port"]
