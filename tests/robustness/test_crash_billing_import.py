"""A worker killed (SIGKILL) in the middle of a large billing import loses nothing and doubles nothing.

The import runs in a real process (`tests.robustness.crash_worker`) against a database shared with
the test: PostgreSQL's test database when the suite runs on PostgreSQL, else a migrated SQLite file
(pytest-django's in-memory SQLite cannot be shared). The emulator's scale knob makes the month
~20 000 lines over six mapped customers. The test kills the worker as soon as the first customer's
lines are committed, checks that the kill left a partly imported month, then runs the import again
in a new process: every export line ends up with exactly one sync item and one charge of exactly
its amount, and the second run only adds what the first did not commit.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.utils import timezone

from arrow_client import ArrowClient, Period
from arrow_emulator.seeds import CUSTOMERS
from arrow_integration.choices import BillingSyncState
from arrow_integration.models import ArrowBillingSyncItem
from tests.robustness.support import EXPORT_TYPE, IAAS

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCALE_LINES = 20_000
POLL_SECONDS = 0.02
WORKER_TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class SharedDatabase:
    """A database that worker processes and the test both reach, and where workers keep temporary files."""

    url: str
    temp_dir: Path
    sqlite_path: Path | None = None

    def count(self, model) -> int:
        """Committed rows of ``model``'s table, as another process sees them."""
        if self.sqlite_path is None:
            return model.objects.count()
        with closing(sqlite3.connect(self.sqlite_path, timeout=30)) as database:
            return database.execute(f'SELECT COUNT(*) FROM "{model._meta.db_table}"').fetchone()[0]  # noqa: S608


def worker_env(database: SharedDatabase) -> dict[str, str]:
    # Temporary files (the import's line spool) go next to the database: a killed worker cannot
    # remove its own, and pytest cleans this directory up.
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database.url,
            "PYTHONUNBUFFERED": "1", "TMPDIR": str(database.temp_dir)}


def worker_command(action: str, *options: str) -> list[str]:
    return [sys.executable, "-m", "tests.robustness.crash_worker", action, *options]


def worker_run(database: SharedDatabase, action: str, *options: str) -> dict:
    """Run one worker action to completion and return its JSON answer."""
    done = subprocess.run(worker_command(action, *options), cwd=PROJECT_DIR, env=worker_env(database),
                          capture_output=True, text=True, timeout=WORKER_TIMEOUT_SECONDS, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def shared_postgres_url() -> str:
    """A URL of the PostgreSQL test database this test runs on, for other processes."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'], safe='')}"


@pytest.fixture
def shared_database(tmp_path) -> SharedDatabase:
    """The test's PostgreSQL database, or a freshly migrated SQLite file."""
    if connection.vendor == "postgresql":
        return SharedDatabase(shared_postgres_url(), tmp_path)
    if connection.vendor != "sqlite":
        pytest.skip(f"no shared database for {connection.vendor}")
    database = SharedDatabase(f"sqlite:///{tmp_path / 'crash.sqlite3'}", tmp_path, tmp_path / "crash.sqlite3")
    migrated = subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=PROJECT_DIR,
                              env=worker_env(database), capture_output=True, text=True, timeout=WORKER_TIMEOUT_SECONDS,
                              check=False)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    return database


@pytest.fixture
def billed_month(arrow_emulator) -> Period:
    """The previous month, billed by an emulator with ~20 000 lines a month."""
    period = Period.from_date(timezone.now().date()).previous()
    arrow_emulator.control.reset(scale_lines=SCALE_LINES, today=period.next().first_day + dt.timedelta(days=1))
    return period


def exported_sell_by_line(emulator, period: Period) -> dict[str, Decimal]:
    with ArrowClient(emulator.base_url, emulator.api_key) as client:
        return {line.line_reference: line.sell_total
                for page in client.iter_billing_export(EXPORT_TYPE, period, period, classifications=[IAAS])
                for line in page.lines}


def kill_once_lines_are_committed(process: subprocess.Popen, database: SharedDatabase) -> int:
    """SIGKILL ``process`` as soon as some sync items are committed; the committed count then."""
    deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        if database.count(ArrowBillingSyncItem):
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(POLL_SECONDS)
    process.wait(WORKER_TIMEOUT_SECONDS)
    return database.count(ArrowBillingSyncItem)


def test_import_killed_mid_way_completes_on_the_next_run_without_duplicates_or_gaps(
    arrow_emulator, billed_month, shared_database, tmp_path
):
    period = str(billed_month)
    expected = exported_sell_by_line(arrow_emulator, billed_month)
    settings_pk = str(worker_run(shared_database, "setup", "--api-url", arrow_emulator.base_url,
                                 "--api-key", arrow_emulator.api_key)["settings"])
    import_options = ("--settings", settings_pk, "--period", period)

    with open(tmp_path / "killed-worker.log", "w") as log:
        process = subprocess.Popen(worker_command("import", *import_options), cwd=PROJECT_DIR,
                                   env=worker_env(shared_database), stdout=log, stderr=subprocess.STDOUT)
        committed = kill_once_lines_are_committed(process, shared_database)

    assert process.returncode == -signal.SIGKILL, (tmp_path / "killed-worker.log").read_text()[-3000:]
    assert 0 < committed < len(expected), f"not killed mid-way: {committed} of {len(expected)} lines committed"

    killed_spools = f"arrow-billing-{process.pid}-*"
    assert list(Path(shared_database.temp_dir).glob(killed_spools)), "the killed worker left no spool to sweep"

    rerun = worker_run(shared_database, "import", *import_options)
    found = worker_run(shared_database, "report", *import_options)

    assert not list(Path(shared_database.temp_dir).glob(killed_spools)), "the next run did not sweep the spool"

    assert len(expected) > SCALE_LINES * 0.9
    assert rerun["failures"] == {} and rerun["mappings_imported"] == len(CUSTOMERS)
    assert (rerun["items_created"], rerun["items_unchanged"]) == (len(expected) - committed, committed)
    assert found["sync_items"] == dict.fromkeys(expected, 1)
    assert {reference: Decimal(amount) for reference, amount in found["billed"].items()} == expected
    assert [state for _, state in found["syncs"]] == [BillingSyncState.SYNCED] * len(CUSTOMERS)
