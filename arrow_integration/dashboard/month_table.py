"""The month page's table of customers: which report rows it shows, in which order, and its header links.

The rows are the month-close report's (`selectors.month_close`) as they are; this module only
narrows them (settings, status, rows with lines of a variance class), orders them by one
column, ascending or descending (``sort=difference`` / ``sort=-difference``), and gives each
the link to its drill-down. No queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from arrow_client.periods import Period
from arrow_integration.selectors.month_close import MONTH_STATUSES, MonthCloseRow
from arrow_integration.selectors.month_close_summary import OPEN_CLASSES

DESCENDING = "-"


def open_lines(row: MonthCloseRow) -> int:
    """The row's lines whose class is a difference to act on."""
    return sum(row.counts[name] for name in OPEN_CLASSES)


# Sortable columns: (title, key, numeric). Ties keep the report's order (settings, Arrow reference).
COLUMNS: dict[str, tuple[str, Callable[[MonthCloseRow], object], bool]] = {
    "customer": ("Arrow customer", lambda row: row.arrow_customer_reference.casefold(), False),
    "local_customer": ("Local customer", lambda row: (row.customer_name is None, (row.customer_name or "").casefold()),
                       False),
    "status": ("Status", lambda row: MONTH_STATUSES.index(row.status), False),
    "arrow_total": ("Arrow's total", lambda row: row.arrow_total, True),
    "arrow_in_scope": ("In scope", lambda row: row.arrow_in_scope, True),
    "invoiced": ("Invoiced", lambda row: row.invoiced, True),
    "compensated": ("Compensated", lambda row: row.compensated, True),
    "difference": ("Difference", lambda row: row.difference, True),
    "margin": ("Margin", lambda row: row.margin, True),
    "open_lines": ("Open lines", open_lines, True),
}
DEFAULT_SORT = "customer"
SORT_CHOICES = [name for column in COLUMNS for name in (column, DESCENDING + column)]


def rows_filtered(rows: list[MonthCloseRow], *, settings_uuid: str = "", status: str = "",
                  variance_class: str = "") -> list[MonthCloseRow]:
    """The rows of these settings, with this status, holding lines of this class (blank: any)."""
    return [
        row for row in rows
        if (not settings_uuid or str(row.settings_uuid) == settings_uuid)
        and (not status or row.status == status)
        and (not variance_class or row.counts[variance_class] > 0)
    ]


def rows_sorted(rows: list[MonthCloseRow], sort: str) -> list[MonthCloseRow]:
    """``rows`` ordered by ``sort`` (a column name, "-" first for descending)."""
    column = sort.removeprefix(DESCENDING) or DEFAULT_SORT
    _title, key, _numeric = COLUMNS.get(column, COLUMNS[DEFAULT_SORT])
    return sorted(rows, key=key, reverse=sort.startswith(DESCENDING))


@dataclass(frozen=True)
class HeaderLink:
    """A column header: its title, the sort its link asks for, and `aria-sort` when it sorts now."""

    column: str
    title: str
    numeric: bool
    sort: str
    aria_sort: str | None


def header_links(sort: str) -> dict[str, HeaderLink]:
    """The header of every sortable column: a link to sort by it, the other way round when it sorts now."""
    current = sort or DEFAULT_SORT
    links = {}
    for column, (title, _key, numeric) in COLUMNS.items():
        if current == column:
            links[column] = HeaderLink(column, title, numeric, DESCENDING + column, "ascending")
        elif current == DESCENDING + column:
            links[column] = HeaderLink(column, title, numeric, column, "descending")
        else:
            links[column] = HeaderLink(column, title, numeric, column, None)
    return links


@dataclass(frozen=True)
class TableRow:
    """A report row as the table shows it."""

    row: MonthCloseRow
    settings_label: str
    open_lines: int
    drilldown_url: str


def drilldown_url(period: Period, row: MonthCloseRow) -> str:
    """The drill-down page of ``row``'s customer."""
    query = urlencode({"settings": str(row.settings_uuid or ""), "arrow_customer": row.arrow_customer_reference})
    return f"{reverse('dashboard:month_customer', kwargs={'month': str(period)})}?{query}"


def table_rows(rows: list[MonthCloseRow], period: Period, settings_by_uuid: dict) -> list[TableRow]:
    """``rows`` with what the table shows beside their figures."""
    shown = []
    for row in rows:
        settings = settings_by_uuid.get(row.settings_uuid)
        label = (settings.partner_name or settings.api_url) if settings else "—"
        shown.append(TableRow(row, label, open_lines(row), drilldown_url(period, row)))
    return shown
