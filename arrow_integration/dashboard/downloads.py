"""Downloads offered by the dashboard: the API's CSV of every table, and the FOCUS export.

Nothing is rendered here: each download is a link to an endpoint of `/api/admin/arrow/`
(`?format=csv` on a list, or `focus-export/`), which a signed-in staff user may call with the
dashboard's session (the API accepts session authentication for safe methods). The links carry
the page's filters where the endpoint has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from arrow_client.periods import Period

CSV = {"format": "csv"}


@dataclass(frozen=True)
class Download:
    title: str
    url: str
    description: str


def _url(name: str, params: dict) -> str:
    return f"{reverse(name)}?{urlencode({key: value for key, value in params.items() if value})}"


def month_downloads(period: Period, *, settings_uuid: str = "", status: str = "",
                    variance_class: str = "") -> list[Download]:
    """The month page's downloads (filters as on the page where the endpoint has them)."""
    month = str(period)
    report_filters = {"period": month, "settings_uuid": settings_uuid, "status": status}
    return [
        Download("Month-close report", _url("arrow-month-close-list", {**report_filters, **CSV}),
                 "One row per settings and Arrow customer, as in the table below (settings and status filters)."),
        Download("Month-close lines", _url("arrow-month-close-line-list",
                                           {**report_filters, "variance_class": variance_class, **CSV}),
                 "Every Arrow line of the month with its class and the invoice items behind it."),
        Download("Statement lines", _url("arrow-billing-sync-item-list", {"report_period": month, **CSV}),
                 "The billing syncs' items of the month (one per imported Arrow line)."),
        Download("Consumption records", _url("arrow-consumption-record-list", {"billing_period": month, **CSV}),
                 "The license-months charged by consumption tracking."),
        Download("Runs of the month", _url("arrow-sync-run-list", {"period": month, **CSV}),
                 "Every background run of the month, with its outcome."),
        Download("FOCUS export", _url("arrow-focus-export", {"period": month, "settings_uuid": settings_uuid}),
                 "The Arrow-sourced charges on the invoices of this month, in FOCUS 1.0 columns."),
    ]


def customer_lines_download(period: Period, *, settings_uuid: str, arrow_customer: str) -> str:
    """The month-close lines of one customer, as CSV."""
    return _url("arrow-month-close-line-list", {"period": str(period), "settings_uuid": settings_uuid,
                                                "arrow_customer_reference": arrow_customer, **CSV})


def runs_download(*, kind: str = "", state: str = "", period: Period | None = None) -> str:
    """The runs list (with the runs page's filters), as CSV."""
    return _url("arrow-sync-run-list", {"kind": kind, "state": state, "period": str(period) if period else "", **CSV})
