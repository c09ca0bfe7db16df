"""Faults, timeouts, retries and the scale knob against the real emulator process."""

import concurrent.futures
import time

import httpx
import pytest

from arrow_client import UNREACHABLE_MESSAGE, ArrowBadResponse, ArrowClient, ArrowUnavailable, Period

from .conftest import FAST_RETRY

EXPORT = "billing/erp/exports/sync"
JANUARY = Period(2025, 1)
MAX_EMULATOR_RSS = 250 * 1024 * 1024


def test_export_succeeds_after_two_429_with_retry_after(client, emulator):
    emulator.control.inject_fault(EXPORT, status=429, count=2, retry_after=1)
    started = time.monotonic()
    pages = list(client.iter_billing_export("MSP_EXTENDED", JANUARY, JANUARY))
    assert pages[0].lines
    assert time.monotonic() - started >= 2.0
    assert emulator.control.counters()[EXPORT] == 3


def test_permanent_500_gives_unavailable_after_the_retries(emulator):
    emulator.control.inject_fault(EXPORT, status=500)
    with ArrowClient(emulator.base_url, emulator.api_key, **{**FAST_RETRY, "max_retries": 3}) as client:
        with pytest.raises(ArrowUnavailable) as caught:
            client.billing_export_headers("MSP_EXTENDED", JANUARY)
    assert caught.value.status == 500 and caught.value.attempts == 4
    assert emulator.control.counters()[EXPORT] == 4


def test_hung_call_times_out_quickly(emulator):
    emulator.control.inject_fault("consumption/monthly/license", latency=10)
    started = time.monotonic()
    with ArrowClient(emulator.base_url, emulator.api_key, timeout=0.3, max_retries=1, backoff=0.05) as client:
        with pytest.raises(ArrowUnavailable, match=UNREACHABLE_MESSAGE):
            client.consumption("XSP5000101", JANUARY)
    assert time.monotonic() - started < 3


def test_latency_of_one_call_does_not_block_others(client, emulator):
    emulator.control.inject_fault("consumption/monthly/license", latency=1.5, count=1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        slow = pool.submit(client.consumption, "XSP5000101", JANUARY)
        time.sleep(0.2)
        started = time.monotonic()
        assert client.whoami().reference == "XSP100000"
        assert time.monotonic() - started < 0.5
        assert slow.result()


def test_malformed_body_is_a_bad_response(client, emulator):
    emulator.control.inject_fault("customers", malformed=True, count=1)
    with pytest.raises(ArrowBadResponse):
        list(client.iter_customers())
    assert emulator.control.counters()["customers"] == 1


def test_probabilistic_faults_are_absorbed_by_retries(emulator):
    emulator.control.inject_fault("licenses/{ref}", status=503, probability=0.3)
    with ArrowClient(emulator.base_url, emulator.api_key, **{**FAST_RETRY, "max_retries": 8}) as client:
        assert all(client.get_license("XSP5000101").license_id == "XSP5000101" for _ in range(10))
    assert emulator.control.counters()["licenses/{ref}"] > 10


def test_connection_refused_gives_unavailable():
    with ArrowClient("http://127.0.0.1:9/index.php/api/", "k", max_retries=1, backoff=0.01) as client:
        with pytest.raises(ArrowUnavailable, match=UNREACHABLE_MESSAGE):
            client.whoami()


def test_hundred_thousand_lines_page_lazily(client, emulator):
    emulator.control.reset(scale_lines=100_000)
    started = time.monotonic()
    late = client.billing_export_page("MSP_EXTENDED", JANUARY, JANUARY, page=100)
    assert time.monotonic() - started < 5
    assert (late.total, late.total_pages, late.page) == (100_000, 100, 100)
    assert len(late.lines) == 1000 and late.errors == ()
    assert late.lines[-1].row_number == 100_000
    beyond = client.billing_export_page("MSP_EXTENDED", JANUARY, JANUARY, page=101)
    assert beyond.lines == () and len(beyond.headers) == 70
    assert emulator.rss_bytes() < MAX_EMULATOR_RSS
    assert emulator.control.health()["max_rss_kb"] * 1024 < MAX_EMULATOR_RSS


def test_ten_thousand_licenses_page_lazily(client, emulator):
    emulator.control.reset(scale_licenses=10_000)
    body = httpx.get(emulator.base_url + "licenses", params={"page": 100, "per_page": 100},
                     headers={"apiKey": emulator.api_key}).json()
    assert body["pagination"]["total"] == 10_000 and len(body["data"]["licenses"]) == 100
    reference = body["data"]["licenses"][-1]["license_id"]
    assert client.get_license(reference).license_id == reference
    assert client.consumption(reference, JANUARY)


def test_api_key_never_in_repr_or_error_messages(emulator):
    client = ArrowClient(emulator.base_url, emulator.api_key, **FAST_RETRY)
    assert emulator.api_key not in repr(client) and emulator.api_key not in str(client)
    emulator.control.inject_fault("whoami", status=503)
    with pytest.raises(ArrowUnavailable) as caught:
        client.whoami()
    assert emulator.api_key not in str(caught.value) and emulator.api_key not in repr(caught.value)
    client.close()
