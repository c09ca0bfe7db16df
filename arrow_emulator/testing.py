"""Helpers for tests that need a real emulator: `EmulatorProcess` and `EmulatorControl`.

`EmulatorProcess` starts ``python -m arrow_emulator`` as a subprocess on a free loopback port,
waits until it answers and stops it on exit; share one per test session and call
``control.reset()`` between tests (it is cheap). `EmulatorControl` wraps the control API
(``/_emulator/``) of any running emulator. Neither imports Django.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from arrow_emulator.state import DEFAULT_API_KEY, DEFAULT_BASE_PATH

STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
_READY_PATTERN = re.compile(r"arrow-emulator listening on (http://\S+)")


class EmulatorError(RuntimeError):
    """The emulator could not be started, or a control call failed."""


class EmulatorControl:
    """Client of the emulator's control API at ``root_url`` (e.g. ``http://127.0.0.1:8081/``)."""

    def __init__(self, root_url: str, *, timeout: float = 30.0) -> None:
        self.root_url = root_url.rstrip("/") + "/"
        self._http = httpx.Client(base_url=self.root_url + "_emulator/", timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EmulatorControl:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None,
              params: dict[str, Any] | None = None) -> Any:
        response = self._http.request(method, path, json=body, params=params)
        if response.status_code >= 400:
            raise EmulatorError(f"control {method} {path} failed: HTTP {response.status_code}: {response.text}")
        return response.json() if response.content else None

    def health(self) -> dict[str, Any]:
        return self._call("GET", "health")

    def reset(self, seed: str = "demo", *, today: dt.date | str | None = None,
              validation_delay_days: int | None = None, scale_lines: int | None = None,
              scale_licenses: int | None = None, export_page_size: int | None = None) -> dict[str, Any]:
        """Seeded data again, no faults, zeroed counters, and the options the process started with,
        except those given here."""
        body: dict[str, Any] = {"seed": seed}
        options = {"validation_delay_days": validation_delay_days, "scale_lines": scale_lines,
                   "scale_licenses": scale_licenses, "export_page_size": export_page_size}
        body.update({key: value for key, value in options.items() if value is not None})
        if today is not None:
            body["today"] = str(today)
        return self._call("POST", "reset", body)

    def set_today(self, today: dt.date | str) -> dict[str, Any]:
        return self._call("POST", "today", {"date": str(today)})

    def lines(self, period: Any = None) -> list[dict[str, Any]]:
        """Short form of a period's seeded and added lines (extended column titles as keys)."""
        params = {"period": str(period)} if period is not None else None
        return self._call("GET", "lines", params=params)["lines"]

    def set_line_price(self, sequence: str, *, sell: Decimal | str, buy: Decimal | str) -> dict[str, Any]:
        return self._call("POST", f"lines/{sequence}/price", {"sell": str(sell), "buy": str(buy)})

    def add_line(self, *, period: Any, license: str, sell: Decimal | str, buy: Decimal | str,
                 quantity: Decimal | str | None = None, sequence: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"period": str(period), "license": license, "sell": str(sell), "buy": str(buy)}
        if quantity is not None:
            body["quantity"] = str(quantity)
        if sequence is not None:
            body["sequence"] = sequence
        return self._call("POST", "lines", body)

    def remove_line(self, sequence: str) -> None:
        self._call("DELETE", f"lines/{sequence}")

    def set_consumption(self, license: str, period: Any, *, sell: Decimal | str, buy: Decimal | str) -> dict[str, Any]:
        return self._call("PUT", f"consumption/{license}/{period}", {"sell": str(sell), "buy": str(buy)})

    def clear_consumption(self, license: str, period: Any) -> None:
        self._call("DELETE", f"consumption/{license}/{period}")

    def inject_fault(self, endpoint: str, *, status: int | None = None, count: int | None = None,
                     probability: float | None = None, latency: float = 0.0, retry_after: int | None = None,
                     malformed: bool = False) -> dict[str, Any]:
        """Make ``endpoint`` (e.g. ``"billing/erp/exports/sync"``) fail or slow down; see `faults`."""
        return self._call("POST", "faults", {
            "endpoint": endpoint, "status": status, "count": count, "probability": probability,
            "latency": latency, "retry_after": retry_after, "malformed": malformed,
        })

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def counters(self) -> dict[str, int]:
        """Requests received per endpoint pattern, e.g. ``{"billing/erp/exports/sync": 3}``."""
        return self._call("GET", "counters")["counters"]

    def reset_counters(self) -> None:
        self._call("POST", "counters/reset")


