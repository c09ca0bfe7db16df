"""Benchmark: 1, 2 and 4 Celery worker processes importing 20 settings x 3 months (PostgreSQL + Redis).

Run on its own with ``python -m bench.workers [--quick] [--database-url postgres://…]`` (the
summary of ``python -m bench`` runs it on PostgreSQL only). Set-up (not measured):

- a Redis broker (`bench.redis_server`) and a throw-away PostgreSQL test database;
- one emulator process per settings row, each started with its own ``--tenant``: an Arrow
  line is charged once per Arrow account (SPEC 6.9), so every settings row must read an account
  of its own, and one Arrow customer is actively mapped by one mapping only, so each tenant's
  customers have references of their own. Only one settings row may be active; the imports are
  queued by settings UUID, as ``trigger_sync`` does, which runs them whatever the flag;
- every month read once through the client, so that the emulators serve it from their page cache
  (the workers then pay for our side of the export only), and its line count noted.

Then, for each worker count: the billing tables emptied (TRUNCATE), that many real
``celery -A config worker --pool solo`` processes started against the test database and the
broker, and every (settings, month) import queued at once (``billing_sync_period``). Measured:
lines per second from the first task queued to the last run finished, the scaling factor
against one worker, and afterwards that each month holds exactly the lines the emulator served
(no line duplicated, none lost, no run failed). Lock waits are sampled from ``pg_locks`` (every
heavyweight lock a backend waits for, advisory locks included, with its ``waitstart``) while the
workers run; the longest is set against one month's import (the median run). Runs of different
(settings, month) never wait for each other's run lock, so what is measured is contention on rows,
tables and indexes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

from bench.harness import (
    ROOT,
    Report,
    bench_database,
    common_arguments,
    database_vendor,
    django_setup,
    ledger_empty,
    say,
)

NAME = "workers"
SETTINGS_ROWS, MONTHS, LINES, WORKER_COUNTS = 20, 3, 20_000, (1, 2, 4)
QUICK_SETTINGS_ROWS, QUICK_MONTHS, QUICK_LINES, QUICK_WORKER_COUNTS = 4, 3, 2_000, (1, 2)
WORKER_READY_SECONDS = 60.0
RUNS_TIMEOUT_SECONDS = 3600.0
POLL_SECONDS = 0.25
LOCK_SAMPLE_SECONDS = 0.05
STOP_SECONDS = 15.0
STARTING_THREADS = 8
WARMING_THREADS = 2


class LockWaits:
    """Samples ``pg_locks`` in a thread of its own (own connection) and keeps the longest wait."""

    QUERY = (
        "SELECT l.locktype, l.mode, coalesce(c.relname, ''), extract(epoch FROM now() - l.waitstart) "
        "FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation "
        "WHERE NOT l.granted AND l.waitstart IS NOT NULL ORDER BY 4 DESC LIMIT 1"
    )

    def __init__(self, connection_options: dict) -> None:
        self.connection_options = connection_options
        self.longest = 0.0
        self.what = ""
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="lock-waits", daemon=True)

    def __enter__(self) -> LockWaits:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        import psycopg

        with psycopg.connect(**self.connection_options, autocommit=True) as connection:
            while not self._stop.wait(LOCK_SAMPLE_SECONDS):
                row = connection.execute(self.QUERY).fetchone()
                self.samples += 1
                if row and float(row[3]) > self.longest:
                    self.longest = float(row[3])
                    self.what = f"{row[0]} {row[1]} {row[2]}".strip()


def connection_options() -> dict:
    """psycopg options for the test database (for the lock sampler)."""
    from django.db import connection

    db = connection.settings_dict
    options = {"host": db.get("HOST") or "localhost", "port": db.get("PORT") or 5432, "user": db["USER"],
               "dbname": db["NAME"]}
    if db.get("PASSWORD"):
        options["password"] = db["PASSWORD"]
    return options


def database_url() -> str:
    """A DATABASE_URL that points a worker process at this process's test database."""
    options = connection_options()
    credentials = quote(options["user"] or "", safe="")
    if options.get("password"):
        credentials += ":" + quote(options["password"], safe="")
    return f"postgres://{credentials}@{options['host']}:{options['port']}/{quote(options['dbname'], safe='')}"


def billing_tables_empty() -> None:
    """TRUNCATE what the imports write (set-up between worker counts, not measured)."""
    from django.db import connection, transaction

    from arrow_integration.models import (
        ArrowBillingExportPage,
        ArrowBillingSync,
        ArrowBillingSyncItem,
        ArrowSyncRun,
        ArrowUnchargedLine,
    )
    from core.models import Invoice, InvoiceItem

    tables = ", ".join(connection.ops.quote_name(model._meta.db_table) for model in (
        ArrowBillingSyncItem, ArrowBillingSync, InvoiceItem, Invoice, ArrowBillingExportPage, ArrowUnchargedLine,
        ArrowSyncRun))
    with transaction.atomic(), connection.cursor() as cursor:
        ledger_empty(cursor)  # first, in this transaction: the CASCADE reaches it through the runs
        cursor.execute(f"TRUNCATE {tables} CASCADE")


