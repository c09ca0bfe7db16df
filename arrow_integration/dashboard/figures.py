"""The month-close figures the pages show, read through the month-close selectors and kept while
the database is unchanged.

A month's report reads every line of the month, which takes seconds for a 100 000-line month;
the overview shows twelve months. The pages therefore keep what the selectors answered in
Django's cache under the database's state token (`selectors.database_state`): the same token
means nothing was committed since, so the kept answer is what the selectors would answer again.
Any commit (an import, a reconciliation, a mapping saved) changes the token and the next page
computes afresh. An answer is kept only when the token did not change while it was computed.
Without a token (SQLite, or inside a transaction block) every page computes afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

from arrow_client.periods import Period
from arrow_integration.selectors.database_state import database_state_token
from arrow_integration.selectors.month_close import MonthCloseRow, month_close_line_stream, month_close_report
from arrow_integration.selectors.month_close_lines import LineFilters, MonthCloseLine
from arrow_integration.selectors.month_close_summary import MonthSummary, month_close_summary

CACHE_PREFIX = "dashboard:month-close"
# Kept answers become unreachable as soon as the database changes; this only bounds their age.
CACHE_SECONDS = 3600

T = TypeVar("T")


def _cache_key(token: str, what: tuple) -> str:
    digest = hashlib.sha256(repr((token, what)).encode()).hexdigest()
    return f"{CACHE_PREFIX}:{digest}"


def kept_while_unchanged(what: tuple, compute: Callable[[], T]) -> T:
    """``compute()``'s answer, kept for ``what`` while the database's state is unchanged."""
    token = database_state_token()
    if token is None:
        return compute()
    key = _cache_key(token, what)
    found = cache.get(key)
    if found is not None:
        return found
    answer = compute()
    if database_state_token() == token:
        cache.set(key, answer, CACHE_SECONDS)
    return answer


def month_summary(period: Period) -> MonthSummary:
    """The month-close report of ``period`` and its totals (`month_close_summary`)."""
    return kept_while_unchanged(("summary", str(period)), lambda: month_close_summary(period))


def month_summaries(*, last: Period, months: int) -> list[MonthSummary]:
    """The summaries of the ``months`` months up to ``last``, oldest first."""
    return [month_summary(period) for period in Period.range(last.shift(1 - months), last)]


def customer_lines(period: Period, filters: LineFilters) -> list[MonthCloseLine]:
    """The report's lines of ``period`` that match ``filters`` (one customer's, for the drill-down)."""
    what = ("lines", str(period), repr(filters))
    return kept_while_unchanged(what, lambda: list(month_close_line_stream(period, filters)))


def customer_rows(period: Period, filters: LineFilters) -> list[MonthCloseRow]:
    """The report's rows of ``period`` that match ``filters`` (one customer's, for the drill-down),
    computed from that customer's lines rather than from the whole month."""
    return kept_while_unchanged(("rows", str(period), repr(filters)), lambda: month_close_report(period, filters))
