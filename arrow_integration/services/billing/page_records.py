"""Whole export pages recognised as unchanged, without digesting their rows one by one.

An import records every page whose rows all went to a mapping (`ArrowBillingExportPage`): a
digest of the page (of its bytes as Arrow sent them) and of the grouping context (the settings'
fingerprint context, the active mappings), and what grouping derived from each row: mapping
id, line reference, fingerprint, license reference. That derivation depends on nothing else,
so when the next import reads a page with the same digest it takes the rows from the record.
Each row is still checked against `KnownLines` (what the database holds now): a record saves
reading and digesting rows, never a comparison with the stored items.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Iterable
from typing import NamedTuple

from django.db import transaction

from arrow_client import BillingExportTable, Period
from arrow_integration.models import ArrowBillingExportPage
from arrow_integration.services.billing.fingerprints import FINGERPRINT_BYTES, MARSHAL_VERSION, settings_context


class RowRecord(NamedTuple):
    """What grouping derived from one row of a page (stored as a JSON list in this order)."""

    mapping_id: int
    line_reference: str
    fingerprint: str
    license_reference: str | None


def page_context(*, settings, mappings: Iterable) -> bytes:
    """What, besides a page's content, decides how its rows are grouped and fingerprinted."""
    signature = sorted(
        (mapping.pk, str(mapping.arrow_reference), str(mapping.arrow_company_name or "")) for mapping in mappings
    )
    return marshal.dumps((*settings_context(settings), signature), MARSHAL_VERSION)


def page_digest(context: bytes, table: BillingExportTable) -> str | None:
    """Digest of a page in ``context``, from the digest of its bytes (None when the client gave none)."""
    if table.digest is None:
        return None
    content = marshal.dumps((table.digest, table.default_period is None), MARSHAL_VERSION)
    return hashlib.blake2b(context + content, digest_size=FINGERPRINT_BYTES).hexdigest()


class PageRecords:
    """The recorded pages of one settings row and month, by page number."""

    def __init__(self, pages: dict[int, tuple[str, list[RowRecord]]]) -> None:
        self._pages = pages

    @classmethod
    def load(cls, *, settings, period: Period) -> PageRecords:
        rows = ArrowBillingExportPage.objects.filter(settings=settings, report_period=period.first_day)
        return cls({number: (digest, list(map(RowRecord._make, json.loads(lines))))
                    for number, digest, lines in rows.values_list("number", "digest", "lines")})

    def digests(self) -> dict[int, str]:
        return {number: digest for number, (digest, _rows) in self._pages.items()}

    def rows_of(self, number: int, digest: str | None) -> list[RowRecord] | None:
        """The recorded rows of page ``number`` when it had ``digest``, else None."""
        found = self._pages.get(number)
        if digest is None or found is None or found[0] != digest:
            return None
        return found[1]


def page_records_replace(*, settings, period: Period, pages: dict[int, tuple[str, list[RowRecord]]],
                         recorded: dict[int, str]) -> None:
    """Make ``pages`` (number → digest, rows) the month's records; ``recorded`` (number →
    digest) are those the import started with: pages recorded with the same digest stay as they are."""
    kept = [number for number, (digest, _rows) in pages.items() if recorded.get(number) == digest]
    if len(kept) == len(pages) == len(recorded):
        return
    with transaction.atomic():
        ArrowBillingExportPage.objects.filter(settings=settings, report_period=period.first_day).exclude(
            number__in=kept).delete()
        ArrowBillingExportPage.objects.bulk_create([
            ArrowBillingExportPage(settings=settings, report_period=period.first_day, number=number, digest=digest,
                                   lines=json.dumps(rows, separators=(",", ":")))
            for number, (digest, rows) in sorted(pages.items()) if number not in kept
        ], batch_size=20)
