"""Plumbing shared by the benchmarks: Django on a throw-away database, the emulator, timing, memory.

A benchmark runs in its own process (see `bench.__main__`): `django_setup` points Django at the
database URL it is given, before any model is imported, and `bench_database` creates a fresh test
database there (a temporary SQLite file, or a `test_…` database on the PostgreSQL server) and drops
it afterwards, so the demo's `var/` database is never touched. Figures are `Figure` rows, written
as JSON for the parent process to put into its summary table.

Nothing here is a timed test: benchmarks print what they measure and compare it with a target.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

SETTINGS_MODULE = "config.settings.test"
MEGABYTE = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
# Linux: writing "5" to /proc/self/clear_refs resets the peak resident set size (VmHWM).
CLEAR_REFS = Path("/proc/self/clear_refs")
STATUS = Path("/proc/self/status")


NOT_MEASURED = "not measured"


@dataclass
class Figure:
    """One measured figure and, when there is one, the target it is compared with.

    ``value`` is None for a target that cannot be measured yet (``note`` says why).
    """

    benchmark: str
    name: str
    value: float | None
    unit: str
    target: str = ""
    met: bool | None = None
    note: str = ""

    def line(self) -> str:
        verdict = "" if self.met is None else (" ok" if self.met else " MISSED")
        target = f"  (target {self.target}{verdict})" if self.target else ""
        note = f"  [{self.note}]" if self.note else ""
        if self.value is None:
            return f"  {self.name}: {NOT_MEASURED} ({self.note}){target}"
        return f"  {self.name}: {format_value(self.value)} {self.unit}{target}{note}"


def format_value(value: float | None) -> str:
    if value is None:
        return NOT_MEASURED
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}" if value >= 1 else f"{value:.3f}"


class Report:
    """Collects a benchmark's figures, prints each as it comes, writes them as JSON at the end."""

    def __init__(self, benchmark: str, json_path: str | None = None) -> None:
        self.benchmark = benchmark
        self.json_path = json_path
        self.figures: list[Figure] = []

    def add(self, name: str, value: float | None, unit: str, *, target: str = "", met: bool | None = None,
            note: str = "") -> Figure:
        figure = Figure(self.benchmark, name, value, unit, target, met, note)
        self.figures.append(figure)
        print(figure.line(), flush=True)
        return figure

    def not_measured(self, name: str, unit: str, *, target: str, reason: str) -> Figure:
        """A target this benchmark cannot measure yet: printed as "not measured (reason)"."""
        return self.add(name, None, unit, target=target, note=reason)

    def save(self) -> None:
        if self.json_path:
            Path(self.json_path).write_text(json.dumps([asdict(figure) for figure in self.figures]))


def say(message: str) -> None:
    print(message, flush=True)


def django_setup(database_url: str) -> None:
    """Configure Django for ``database_url`` (settings read the environment once, at import)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def database_vendor() -> str:
    from django.db import connection

    return connection.vendor


@contextmanager
def bench_database() -> Iterator[str]:
    """A fresh, migrated database for this process (Django's test-database machinery); dropped on exit.

    SQLite gets a file in a temporary directory (never an in-memory database: it would flatter
    the figures); PostgreSQL gets ``test_<name>`` on the configured server.
    """
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment(debug=False)
    directory = None
    if connection.vendor == "sqlite":
        directory = tempfile.TemporaryDirectory(prefix="waldur-arrow-bench-")
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(Path(directory.name) / "bench.sqlite3")
    old_name = connection.settings_dict["NAME"]
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield name
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()
        if directory is not None:
            directory.cleanup()


def ledger_empty(cursor) -> None:
    """Empty the append-only ledger (set-up between runs, never done in production); call it in a
    transaction. On PostgreSQL its trigger refuses DELETE and lets TRUNCATE through only in a
    session that says it is maintenance (`arrow_integration` migration 0010)."""
    from django.db import connection

    from arrow_integration.models import ArrowLedgerEntry

    table = connection.ops.quote_name(ArrowLedgerEntry._meta.db_table)
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL waldur_arrow.ledger_maintenance = 'on'")
        cursor.execute(f"TRUNCATE {table}")
    else:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the model's own table


def peak_rss_reset() -> bool:
    """Start a new peak-memory measurement; False where the kernel does not support it."""
    try:
        CLEAR_REFS.write_text("5")
        return True
    except OSError:
        return False


def rss_bytes() -> int:
    """Resident memory of this process now (0 where /proc is not available)."""
    try:
        match = re.search(r"^VmRSS:\s+(\d+) kB", STATUS.read_text(), re.MULTILINE)
    except OSError:
        return 0
    return int(match.group(1)) * 1024 if match else 0


def peak_rss_bytes() -> int:
    """Peak resident memory of this process since the last reset (since start without one)."""
    try:
        match = re.search(r"^VmHWM:\s+(\d+) kB", STATUS.read_text(), re.MULTILINE)
        if match:
            return int(match.group(1)) * 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@contextmanager
def stopwatch() -> Iterator[dict]:
    """``with stopwatch() as timing: …`` then ``timing["seconds"]``."""
    timing = {"seconds": 0.0}
    started = time.perf_counter()
    try:
        yield timing
    finally:
        timing["seconds"] = time.perf_counter() - started


def free_port(preferred: int) -> int:
    """``preferred`` when it is free on loopback, else any free port."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free loopback port")


def machine_description() -> str:
    """CPU model, cores and memory of this machine, for the README and the summary."""
    model, memory = "unknown CPU", 0
    try:
        model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE).group(1)
        memory = int(re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.MULTILINE).group(1))
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} CPU ({model.strip()}), {memory / MEGABYTE:.1f} GB RAM"


def common_arguments(parser) -> None:
    """Options every benchmark module accepts when it is run on its own."""
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", "sqlite:///bench"),
                        help="database server to create the throw-away test database on")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--json", dest="json_path", help="write the figures to this file as JSON")


def benchmark_run(name: str, args, run: Callable[..., None], **sizes) -> int:
    """Run one benchmark module on its own: Django on ``args.database_url``, ``run(report, **sizes)``
    inside a throw-away test database, the figures saved where ``--json`` says."""
    django_setup(args.database_url)
    report = Report(name, args.json_path)
    with bench_database():
        run(report, **sizes)
    report.save()
    return 0
