"""Mutual exclusion of background runs: one run per (settings, period) at a time.

`sync_period_lock` is held for a whole run (billing import, reconciliation, consumption sync…)
of one settings row and one period. On PostgreSQL it is a session-level advisory lock
(`pg_try_advisory_lock`, polled until `timeout` seconds, released in `finally` and by PostgreSQL
itself when the connection dies), so runs of the same settings and period never interleave while
each unit of work inside the run still commits on its own. The lock is re-entrant within one
connection, so a run may call another service that takes it too. On SQLite it does nothing: there
every transaction takes the database's write lock when it begins (`transaction_mode` IMMEDIATE in
`config/settings/base.py`), so the units of concurrent runs already follow one another, each
reading what the previous one committed, and a second writer waits (busy timeout) instead of
failing.

Unique constraints on every natural key are the last line of defence under both databases.
This module writes no business data.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from arrow_client.periods import Period

DEFAULT_LOCK_TIMEOUT_SECONDS = 600.0
LOCK_POLL_SECONDS = 0.25
LOCK_NAMESPACE = "arrow-sync"


class SyncAlreadyRunning(Exception):
    """Another run of the same settings and period held the lock for longer than the timeout."""


def _lock_key(settings_id: int, period: Period | None) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory lock functions."""
    text = f"{LOCK_NAMESPACE}:{settings_id}:{period or '*'}"
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def sync_period_lock(
    *, settings, period: Period | None, timeout: float = DEFAULT_LOCK_TIMEOUT_SECONDS
) -> Iterator[None]:
    """Hold the run lock of ``settings`` and ``period`` (None: the settings' period-less runs).

    Waits at most ``timeout`` seconds for a concurrent run to finish, then raises
    `SyncAlreadyRunning`. The lock belongs to the connection, not to a transaction: units of
    work inside the block commit independently while the run keeps the lock.
    """
    if not _is_postgresql():
        yield
        return
    key = _lock_key(settings.pk, period)
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if cursor.fetchone()[0]:
                break
            if time.monotonic() >= deadline:
                raise SyncAlreadyRunning(
                    f"Another Arrow sync of settings {settings.uuid} for {period or 'all periods'} is still running."
                )
            time.sleep(LOCK_POLL_SECONDS)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