class Workers:
    """``count`` real Celery worker processes consuming ``queue``; stopped on exit."""

    def __init__(self, count: int, *, queue: str, env: dict[str, str], log_dir: Path) -> None:
        self.count, self.queue, self.env, self.log_dir = count, queue, env, log_dir
        self.processes: list[tuple[subprocess.Popen, Path]] = []

    def __enter__(self) -> Workers:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", self.queue,
                   "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO"]
        try:
            for number in range(self.count):
                log = self.log_dir / f"{self.queue}-{number}.log"
                with log.open("w") as output:
                    process = subprocess.Popen([*command, "-n", f"{self.queue}-{number}@%h"], cwd=ROOT, env=self.env,
                                               stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                self.processes.append((process, log))
            self._wait_ready()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + WORKER_READY_SECONDS
        for process, log in self.processes:
            while " ready." not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"a Celery worker did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.2)

    def check_alive(self) -> None:
        for process, log in self.processes:
            if process.poll() is not None:
                raise RuntimeError(f"a Celery worker exited: {log.read_text(errors='replace')[-2000:]}")

    def __exit__(self, *exc_info: object) -> None:
        for process, _log in self.processes:
            if process.poll() is None:
                process.terminate()
        for process, _log in self.processes:
            try:
                process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_SECONDS)


def emulators_start(count: int, *, lines: int, months: int, today) -> list:
    """One emulator per tenant 1..count, with a page cache that holds its months (started at once)."""
    from arrow_emulator.testing import EmulatorProcess

    cache_mb = months * lines // 1000 + 16  # about 0.85 MiB a 1000-line page
    emulators = [EmulatorProcess(seed="demo", scale_lines=lines, today=today, export_cache_mb=cache_mb, tenant=tenant)
                 for tenant in range(1, count + 1)]
    with ThreadPoolExecutor(STARTING_THREADS) as pool:
        list(pool.map(lambda emulator: emulator.start(), emulators))
    return emulators


def months_warm(worlds: list, periods: list) -> dict[tuple[str, object], int]:
    """Read every (settings, month) once (the emulators cache the pages); the lines of each."""
    from django.db import connections

    from bench.billing_import import export_read

    def read(job):
        world, period = job
        try:
            return (world.settings.arrow_account, period.first_day), export_read(settings=world.settings,
                                                                                 period=period)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(WARMING_THREADS) as pool:
        return dict(pool.map(read, [(world, period) for world in worlds for period in periods]))


def imports_run(count: int, *, worlds: list, periods: list, env: dict[str, str]) -> dict:
    """Queue every import with ``count`` workers running; wall time, runs and the longest lock wait."""
    from arrow_integration.choices import SyncRunKind, SyncRunState
    from arrow_integration.models import ArrowSyncRun
    from arrow_integration.tasks.billing import billing_sync_period

    queue = f"bench-workers-{uuid.uuid4().hex[:8]}"
    expected_runs = len(worlds) * len(periods)
    with tempfile.TemporaryDirectory(prefix="waldur-arrow-bench-workers-") as log_dir, \
            Workers(count, queue=queue, env=env, log_dir=Path(log_dir)) as workers, \
            LockWaits(connection_options()) as locks:
        started = time.perf_counter()
        for period in periods:
            for world in worlds:
                billing_sync_period.apply_async(args=(str(world.settings.uuid), str(period)), queue=queue)
        deadline = time.monotonic() + RUNS_TIMEOUT_SECONDS
        finished = ArrowSyncRun.objects.filter(kind=SyncRunKind.BILLING).exclude(state=SyncRunState.RUNNING)
        while finished.count() < expected_runs:
            workers.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{finished.count()} of {expected_runs} imports finished in time")
            time.sleep(POLL_SECONDS)
        seconds = time.perf_counter() - started
    runs = list(ArrowSyncRun.objects.filter(kind=SyncRunKind.BILLING))
    return {"seconds": seconds, "runs": runs, "lock_wait": locks.longest, "lock_what": locks.what,
            "lock_samples": locks.samples}


def lines_check(expected: dict) -> tuple[int, int]:
    """(duplicated, lost) lines against the emulators' line counts of each (account, month)."""
    from django.db.models import Count

    from arrow_integration.models import ArrowBillingSyncItem

    found = {
        (row["arrow_account"], row["report_period"]): row
        for row in ArrowBillingSyncItem.objects.values("arrow_account", "report_period").annotate(
            items=Count("id"), lines=Count("arrow_line_reference", distinct=True))
    }
    duplicated = sum(row["items"] - row["lines"] for row in found.values())
    lost = sum(max(0, lines - found.get(key, {}).get("lines", 0)) for key, lines in expected.items())
    unexpected = sum(row["lines"] for key, row in found.items() if key not in expected)
    return duplicated + unexpected, lost


