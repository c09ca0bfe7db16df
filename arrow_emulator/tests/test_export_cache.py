"""The opt-in cache of rendered export pages (``--export-cache-mb``), against real emulator processes.

Each test compares an emulator with the cache on to one with it off, started with the same seed and
"today" and given the same control calls: their export answers must be byte-identical, whatever
was cached before a change of the data, and faults, auth and counters must not notice the cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable

import httpx
import pytest

from arrow_emulator.testing import EmulatorControl, EmulatorProcess

from .conftest import TODAY

CACHE_MB = 64
MEBIBYTE = 1024 * 1024
SYNC = "billing/erp/exports/sync"
PERIOD = "2025-02"
CURRENT = "2025-03"  # the month of TODAY: its usage grows with "today"
# With 500 rows a page is about 420 KB: two fit in 1 MiB, three do not; 1500 rows exceed 1 MiB.
SMALL_PAGE_ROWS = 500
LARGE_PAGE_ROWS = 1500
SCALED_LINES = 3000
MONTH_LINES = 20_000
MONTH_CACHE_MB = 32


@pytest.fixture(scope="module")
def cached_process():
    with EmulatorProcess(seed="demo", today=TODAY, export_cache_mb=CACHE_MB) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def plain_process():
    with EmulatorProcess(seed="demo", today=TODAY) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def tiny_process():
    with EmulatorProcess(seed="demo", today=TODAY, export_cache_mb=1) as emulator:
        yield emulator


@pytest.fixture
def cached(cached_process):
    cached_process.control.reset()
    return cached_process


@pytest.fixture
def plain(plain_process):
    plain_process.control.reset()
    return plain_process


def read_page(emulator: EmulatorProcess, period_from: str = PERIOD, period_to: str | None = None, *,
              page: int = 1, export_type: str = "MSP_EXTENDED", api_key: str | None = None,
              date_format: str | None = None, query_page: int | None = None, **filters: object) -> httpx.Response:
    """One export page; ``page`` goes in the body, ``query_page`` in the query string (as the PHP SDK
    sends it), ``date_format`` in ``outputFormat``."""
    body = {"exportTypeReference": export_type, "page": page,
            "filters": {"reportPeriod": {"from": period_from, "to": period_to or period_from}, **filters}}
    if date_format is not None:
        body["outputFormat"] = {"date": date_format}
    params = {} if query_page is None else {"page": query_page}
    if query_page is not None:
        del body["page"]
    headers = {"apiKey": emulator.api_key if api_key is None else api_key}
    return httpx.post(emulator.base_url + SYNC, params=params, json=body, headers=headers, timeout=30)


def answer(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    """Status, headers (but the clock's ``date``) and body bytes: what must not depend on the cache."""
    headers = {name: value for name, value in response.headers.items() if name != "date"}
    return response.status_code, headers, response.content


def cache_stats(emulator: EmulatorProcess) -> dict[str, int]:
    return emulator.control.health()["export_cache"]


def rows_by_sequence(response: httpx.Response) -> dict[str, dict[str, str | None]]:
    data = response.json()["data"]
    rows = [dict(zip(data["headers"], row, strict=True)) for row in data["values"]]
    return {row["Sequence"]: row for row in rows}


REQUESTS = [
    {},
    {"period_to": CURRENT},
    {"export_type": "LIGHT"},
    {"classifications": ["saas"]},
    {"customerXspRefs": ["XSP100001", "XSP100002"]},
    {"customerXspRefs": ["XSP100002", "XSP100001"]},  # the same filter: served from the entry above
    {"customerXspRefs": ["XSP100001"], "classifications": ["IAAS"]},
    {"page": 2},
    {"query_page": 2},  # the same page asked for in the query string: served from the entry above
    {"period_from": "2023-01"},  # before the data window: headers only
    {"vendors": ["Amazon Web Services"]},
    {"programs": ["MSCSP"], "customerXspRefs": ["XSP100003"]},
    {"arrowSku": "DZH318Z0BPS6:0001"},
    {"friendlyNames": ["Tartu HPC Research"]},
    {"vendorSubscriptionIds": ["0B7E00B3-9D99-CF78-F3F8-BFC0A60002A3"]},
    {"date_format": "DD-MM-YYYY"},
    {"date_format": "DD/MM/YYYY"},
    {"date_format": "MM/DD/YYYY"},  # the default, asked for: served from the entry of the first request
]
DISTINCT_REQUESTS = len(REQUESTS) - 3


def test_repeated_reads_are_byte_identical_to_an_emulator_without_cache(cached, plain):
    for request in REQUESTS:
        first, second = read_page(cached, **request), read_page(cached, **request)
        uncached = read_page(plain, **request)
        assert first.status_code == 200, request
        assert answer(first) == answer(second) == answer(uncached), request
    stats = cache_stats(cached)
    assert stats["pages"] == stats["misses"] == DISTINCT_REQUESTS
    assert stats["hits"] == 2 * len(REQUESTS) - DISTINCT_REQUESTS
    assert 0 < stats["bytes"] <= CACHE_MB * MEBIBYTE


def test_sequences_filter_and_date_formats_are_cache_keys(cached, plain):
    sequence = cached.control.lines(PERIOD)[0]["Sequence"]
    for request in ({"sequences": [sequence]}, {"sequences": [sequence], "date_format": "DD/MM/YYYY"}):
        first, second = read_page(cached, **request), read_page(cached, **request)
        assert answer(first) == answer(second) == answer(read_page(plain, **request)), request
        assert list(rows_by_sequence(first)) == [sequence]
    dashed = rows_by_sequence(read_page(cached, sequences=[sequence], date_format="DD-MM-YYYY"))[sequence]
    assert dashed["Bill From"].count("-") == 2
    assert cache_stats(cached)["pages"] == 3


def test_cache_is_off_by_default(plain):
    read_page(plain)
    read_page(plain)
    health = plain.control.health()
    assert health["export_cache_mb"] == 0
    assert health["export_cache"] == {"max_bytes": 0, "pages": 0, "bytes": 0, "hits": 0, "misses": 0}


def _set_price(control: EmulatorControl, sequence: str, license_ref: str) -> None:
    control.set_line_price(sequence, sell="1234.56789", buy="1000.00001")


def _add_line(control: EmulatorControl, sequence: str, license_ref: str) -> None:
    control.add_line(period=PERIOD, license=license_ref, sell="77.77", buy="55.55")


def _remove_line(control: EmulatorControl, sequence: str, license_ref: str) -> None:
    control.remove_line(sequence)


def _set_today(control: EmulatorControl, sequence: str, license_ref: str) -> None:
    control.set_today(TODAY + dt.timedelta(days=10))


def _reset_with_more_lines(control: EmulatorControl, sequence: str, license_ref: str) -> None:
    control.reset(scale_lines=1500)


MUTATIONS: dict[str, Callable[[EmulatorControl, str, str], None]] = {
    "set price": _set_price, "add line": _add_line, "remove line": _remove_line, "set today": _set_today,
    "reset with other options": _reset_with_more_lines,
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_change_of_the_data_shows_in_the_next_read(cached, plain, mutation):
    line = cached.control.lines(PERIOD)[0]
    sequence, license_ref = line["Sequence"], line["ARS Subscription ID"]
    before = read_page(cached, PERIOD, CURRENT)
    assert answer(read_page(cached, PERIOD, CURRENT)) == answer(before)
    assert cache_stats(cached)["hits"] == 1

    for emulator in (cached, plain):
        MUTATIONS[mutation](emulator.control, sequence, license_ref)
    after = read_page(cached, PERIOD, CURRENT)

    assert after.content != before.content
    assert answer(after) == answer(read_page(plain, PERIOD, CURRENT))
    assert answer(read_page(cached, PERIOD, CURRENT)) == answer(after)


def test_each_change_is_the_one_the_page_shows(cached):
    line = cached.control.lines(PERIOD)[0]
    sequence, license_ref = line["Sequence"], line["ARS Subscription ID"]
    read_page(cached)

    _set_price(cached.control, sequence, license_ref)
    assert rows_by_sequence(read_page(cached))[sequence]["Customer Total Price"] == "1234.56789"
    added = cached.control.add_line(period=PERIOD, license=license_ref, sell="77.77", buy="55.55")["Sequence"]
    assert rows_by_sequence(read_page(cached))[added]["Customer Total Price"] == "77.77"
    cached.control.remove_line(added)
    assert added not in rows_by_sequence(read_page(cached))
    _remove_line(cached.control, sequence, license_ref)
    assert sequence not in rows_by_sequence(read_page(cached))


def test_moving_today_fills_the_validation_date(cached):
    cached.control.set_today("2025-03-02")
    sequence = cached.control.lines(PERIOD)[0]["Sequence"]
    assert rows_by_sequence(read_page(cached))[sequence]["Validation Date"] == ""
    cached.control.set_today(TODAY)
    assert rows_by_sequence(read_page(cached))[sequence]["Validation Date"] == "03/05/2025"


def test_reset_brings_back_the_seeded_page(cached, plain):
    seeded = read_page(cached)
    sequence = cached.control.lines(PERIOD)[0]["Sequence"]
    cached.control.set_line_price(sequence, sell="1", buy="1")
    changed = read_page(cached)
    assert answer(read_page(cached)) == answer(changed) != answer(seeded)

    cached.control.reset()
    assert answer(read_page(cached)) == answer(seeded) == answer(read_page(plain))
    stats = cache_stats(cached)
    assert (stats["pages"], stats["hits"], stats["misses"]) == (1, 0, 1)


def test_a_consumption_override_does_not_change_the_export(cached, plain):
    line = cached.control.lines(PERIOD)[0]
    read_page(cached)
    for emulator in (cached, plain):
        emulator.control.set_consumption(line["ARS Subscription ID"], PERIOD, sell="9999", buy="8888")
    assert answer(read_page(cached)) == answer(read_page(plain))
    assert cache_stats(cached)["hits"] == 1


def test_control_reset_keeps_the_startup_cache_setting(cached):
    health = cached.control.reset(scale_lines=10, export_page_size=7)
    assert health["export_cache_mb"] == CACHE_MB
    assert health["export_cache"]["max_bytes"] == CACHE_MB * MEBIBYTE
    read_page(cached)
    read_page(cached)
    assert cache_stats(cached)["hits"] == 1


def test_the_least_recently_used_page_leaves_a_full_cache(tiny_process, plain):
    tiny_process.control.reset(scale_lines=SCALED_LINES, export_page_size=SMALL_PAGE_ROWS)
    plain.control.reset(scale_lines=SCALED_LINES, export_page_size=SMALL_PAGE_ROWS)
    expected = {page: answer(read_page(plain, page=page)) for page in (1, 2, 3)}

    for page, hit in ((1, False), (2, False), (1, True), (3, False), (1, True), (2, False)):
        before = cache_stats(tiny_process)
        assert answer(read_page(tiny_process, page=page)) == expected[page]
        after = cache_stats(tiny_process)
        assert after["hits"] - before["hits"] == int(hit), (page, hit)
        assert after["bytes"] <= MEBIBYTE and after["pages"] <= 2
    assert cache_stats(tiny_process)["pages"] == 2


def test_a_page_larger_than_the_budget_is_served_but_not_kept(tiny_process, plain):
    tiny_process.control.reset(scale_lines=SCALED_LINES, export_page_size=LARGE_PAGE_ROWS)
    plain.control.reset(scale_lines=SCALED_LINES, export_page_size=LARGE_PAGE_ROWS)
    expected = answer(read_page(plain))
    assert len(expected[2]) > MEBIBYTE

    assert answer(read_page(tiny_process)) == answer(read_page(tiny_process)) == expected
    assert cache_stats(tiny_process) == {"max_bytes": MEBIBYTE, "pages": 0, "bytes": 0, "hits": 0, "misses": 2}


def test_faults_and_auth_apply_to_cached_pages(cached, plain):
    read_page(cached)
    read_page(cached)
    read_page(plain)
    read_page(plain)
    faults = [{"status": 429, "retry_after": 7}, {"status": 500}, {"malformed": True},
              {"status": 503, "malformed": True}]
    for fault in faults:
        for emulator in (cached, plain):
            emulator.control.inject_fault(SYNC, count=1, **fault)
        faulted = read_page(cached)
        assert faulted.status_code == fault.get("status", 200), fault
        assert answer(faulted) == answer(read_page(plain)), fault
        recovered = read_page(cached)
        assert recovered.status_code == 200 and "retry-after" not in recovered.headers, fault
        assert answer(recovered) == answer(read_page(plain)), fault

    unauthorised = read_page(cached, api_key="wrong")
    assert unauthorised.status_code == 401
    assert answer(unauthorised) == answer(read_page(plain, api_key="wrong"))

    assert cached.control.counters() == plain.control.counters() == {SYNC: 2 + 2 * len(faults) + 1}


def test_an_injected_delay_delays_a_cached_page(cached, plain):
    expected = answer(read_page(plain))
    read_page(cached)
    cached.control.inject_fault(SYNC, latency=0.3, count=1)
    started = time.monotonic()
    delayed = read_page(cached)
    assert time.monotonic() - started >= 0.3
    assert answer(delayed) == expected
    assert cache_stats(cached)["hits"] == 1


def test_health_matches_an_emulator_without_cache_but_for_the_cache_figures(cached, plain):
    for emulator in (cached, plain):
        read_page(emulator)
        read_page(emulator)
    unrelated = {"export_cache_mb", "export_cache", "rss_kb", "max_rss_kb"}

    def comparable(health: dict) -> dict:
        return {key: value for key, value in health.items() if key not in unrelated}

    assert comparable(cached.control.health()) == comparable(plain.control.health())


def test_a_whole_month_read_again_comes_from_the_cache():
    """Every page of a 20 000-line month, read twice: the second pass is all cache hits, byte for
    byte the first (the time it saves is measured by bench/billing_import.py)."""
    pages = MONTH_LINES // 1000
    process = EmulatorProcess(seed="demo", today=TODAY, scale_lines=MONTH_LINES, export_cache_mb=MONTH_CACHE_MB)
    with process as emulator, httpx.Client(base_url=emulator.base_url, headers={"apiKey": emulator.api_key},
                                           timeout=60) as http:
        cold = _read_pages(http, pages)
        warm = _read_pages(http, pages)
        beyond = _export_page(http, pages + 1).json()
        stats = emulator.control.health()["export_cache"]
    assert beyond["pagination"]["total"] == MONTH_LINES and beyond["data"]["values"] == []
    assert warm == cold
    assert stats["misses"] == pages + 1 and stats["hits"] == pages and stats["pages"] == pages + 1


def _export_page(http: httpx.Client, page: int) -> httpx.Response:
    return http.post(SYNC, json={"exportTypeReference": "MSP_EXTENDED", "page": page,
                                 "filters": {"reportPeriod": {"from": PERIOD, "to": PERIOD}}})


def _read_pages(http: httpx.Client, pages: int) -> list[str]:
    """Digests of pages 1..``pages`` of PERIOD."""
    digests = []
    for page in range(1, pages + 1):
        response = _export_page(http, page)
        assert response.status_code == 200
        digests.append(hashlib.sha256(response.content).hexdigest())
    return digests


def test_a_month_larger_than_the_cache_is_served_with_the_memory_of_the_cache():
    """A ten-million-line month: any page is generated on its own (the month is never held whole),
    and a cache smaller than the month keeps to its budget while the pages go through it."""
    huge, budget_mb, read = 10_000_000, 2, 12
    process = EmulatorProcess(seed="demo", today=TODAY, scale_lines=huge, export_cache_mb=budget_mb)
    with process as emulator, httpx.Client(base_url=emulator.base_url, headers={"apiKey": emulator.api_key},
                                           timeout=60) as http:
        started_kb = emulator.control.health()["max_rss_kb"]
        last = _export_page(http, huge // 1000).json()
        digests = _read_pages(http, read)
        health = emulator.control.health()
    assert last["pagination"]["total"] == huge and len(last["data"]["values"]) == 1000
    assert len(set(digests)) == read
    assert 0 < health["export_cache"]["bytes"] <= budget_mb * MEBIBYTE
    # Memory grows by the cache and a page or two being rendered, not by the month (gigabytes).
    assert health["max_rss_kb"] - started_kb < 64 * 1024
