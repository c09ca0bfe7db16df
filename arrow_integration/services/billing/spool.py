"""Holding the lines of a whole billing export outside memory.

`BillingLineSpool` keeps parsed export lines (with their fingerprints) grouped by a key (the
customer mapping id), and the lines left uncharged with their reason, in a temporary SQLite
file, so that an import holds a few pages in memory whatever the export's size. Lines are stored as a compact tuple of plain values (amounts as
their exact decimal text, dates as ordinals), which is several times cheaper to write and read
back than pickling the objects and gives back equal `BillingLine`s.

A worker killed mid-import cannot remove its spool; the next spool created on the machine
removes the directories of processes that no longer run (`spool_directories_sweep`).

Nothing here writes business data.
"""

from __future__ import annotations

import datetime as dt
import functools
import marshal
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from arrow_client import BillingLine, Period

SPOOL_FETCH_SIZE = 500
SPOOL_DIRECTORY_PREFIX = "arrow-billing-"  # then the process id: arrow-billing-<pid>-<random>

_FIELDS = BillingLine._fields
_DECIMALS = tuple(_FIELDS.index(name) for name in
                  ("quantity", "unit_sell_price", "sell_total", "buy_total", "retail_total"))
_DATES = tuple(_FIELDS.index(name) for name in ("bill_from", "bill_to", "validation_date"))
_PERIOD = _FIELDS.index("report_period")


def line_encode(line: BillingLine) -> bytes:
    """A line as bytes of plain values (exact: `line_decode` gives back an equal line)."""
    values = list(line)
    for index in _DECIMALS:
        if values[index] is not None:
            values[index] = str(values[index])
    for index in _DATES:
        if values[index] is not None:
            values[index] = values[index].toordinal()
    period = values[_PERIOD]
    if period is not None:
        values[_PERIOD] = (period.year, period.month)
    return marshal.dumps(tuple(values))


def line_decode(data: bytes) -> BillingLine:
    values = list(marshal.loads(data))  # noqa: S302 - written by this process a moment ago
    for index in _DECIMALS:
        if values[index] is not None:
            values[index] = Decimal(values[index])
    for index in _DATES:
        if values[index] is not None:
            values[index] = _date_from_ordinal(values[index])
    if values[_PERIOD] is not None:
        values[_PERIOD] = _period(*values[_PERIOD])
    return BillingLine._make(values)


@functools.lru_cache(maxsize=256)
def _date_from_ordinal(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


@functools.lru_cache(maxsize=64)
def _period(year: int, month: int) -> Period:
    return Period(year, month)


def spool_directories_sweep(root: Path | None = None) -> list[Path]:
    """Remove the spool directories of processes that no longer run (a worker killed mid-import
    cannot clean up after itself); returns those removed. Directories of live processes, and
    any whose name does not carry a process id, are left alone."""
    removed = []
    for directory in Path(root or tempfile.gettempdir()).glob(f"{SPOOL_DIRECTORY_PREFIX}*-*"):
        pid = directory.name[len(SPOOL_DIRECTORY_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and directory.is_dir() and not _process_exists(int(pid)):
            shutil.rmtree(directory, ignore_errors=True)
            removed.append(directory)
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class BillingLineSpool:
    """Parsed export lines grouped by a key (the mapping id) in a temporary SQLite file, each with
    its fingerprint (empty when the caller has none). Repeats are the caller's business (the
    grouping keeps the references it has seen). Use as a context manager; the file is removed on
    exit.
    """

    def __init__(self) -> None:
        spool_directories_sweep()
        self._directory = tempfile.TemporaryDirectory(prefix=f"{SPOOL_DIRECTORY_PREFIX}{os.getpid()}-")
        self._db = sqlite3.connect(Path(self._directory.name) / "lines.sqlite3")
        # A scratch file: losing it in a crash loses nothing (the export is read again).
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("CREATE TABLE line (id INTEGER PRIMARY KEY, key INTEGER NOT NULL, fingerprint TEXT NOT NULL,"
                         " payload BLOB NOT NULL)")
        self._db.execute("CREATE TABLE uncharged (id INTEGER PRIMARY KEY, reason TEXT NOT NULL, payload BLOB NOT NULL)")
        self._indexed = False

    def __enter__(self) -> BillingLineSpool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        self._directory.cleanup()

    def add_many(self, entries: list[tuple[int, str, BillingLine]]) -> None:
        """Spool (key, fingerprint, line) entries in order.

        One statement for all of them: a statement per line would hand the GIL over to the threads
        reading Arrow meanwhile, each time.
        """
        self._db.executemany("INSERT INTO line (key, fingerprint, payload) VALUES (?, ?, ?)",
                             [(key, fingerprint, line_encode(line)) for key, fingerprint, line in entries])

    def add_uncharged(self, entries: list[tuple[str, BillingLine]]) -> None:
        """Spool (reason, line) entries of lines read but not charged, in order."""
        self._db.executemany("INSERT INTO uncharged (reason, payload) VALUES (?, ?)",
                             [(reason, line_encode(line)) for reason, line in entries])

    def uncharged(self) -> Iterator[tuple[str, BillingLine]]:
        """(reason, line) of the lines read but not charged, in export order, read in small batches."""
        cursor = self._db.execute("SELECT reason, payload FROM uncharged ORDER BY id")
        while batch := cursor.fetchmany(SPOOL_FETCH_SIZE):
            for reason, payload in batch:
                yield reason, line_decode(payload)

    def commit(self) -> None:
        self._db.commit()

    def _index(self) -> None:
        # Built once, when reading starts: cheaper than keeping it up to date while writing.
        if not self._indexed:
            self._db.execute("CREATE INDEX line_key ON line (key, id)")
            self._indexed = True

    def keys(self) -> list[int]:
        self._index()
        return [row[0] for row in self._db.execute("SELECT DISTINCT key FROM line ORDER BY key")]

    def count(self, key: int) -> int:
        self._index()
        return self._db.execute("SELECT COUNT(*) FROM line WHERE key = ?", (key,)).fetchone()[0]

    def lines(self, key: int) -> Iterator[BillingLine]:
        """The lines of ``key`` in export order, read in small batches."""
        for line, _fingerprint in self.entries(key):
            yield line

    def entries(self, key: int) -> Iterator[tuple[BillingLine, str]]:
        """(line, fingerprint) of the lines of ``key`` in export order, read in small batches."""
        self._index()
        cursor = self._db.execute("SELECT payload, fingerprint FROM line WHERE key = ? ORDER BY id", (key,))
        while batch := cursor.fetchmany(SPOOL_FETCH_SIZE):
            for payload, fingerprint in batch:
                yield line_decode(payload), fingerprint
