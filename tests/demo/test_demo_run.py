"""The demo as an operator runs it: `waldur-arrow demo` in a fresh `var/`, then other commands.

One demo (server, worker, beat and emulator, on its own SQLite file) serves the whole module.
What is checked: the banner and `var/demo.json` give away no Arrow key; `var/` and what it holds
are private; `/api/` lists the entry points and `/api/docs` leads to the docs; the web server's
own refusals are JSON; `waldur-arrow manage …` works on the demo's database without any variable
set; and web requests and the worker write the SQLite database at once without an error.

The demo always runs on SQLite, so the PostgreSQL pass of the suite skips this module.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from arrow_client import Period
from tests.demo.demo_process import DemoProcess, waldur_arrow_run

pytestmark = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the demo runs on its own SQLite database whatever the suite's; the SQLite pass runs this module",
)

BILLING_SYNCS = "api/admin/arrow/billing-syncs/"
SWITCH_CALLS = 40
SWITCH_CONCURRENCY = 4
IMPORTED_MONTHS = 6
RUNS_TIMEOUT_SECONDS = 180
HTTP_TIMEOUT_SECONDS = 120


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    # A var/ left world-readable by an older demo, as the demo finds it on such machines.
    var_dir = tmp_path_factory.mktemp("demo") / "var"
    var_dir.mkdir(mode=0o755)
    var_dir.chmod(0o755)
    with DemoProcess(var_dir) as running:
        yield running


def staff_headers(demo: DemoProcess) -> dict[str, str]:
    return {"Authorization": f"Token {demo.summary()['staff_token']}"}


def mode_of(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def raw_request(demo: DemoProcess, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` bytes as they are; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", demo.port), timeout=HTTP_TIMEOUT_SECONDS) as sock:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            headers = dict(line.split(": ", 1) for line in head.decode("latin-1").split("\r\n")[1:] if ": " in line)
            if "Content-Length" in headers and len(body) >= int(headers["Content-Length"]):
                break
    status = int(head.split(b" ")[1])
    return status, headers, body


def test_the_banner_and_the_summary_give_no_arrow_key(demo):
    arrow_key = (demo.var_dir / "arrow-emulator.key").read_text().strip()

    assert "waldur-arrow demo is running." in demo.banner and "Staff token:" in demo.banner
    assert arrow_key not in "".join(demo.output) and "apiKey" not in demo.banner
    assert "arrow_key" not in demo.summary() and arrow_key not in (demo.var_dir / "demo.json").read_text()


def test_var_and_its_files_are_private(demo):
    assert mode_of(demo.var_dir) == 0o700
    for name in ("demo.json", "waldur-arrow.sqlite3", "encryption.key", "secret.key", "arrow-emulator.key"):
        assert mode_of(demo.var_dir / name) == 0o600, name


def test_the_api_root_lists_the_entry_points_and_docs_answer_without_the_slash(demo):
    root = httpx.get(demo.base_url + "api/", timeout=HTTP_TIMEOUT_SECONDS)
    docs = httpx.get(demo.base_url + "api/docs", timeout=HTTP_TIMEOUT_SECONDS)

    assert root.status_code == 200 and root.headers["content-type"].startswith("application/json")
    entry_points = root.json()
    assert entry_points["admin/arrow/settings"] == demo.base_url + "api/admin/arrow/settings/"
    assert entry_points["invoices"] == demo.base_url + "api/invoices/"
    assert entry_points["docs"] == demo.base_url + "api/docs/"
    for url in entry_points.values():
        assert httpx.get(url, headers=staff_headers(demo), timeout=HTTP_TIMEOUT_SECONDS).status_code == 200, url
    assert docs.status_code == 302 and docs.headers["location"] == "/api/docs/"


@pytest.mark.parametrize("request_line, status", [
    (b"GET /api/customers/?name=" + b"x" * 5000 + b" HTTP/1.1", 200),  # over gunicorn's default 4094 bytes
    (b"GET /api/customers/?name=" + b"x" * 9000 + b" HTTP/1.1", 414),
    ("GET /api/customers/?name=ä HTTP/1.1".encode(), 400),  # raw non-ASCII bytes in the request line
])
def test_the_web_server_answers_json_to_what_it_refuses(demo, request_line, status):
    token = demo.summary()["staff_token"].encode()
    request = request_line + b"\r\nHost: 127.0.0.1\r\nAuthorization: Token " + token + b"\r\n\r\n"

    answered, headers, body = raw_request(demo, request)

    assert answered == status, body[:300]
    assert headers["Content-Type"].startswith("application/json"), headers
    json.loads(body)


def test_a_management_command_works_on_the_demo_database_without_configuration(demo):
    completed = waldur_arrow_run(demo.var_dir, "manage", "sync_arrow_resources", "--dry-run", "--no-progress")

    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "Dry run, nothing was written" in completed.stdout
    assert "WALDUR_ARROW_ENCRYPTION_KEY" not in completed.stderr


def test_web_requests_and_the_worker_write_at_once_without_error(demo):
    """Billing imports run in the demo's worker while the web server takes pause/resume switches
    (four at a time) and resource syncs: every request answers, every import succeeds."""
    headers = staff_headers(demo)
    months = list(Period.range(Period.current().shift(1 - IMPORTED_MONTHS), Period.current()))

    def post(action: str, body: dict) -> httpx.Response:
        return httpx.post(demo.base_url + BILLING_SYNCS + action, json=body, headers=headers,
                          timeout=HTTP_TIMEOUT_SECONDS)

    queued = [post("trigger_sync/", {"year": period.year, "month": period.month}) for period in months]
    calls = [("pause_sync/" if number % 2 == 0 else "resume_sync/", {"pause_global": True})
             for number in range(SWITCH_CALLS)]
    calls[SWITCH_CALLS // 4:SWITCH_CALLS // 4] = [("sync_resources/", {})]
    calls[SWITCH_CALLS // 2:SWITCH_CALLS // 2] = [("sync_resources/", {})]
    with ThreadPoolExecutor(SWITCH_CONCURRENCY) as pool:
        answers = list(pool.map(lambda call: post(*call), calls))

    assert [response.status_code for response in queued] == [202] * len(months)
    assert Counter(response.status_code for response in answers) == {200: len(calls)}, [
        response.text[:300] for response in answers if response.status_code != 200]
    runs = _billing_runs_when_finished(demo, expected=len(months))
    assert {period: (state, error) for period, state, error in runs} == {
        str(period.first_day): ("succeeded", "") for period in months}


def _billing_runs_when_finished(demo: DemoProcess, *, expected: int) -> list[tuple]:
    deadline = time.monotonic() + RUNS_TIMEOUT_SECONDS
    while True:
        runs = demo.query("SELECT period, state, error_message FROM arrow_integration_arrowsyncrun WHERE kind = ?",
                          ("billing",))
        if len(runs) >= expected and all(state != "running" for _period, state, _error in runs):
            return runs
        assert time.monotonic() < deadline, f"billing runs did not finish: {runs}"
        time.sleep(0.5)
