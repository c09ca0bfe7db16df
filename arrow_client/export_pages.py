"""Walking the pages of a billing export in order, optionally with the next pages fetched ahead.

`export_pages` yields the pages a ``fetch(number)`` function returns, from page 1 to the last,
sequentially or with up to ``read_ahead`` following pages requested (and parsed) in helper
threads while the caller works on the current one; same pages, order, errors and page bound
either way. Used by `ArrowClient`; no HTTP here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from arrow_client.types import BillingExportPage, BillingExportTable

P = TypeVar("P", BillingExportPage, BillingExportTable)


def is_last_export_page(page: BillingExportPage | BillingExportTable) -> bool:
    """The page ends the export: Arrow says it is the last, or it holds no row."""
    if isinstance(page, BillingExportTable):
        return page.is_last or not page.values
    return page.page >= page.total_pages or not page.rows and not page.errors


def export_pages(fetch: Callable[[int], P], *, read_ahead: int, next_page: Callable[[int], int],
                 max_pages: int) -> Iterator[P]:
    """Pages 1, 2, … of an export until the last one. ``next_page(number)`` gives the number after
    ``number`` (raising when the export runs past its bound, ``max_pages``)."""
    if read_ahead > 0:
        yield from _read_ahead(fetch, read_ahead, next_page, max_pages)
        return
    page_number = 1
    while True:
        page = fetch(page_number)
        yield page
        if is_last_export_page(page):
            return
        page_number = next_page(page_number)


def _read_ahead(fetch: Callable[[int], P], depth: int, next_page: Callable[[int], int],
                max_pages: int) -> Iterator[P]:
    """Pages in order while up to ``depth`` following pages are requested and parsed in threads.

    Same pages, order, errors and page bound as the sequential loop; a failing page raises
    where it would have been yielded (pages requested beyond it are discarded).
    """
    page = fetch(1)
    number = requested = 1
    with ThreadPoolExecutor(max_workers=depth, thread_name_prefix="arrow-export") as pool:
        pending: deque[Future] = deque()  # pages number + 1 … requested, in order
        try:
            while True:
                yield page
                if is_last_export_page(page):
                    return
                number = next_page(number)
                while requested < number or (len(pending) < depth and requested < min(page.total_pages, max_pages)):
                    requested += 1
                    pending.append(pool.submit(fetch, requested))
                page = pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
