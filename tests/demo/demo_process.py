"""`waldur-arrow demo` and other `waldur-arrow` commands as real processes, for the demo tests.

`DemoProcess` starts the demo as an operator does (`waldur-arrow demo --port P --arrow-port Q`)
in a fresh `var/` directory, on free loopback ports and with none of the test suite's
configuration in its environment (no settings module, database URL, broker URL or keys): the
demo builds its own, on its own SQLite file. It waits for the banner and stops the demo (which
stops its server, worker, beat and emulator) on exit. `waldur_arrow_run` runs any other
`waldur-arrow` command the same way, against the same `var/`.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
BANNER_END = "Ctrl-C stops everything."
STARTUP_TIMEOUT_SECONDS = 240
STOP_TIMEOUT_SECONDS = 30
COMMAND_TIMEOUT_SECONDS = 180
# What the test suite's environment may hold that an operator's shell does not.
SUITE_VARIABLES = (
    "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER",
    "WALDUR_ARROW_ENCRYPTION_KEY", "DJANGO_SECRET_KEY", "ARROW_API_URL_ALLOWED_HOSTS", "WALDUR_ARROW_TEST_BACKENDS",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def operator_environment(var_dir: Path) -> dict[str, str]:
    """The suite's environment without its configuration, with ``var_dir`` as `var/`."""
    environment = {name: value for name, value in os.environ.items() if name not in SUITE_VARIABLES}
    environment["WALDUR_ARROW_VAR_DIR"] = str(var_dir)
    return environment


def waldur_arrow_command() -> list[str]:
    """The `waldur-arrow` console script of this virtualenv (its module when the script is missing)."""
    script = Path(sys.executable).with_name("waldur-arrow")
    return [str(script)] if script.exists() else [sys.executable, "-m", "config.cli"]


def waldur_arrow_run(var_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run ``waldur-arrow ARGS`` as an operator would, next to the demo's ``var_dir``."""
    return subprocess.run([*waldur_arrow_command(), *args], cwd=PROJECT_DIR, env=operator_environment(var_dir),
                          capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False)


class DemoProcess:
    """A running `waldur-arrow demo` (use as a context manager)."""

    def __init__(self, var_dir: Path) -> None:
        self.var_dir = var_dir
        self.port, self.arrow_port = free_port(), free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/"
        self.arrow_root = f"http://127.0.0.1:{self.arrow_port}/"
        self.output: list[str] = []
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> DemoProcess:
        self._process = subprocess.Popen(
            [*waldur_arrow_command(), "demo", "--port", str(self.port), "--arrow-port", str(self.arrow_port)],
            cwd=PROJECT_DIR, env=operator_environment(self.var_dir), stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True,
        )
        threading.Thread(target=self._collect_output, daemon=True).start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not any(BANNER_END in line for line in self.output):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("the demo did not start:\n" + "".join(self.output[-60:]))
            time.sleep(0.2)
        return self

    def _collect_output(self) -> None:
        for line in self._process.stdout:
            self.output.append(line)

    def __exit__(self, *exc_info: object) -> None:
        # SIGTERM is the demo's Ctrl-C: it stops its children itself. Its session is ours to clean up.
        self._process.send_signal(signal.SIGTERM)
        try:
            self._process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()

    @property
    def banner(self) -> str:
        text = "".join(self.output)
        return text[text.index("waldur-arrow demo is running."):text.index(BANNER_END) + len(BANNER_END)]

    def summary(self) -> dict:
        return json.loads((self.var_dir / "demo.json").read_text())

    def query(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        """Rows of ``sql`` on the demo's SQLite database, read as another process sees them."""
        uri = f"file:{self.var_dir / 'waldur-arrow.sqlite3'}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as database:
            return database.execute(sql, parameters).fetchall()