class EmulatorProcess:
    """A real emulator subprocess on a loopback port; a context manager.

    ``options`` are the CLI options without dashes (``today``, ``validation_delay_days``,
    ``scale_lines``, ``scale_licenses``, ``base_path``, ``export_page_size``). ``export_cache_mb``
    > 0 keeps that many MiB of rendered export pages (see ``--export-cache-mb``); a control reset
    keeps the setting.
    """

    def __init__(self, seed: str = "demo", port: int | None = None, *, host: str = "127.0.0.1",
                 api_key: str = DEFAULT_API_KEY, startup_timeout: float = STARTUP_TIMEOUT,
                 export_cache_mb: int = 0, **options: Any) -> None:
        self.seed = seed
        self.host = host
        self.port = port or 0
        self.api_key = api_key
        self.export_cache_mb = export_cache_mb
        self.options = options
        self.startup_timeout = startup_timeout
        self.base_url = ""
        self.root_url = ""
        self._process: subprocess.Popen | None = None
        self._log = None
        self._control: EmulatorControl | None = None

    def __repr__(self) -> str:
        return f"EmulatorProcess(base_url={self.base_url!r}, pid={self.pid})"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def control(self) -> EmulatorControl:
        if self._control is None:
            raise EmulatorError("the emulator is not running")
        return self._control

    def command(self) -> list[str]:
        args = [sys.executable, "-m", "arrow_emulator", "--host", self.host, "--port", str(self.port),
                "--seed", self.seed, "--api-key", self.api_key]
        if self.export_cache_mb:
            args += ["--export-cache-mb", str(self.export_cache_mb)]
        for name, value in self.options.items():
            if value is not None:
                args += [f"--{name.replace('_', '-')}", str(value)]
        return args

    def start(self) -> EmulatorProcess:
        if self._process is not None:
            return self
        self._log = tempfile.NamedTemporaryFile(prefix="arrow-emulator-", suffix=".log", delete=False)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(self.command(), stdout=self._log, stderr=subprocess.STDOUT, env=env,
                                         stdin=subprocess.DEVNULL)
        atexit.register(self.stop)
        try:
            self.base_url = self._wait_for_address()
            url = httpx.URL(self.base_url)
            self.root_url = f"{url.scheme}://{url.netloc.decode()}/"
            self._control = EmulatorControl(self.root_url)
            self._wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_for_address(self) -> str:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            match = _READY_PATTERN.search(self.log_text())
            if match:
                return match.group(1)
            if self._process.poll() is not None:
                raise EmulatorError(f"the emulator exited with {self._process.returncode}: {self.log_text()}")
            time.sleep(0.05)
        raise EmulatorError(f"the emulator did not start within {self.startup_timeout}s: {self.log_text()}")

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                self.control.health()
                return
            except (httpx.HTTPError, EmulatorError):
                if time.monotonic() > deadline:
                    raise EmulatorError(f"the emulator does not answer: {self.log_text()}") from None
                time.sleep(0.05)

    def log_text(self) -> str:
        return Path(self._log.name).read_text(errors="replace") if self._log else ""

    def rss_bytes(self) -> int | None:
        """Current resident memory of the subprocess (Linux only)."""
        try:
            status = Path(f"/proc/{self.pid}/status").read_text()
        except (OSError, TypeError):
            return None
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        return int(match.group(1)) * 1024 if match else None

    def stop(self) -> None:
        """Stop the subprocess (SIGTERM, then SIGKILL after a grace period); safe to call twice."""
        atexit.unregister(self.stop)
        if self._control is not None:
            self._control.close()
            self._control = None
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT)
        if self._log is not None:
            self._log.close()
            Path(self._log.name).unlink(missing_ok=True)
            self._log = None

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


__all__ = ["DEFAULT_API_KEY", "DEFAULT_BASE_PATH", "EmulatorControl", "EmulatorError", "EmulatorProcess"]