def run(report: Report, *, rows: int, months: int, lines: int, worker_counts: tuple[int, ...], broker: str) -> None:
    import datetime as dt

    from arrow_client import Period
    from arrow_integration.choices import SyncRunState
    from bench.world import world_create
    from core.models import InvoiceItem

    if database_vendor() != "postgresql":
        raise RuntimeError("the multi-worker benchmark runs on PostgreSQL only")
    today = dt.date.today()
    current = Period.from_date(today)
    periods = [current.shift(-back) for back in range(months, 0, -1)]
    total = rows * months * lines
    say(f"workers: {rows} settings x {months} months x {lines:,} lines ({total:,} lines) with "
        f"{', '.join(map(str, worker_counts))} Celery worker processes, PostgreSQL + Redis")
    emulators = emulators_start(rows, lines=lines, months=months, today=today)
    try:
        worlds = [world_create(emulator, tenant=number, is_active=number == 1)
                  for number, emulator in enumerate(emulators, start=1)]
        warm_started = time.perf_counter()
        expected = months_warm(worlds, periods)
        say(f"  months read once (emulator caches filled) in {time.perf_counter() - warm_started:.0f} s; "
            f"{sum(expected.values()):,} lines")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url(),
               "CELERY_BROKER_URL": broker, "CELERY_TASK_ALWAYS_EAGER": "0", "PYTHONUNBUFFERED": "1",
               "LOG_LEVEL": "WARNING"}
        rates: dict[int, float] = {}
        for count in worker_counts:
            billing_tables_empty()
            outcome = imports_run(count, worlds=worlds, periods=periods, env=env)
            runs = outcome["runs"]
            failed = [run for run in runs if run.state != SyncRunState.SUCCEEDED]
            month_seconds = statistics.median((run.finished_at - run.created).total_seconds() for run in runs)
            imported = sum(expected.values())
            rates[count] = imported / outcome["seconds"]
            label = f"{count} worker{'s' if count > 1 else ''}"
            report.add(f"import throughput, {label} (postgresql)", rates[count], "lines/s",
                       note=f"{imported:,} lines, {len(runs)} runs in {outcome['seconds']:.0f} s; "
                            f"one month's import (median run) {month_seconds:.1f} s")
            if count != worker_counts[0]:
                factor = rates[count] / rates[worker_counts[0]]
                report.add(f"scaling factor, {label} vs {worker_counts[0]} (postgresql)", factor, "x",
                           target="> 1", met=factor > 1)
            duplicated, lost = lines_check(expected)
            invoice_items = InvoiceItem.objects.count()
            report.add(f"lines duplicated or lost, {label} (postgresql)", duplicated + lost, "lines", target="0",
                       met=duplicated + lost == 0 and not failed and invoice_items == imported,
                       note=f"{duplicated} duplicated, {lost} lost, {len(failed)} failed runs, "
                            f"{invoice_items:,} invoice items for {imported:,} lines")
            report.add(f"longest lock wait, {label} (postgresql)", outcome["lock_wait"], "s",
                       target=f"≤ {month_seconds:.1f} (one month)", met=outcome["lock_wait"] <= month_seconds,
                       note=f"{outcome['lock_what'] or 'no wait seen'}; pg_locks sampled every "
                            f"{LOCK_SAMPLE_SECONDS * 1000:.0f} ms ({outcome['lock_samples']} samples)")
    finally:
        with ThreadPoolExecutor(STARTING_THREADS) as pool:
            list(pool.map(lambda emulator: emulator.stop(), emulators))


def main(argv: list[str] | None = None) -> int:
    from bench.redis_server import redis_url

    parser = argparse.ArgumentParser(prog="python -m bench.workers", description=__doc__.splitlines()[0])
    common_arguments(parser)
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        print("bench.workers: needs a PostgreSQL --database-url (BENCH_DATABASE_URL)", file=sys.stderr)
        return 2
    sizes = ((QUICK_SETTINGS_ROWS, QUICK_MONTHS, QUICK_LINES, QUICK_WORKER_COUNTS) if args.quick
             else (SETTINGS_ROWS, MONTHS, LINES, WORKER_COUNTS))
    report = Report(NAME, args.json_path)
    with redis_url() as broker:
        if broker is None:
            print("bench.workers: no Redis (BENCH_REDIS_URL unset and redis-server not installed)", file=sys.stderr)
            return 2
        # Read by the settings at import: the tasks go to this broker, not run in-process.
        os.environ["CELERY_BROKER_URL"] = broker
        os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"
        django_setup(args.database_url)
        with bench_database():
            rows, months, lines, counts = sizes
            run(report, rows=rows, months=months, lines=lines, worker_counts=counts, broker=broker)
    report.save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
