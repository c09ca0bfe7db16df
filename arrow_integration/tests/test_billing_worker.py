"""Billing tasks through the real broker and real Celery worker processes.

Two `celery -A config worker --pool solo` processes consume a queue of their own; the test sends
two imports of the same month at once and checks that each line was charged exactly once (the
run lock serialises them). The workers must reach the test database, so this runs where the
database can be shared between processes: PostgreSQL (CI sets DATABASE_URL) or a SQLite file.
pytest-django's default SQLite test database lives in memory and cannot be shared: skipped there.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from arrow_integration.choices import SyncRunState
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowSyncRun
from arrow_integration.tasks.billing import billing_sync_period
from arrow_integration.tests.billing_support import export_lines
from arrow_integration.tests.periods import previous_period
from config.celery import app
from core.models import InvoiceItem

pytestmark = pytest.mark.django_db(transaction=True)
PROJECT_DIR = Path(__file__).resolve().parents[2]
WORKERS = 2
WAIT_SECONDS = 90


def shared_database_url() -> str | None:
    """A DATABASE_URL that points another process at this test database, if it can be shared."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
        return f"postgres://{credentials}@{host}/{quote(db['NAME'], safe='')}"
    name = str(db["NAME"])
    if connection.vendor == "sqlite" and ":memory:" not in name and "mode=memory" not in name:
        return f"sqlite:///{Path(name).resolve()}"
    return None


@pytest.fixture
def worker_queue(tmp_path):
    database_url = shared_database_url()
    if database_url is None:
        pytest.skip("the test database is in-memory SQLite, which a worker process cannot share")
    queue = f"billing-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", queue,
               "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel", "INFO"]
    workers = []
    for number in range(WORKERS):
        log = open(tmp_path / f"worker-{number}.log", "w")
        workers.append((subprocess.Popen([*command, "-n", f"{queue}-{number}@%h"], cwd=PROJECT_DIR, env=env,
                                         stdout=log, stderr=subprocess.STDOUT), log))
    try:
        yield queue
    finally:
        for process, log in workers:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            log.close()


def wait_for_runs(count: int) -> list[ArrowSyncRun]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        runs = list(ArrowSyncRun.objects.exclude(state=SyncRunState.RUNNING))
        if len(runs) >= count:
            return runs
        time.sleep(0.5)
    raise AssertionError(f"the workers finished {ArrowSyncRun.objects.exclude(state=SyncRunState.RUNNING).count()}"
                         f" of {count} runs within {WAIT_SECONDS}s")


@pytest.fixture
def through_the_broker():
    """Tasks go to the broker instead of running in-process (the test settings run them eagerly)."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = eager


def test_two_workers_importing_the_same_month_at_once_charge_each_line_once(
    billing_settings, mapped, worker_queue, through_the_broker
):
    period = previous_period()
    lines = [line for line in export_lines(billing_settings, period) if line.customer_reference in mapped]

    for _ in range(WORKERS):
        billing_sync_period.apply_async(args=(str(billing_settings.uuid), str(period)), queue=worker_queue)
    runs = wait_for_runs(WORKERS)

    assert [run.state for run in runs] == [SyncRunState.SUCCEEDED] * WORKERS
    assert sorted(ArrowBillingSyncItem.objects.values_list("arrow_line_reference", flat=True)) == sorted(
        line.line_reference for line in lines
    )
    assert InvoiceItem.objects.count() == len(lines) and ArrowBillingSync.objects.count() == len(mapped)
    assert sorted(run.outcome["items_created"] for run in runs) == [0, len(lines)]
