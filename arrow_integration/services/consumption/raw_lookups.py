"""Raw look-ups at Arrow for operators: a license's consumption, the billing export, a license.

Each call goes through the client of the active settings and returns Arrow's data as JSON
objects keyed by Arrow's own column titles or keys (decimals as strings), without writing
anything. The billing export is cut at MAX_EXPORT_ROWS rows (`truncated` says so); for a CSV
download `billing_export_rows_stream` yields all of it, a page at a time. No active
settings raises `NoActiveSettings`; Arrow failures propagate (`ArrowError`: the API's 400).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

from arrow_client import Period
from arrow_integration.clients import arrow_client_for
from arrow_integration.errors import ArrowRequestFailed
from arrow_integration.selectors.configuration import arrow_settings_get
from arrow_integration.services.runs.records import json_safe

MAX_EXPORT_ROWS = 1000


def consumption_fetch_raw(*, license_reference: str, period: Period) -> dict:
    """The consumption lines of a license for one month, as Arrow sent them."""
    settings = arrow_settings_get()
    with arrow_client_for(settings) as client:
        lines = client.consumption(license_reference, period)
    data = [json_safe(line.raw) for line in lines]
    return {"license_reference": license_reference, "period": str(period), "row_count": len(data), "data": data}


def _export_type_reference(settings, client) -> str:
    if settings.export_type_reference:
        return settings.export_type_reference
    export_types = client.export_types()
    if not export_types:
        raise ArrowRequestFailed("Arrow offers no billing export type.")
    return export_types[0].reference


def billing_export_fetch_raw(*, period_from: Period, period_to: Period, classification: str | None = None) -> dict:
    """Billing export rows keyed by column title, at most MAX_EXPORT_ROWS of them.

    `classification` None means the settings' classification filter; "" means no filter.
    """
    settings = arrow_settings_get()
    classification = (settings.classification_filter if classification is None else classification).strip()
    rows: list[dict] = []
    total = 0
    with arrow_client_for(settings) as client:
        pages = client.iter_billing_export(
            _export_type_reference(settings, client), period_from, period_to,
            classifications=[classification] if classification else None,
        )
        for page in pages:
            total = max(total, page.total)
            rows.extend(page.rows[: MAX_EXPORT_ROWS - len(rows)])
            if len(rows) >= MAX_EXPORT_ROWS:
                break
    return {
        "period_from": str(period_from),
        "period_to": str(period_to),
        "classification": classification,
        "row_count": len(rows),
        "total_rows": max(total, len(rows)),
        "truncated": total > len(rows),
        "data": json_safe(rows),
    }


@dataclass
class ExportRows:
    """The column titles of a billing export and its rows (lists of cells), read while iterated."""

    headers: list[str]
    rows: Iterator[list[str]]


def billing_export_rows_stream(*, period_from: Period, period_to: Period,
                               classification: str | None = None) -> ExportRows:
    """Every row of the billing export (filters as `billing_export_fetch_raw`), page by page.

    The first page is read before returning, so that Arrow refusing the call raises here; the
    client stays open until the rows are exhausted (or the iterator is closed).
    """
    settings = arrow_settings_get()
    classification = (settings.classification_filter if classification is None else classification).strip()
    stack = ExitStack()
    try:
        client = stack.enter_context(arrow_client_for(settings))
        pages = client.iter_billing_export(
            _export_type_reference(settings, client), period_from, period_to,
            classifications=[classification] if classification else None,
        )
        first = next(pages, None)
    except BaseException:
        stack.close()
        raise
    headers = list(first.headers) if first is not None else []

    def rows() -> Iterator[list[str]]:
        with stack:
            page = first
            while page is not None:
                for row in page.rows:
                    yield [json_safe(row.get(title)) for title in headers]
                page = next(pages, None)

    return ExportRows(headers=headers, rows=rows())


def license_info_fetch_raw(*, license_reference: str) -> dict:
    """A license's details as Arrow sent them."""
    settings = arrow_settings_get()
    with arrow_client_for(settings) as client:
        license_ = client.get_license(license_reference)
    return {"data": json_safe(license_.raw)}
