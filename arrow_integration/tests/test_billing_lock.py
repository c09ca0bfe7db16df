"""The run lock of (settings, period): exclusive on PostgreSQL; on SQLite each transaction locks on begin."""

import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from arrow_client import Period
from arrow_integration.models import ArrowBillingSync
from arrow_integration.services.runs.locks import SyncAlreadyRunning, sync_period_lock
from arrow_integration.tests.factories import ArrowSettingsFactory

JANUARY, FEBRUARY = Period(2025, 1), Period(2025, 2)


def try_lock_elsewhere(settings, period) -> str:
    """Take the lock from another thread (its own database connection); say what happened."""
    outcome = []

    def attempt():
        try:
            with sync_period_lock(settings=settings, period=period, timeout=0.3):
                outcome.append("acquired")
        except SyncAlreadyRunning:
            outcome.append("busy")
        finally:
            connections.close_all()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(10)
    return outcome[0]


@pytest.mark.django_db(transaction=True)
def test_runs_of_the_same_settings_and_period_exclude_each_other():
    if connection.vendor != "postgresql":
        pytest.skip("the run-level lock is PostgreSQL's advisory lock; SQLite serialises writers instead")
    settings = ArrowSettingsFactory()
    with sync_period_lock(settings=settings, period=JANUARY):
        with sync_period_lock(settings=settings, period=JANUARY):  # re-entrant in one connection
            assert try_lock_elsewhere(settings, JANUARY) == "busy"
        assert try_lock_elsewhere(settings, FEBRUARY) == "acquired"
        assert try_lock_elsewhere(settings, JANUARY) == "busy"
    assert try_lock_elsewhere(settings, JANUARY) == "acquired"


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_every_transaction_takes_the_write_lock_when_it_begins():
    """What serialises the units of concurrent runs on SQLite (the run lock does nothing there)."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL runs are serialised by the advisory lock")
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        assert ArrowBillingSync.objects.count() == 0
    assert queries.captured_queries[0]["sql"] == "BEGIN IMMEDIATE"
