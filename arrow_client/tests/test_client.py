"""ArrowClient over a mock transport: retries, error mapping, paging bounds, key secrecy."""

import json
import logging
import time
import urllib.parse

import httpx
import pytest

from arrow_client import (
    UNREACHABLE_MESSAGE,
    ArrowAuthError,
    ArrowBadResponse,
    ArrowClient,
    ArrowNotFound,
    ArrowRequestError,
    ArrowUnavailable,
    Period,
)

from .conftest import FIXTURES, load_fixture

API_KEY = "secret-key-4f9a"
BASE_URL = "https://xsp.example/index.php/api/"


class Recorder:
    """A mock Arrow: answers queued responses (the last one repeats) and records requests."""

    def __init__(self, *responses):
        self.responses = list(responses)
        self.requests = []

    def __call__(self, request):
        self.requests.append(request)
        response = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(response, Exception):
            raise response
        return response


def json_response(status, body, headers=None):
    return httpx.Response(status, content=json.dumps(body).encode(), headers=headers)


def fixture_response(name, status=200):
    return httpx.Response(status, content=(FIXTURES / name).read_bytes())


@pytest.fixture
def sleeps(monkeypatch):
    waited = []
    monkeypatch.setattr(time, "sleep", waited.append)
    return waited


def client_for(recorder, **options):
    options = {"max_retries": 2, "backoff": 0.01, **options}
    return ArrowClient(BASE_URL, API_KEY, http_transport=httpx.MockTransport(recorder), **options)


def test_whoami_sends_the_api_key_header_and_path():
    recorder = Recorder(fixture_response("whoami.json"))
    partner = client_for(recorder).whoami()
    assert partner.reference == "XSP100000"
    (request,) = recorder.requests
    assert request.headers["apiKey"] == API_KEY
    assert str(request.url) == BASE_URL + "whoami"


def test_customers_are_paged_until_total_page():
    recorder = Recorder(fixture_response("customers-page-1.json"), fixture_response("customers-page-2.json"))
    references = [customer.reference for customer in client_for(recorder).iter_customers(per_page=4)]
    assert references == [f"XSP10000{n}" for n in range(1, 7)]
    assert [r.url.params["page"] for r in recorder.requests] == ["1", "2"]
    assert recorder.requests[0].url.params["per_page"] == "4"


def test_page_loop_is_bounded():
    endless = json_response(200, {"status": 200, "data": {"customers": [
        {"Reference": "XSP1", "CompanyName": "Loop"}]}, "pagination": {"current_page": 1, "total_page": 999}})
    recorder = Recorder(endless)
    with pytest.raises(ArrowBadResponse, match="within 3 pages"):
        list(client_for(recorder, max_pages=3).iter_customers())
    assert len(recorder.requests) == 3


def test_billing_export_request_body_and_streaming():
    page = load_fixture("billing-export-sample.json")
    first = {**page, "pagination": {"perPage": 8, "currentPage": 1, "total": 16, "totalPages": 2}}
    second = {**page, "pagination": {"perPage": 8, "currentPage": 2, "total": 16, "totalPages": 2}}
    recorder = Recorder(json_response(200, first), json_response(200, second))
    pages = list(client_for(recorder).iter_billing_export(
        "MSP_EXTENDED", Period(2024, 7), Period(2024, 8), classifications=["IAAS"], customer_refs=["XSP1"]))
    assert [p.page for p in pages] == [1, 2]
    assert pages[1].lines[0].row_number == 9
    body = json.loads(recorder.requests[0].content)
    assert body == {"exportTypeReference": "MSP_EXTENDED", "page": 1, "outputFormat": {"date": "MM/DD/YYYY"},
                    "filters": {"reportPeriod": {"from": "2024-07", "to": "2024-08"}, "classifications": ["IAAS"],
                                "customerXspRefs": ["XSP1"]}}
    assert json.loads(recorder.requests[1].content)["page"] == 2


def test_empty_export_yields_one_page_with_headers():
    recorder = Recorder(fixture_response("billing-export-empty.json"))
    pages = list(client_for(recorder).iter_billing_export("MSP_EXTENDED", Period(2020, 1), Period(2020, 1)))
    assert len(pages) == 1 and len(pages[0].headers) == 70 and pages[0].lines == ()


def test_retries_5xx_then_succeeds(sleeps):
    recorder = Recorder(json_response(503, {"status": 503, "error": "Service Unavailable", "messages": []}),
                        json_response(502, {}), fixture_response("whoami.json"))
    assert client_for(recorder).whoami().reference == "XSP100000"
    assert len(recorder.requests) == 3
    assert len(sleeps) == 2 and all(0 < wait < 1 for wait in sleeps)


def test_429_honours_retry_after(sleeps):
    recorder = Recorder(json_response(429, {"status": 429}, headers={"Retry-After": "7"}),
                        fixture_response("whoami.json"))
    client_for(recorder).whoami()
    assert sleeps == [7.0]


def test_retry_after_is_capped(sleeps):
    recorder = Recorder(json_response(429, {}, headers={"Retry-After": "3600"}), fixture_response("whoami.json"))
    client_for(recorder, retry_after_max=5).whoami()
    assert sleeps == [5]


def test_permanent_5xx_gives_unavailable_after_retries(sleeps):
    recorder = Recorder(json_response(500, {"status": 500, "error": "Internal Server Error", "messages": ["boom"]}))
    with pytest.raises(ArrowUnavailable) as caught:
        client_for(recorder, max_retries=3).whoami()
    assert len(recorder.requests) == 4
    assert caught.value.attempts == 4 and caught.value.status == 500
    assert "GET whoami" in str(caught.value) and "boom" in str(caught.value)


@pytest.mark.parametrize("error", [httpx.ConnectError("refused"), httpx.ReadTimeout("slow")])
def test_connection_errors_and_timeouts_are_retried(sleeps, error):
    recorder = Recorder(error)
    with pytest.raises(ArrowUnavailable):
        client_for(recorder, max_retries=1).whoami()
    assert len(recorder.requests) == 2


def test_failures_below_http_read_the_same_and_only_the_log_names_the_cause(sleeps, caplog):
    caplog.set_level(logging.WARNING, logger="arrow_client")
    errors = [httpx.ConnectError("[Errno 111] Connection refused"), httpx.ConnectTimeout("timed out"),
              httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("illegal status line"),
              httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER]"), httpx.ConnectError("Name or service not known")]
    messages = set()
    for error in errors:
        with pytest.raises(ArrowUnavailable) as caught:
            client_for(Recorder(error), max_retries=1).whoami()
        messages.add(str(caught.value))
    assert messages == {f"Arrow GET whoami: {UNREACHABLE_MESSAGE} (gave up after 2 attempts)"}
    for cause in ("ConnectError", "ConnectTimeout", "ReadTimeout", "RemoteProtocolError"):
        assert cause in caplog.text


@pytest.mark.parametrize(
    ("status", "error_class"),
    [(401, ArrowAuthError), (403, ArrowAuthError), (404, ArrowNotFound), (400, ArrowRequestError),
     (422, ArrowRequestError)],
)
def test_other_4xx_are_not_retried(sleeps, status, error_class):
    recorder = Recorder(json_response(status, {"status": status, "error": "Nope", "messages": ["detail"]}))
    with pytest.raises(error_class) as caught:
        client_for(recorder).get_license("XSP1")
    assert len(recorder.requests) == 1 and sleeps == []
    assert caught.value.status == status
    assert f"HTTP {status}" in str(caught.value) and "licenses/XSP1" in str(caught.value)


def test_error_status_inside_a_200_envelope_is_mapped():
    recorder = Recorder(fixture_response("error-404.json", status=200))
    with pytest.raises(ArrowNotFound, match="License XSP0000000 not found"):
        client_for(recorder).get_license("XSP0000000")


@pytest.mark.parametrize("content", [b"<html>oops</html>", b'{"status": 200, "data": {"unterminated', b"[1, 2]"])
def test_malformed_bodies_are_bad_responses(content):
    recorder = Recorder(httpx.Response(200, content=content))
    with pytest.raises(ArrowBadResponse):
        client_for(recorder).whoami()
    assert len(recorder.requests) == 1


def test_garbage_consumption_is_a_bad_response():
    body = load_fixture("consumption.json")
    body["data"]["lines"][0][-1] = "lots"
    recorder = Recorder(json_response(200, json.loads(json.dumps(body, default=str))))
    with pytest.raises(ArrowBadResponse, match="Total sell price"):
        client_for(recorder).consumption("XSP5000101", Period(2025, 1), Period(2025, 2))
    assert recorder.requests[0].url.params["reportPeriodStart"] == "2025-01"


def test_unknown_customer_from_an_empty_list_is_not_found():
    recorder = Recorder(json_response(200, {"status": 200, "data": {"customers": []}}))
    with pytest.raises(ArrowNotFound):
        client_for(recorder).get_customer("XSP999")


def test_references_are_quoted_into_one_path_segment():
    recorder = Recorder(fixture_response("license-detail.json"))
    client_for(recorder).get_license("XSP/../whoami")
    assert recorder.requests[0].url.raw_path.endswith(b"/licenses/XSP%2F..%2Fwhoami")


def test_api_key_never_in_repr_messages_or_logs(sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    echo = json_response(401, {"status": 401, "error": "Unauthorized", "messages": [f"bad key {API_KEY}"]})
    client = client_for(Recorder(echo))
    assert API_KEY not in repr(client) and API_KEY not in str(client)
    with pytest.raises(ArrowAuthError) as caught:
        client.whoami()
    assert API_KEY not in str(caught.value) and API_KEY not in repr(caught.value)
    assert "***" in str(caught.value)
    with pytest.raises(ArrowUnavailable) as caught:
        client_for(Recorder(json_response(503, {"messages": [API_KEY]}))).whoami()
    assert API_KEY not in str(caught.value)
    assert caplog.records and all(API_KEY not in record.getMessage() for record in caplog.records)


def test_client_is_a_context_manager_and_validates_arguments():
    with client_for(Recorder(fixture_response("whoami.json"))) as client:
        assert client.whoami().company_name == "Demo Reseller Partner"
    with pytest.raises(ValueError):
        ArrowClient(BASE_URL, "")
    with pytest.raises(ValueError):
        ArrowClient("", API_KEY)


# References that would leave their path segment if they were put into the path as they are.
PATH_BREAKING_REFERENCES = ["/", "XSP1/..", "../whoami", "XSP1?page=2", "XSP1#top", "%2e%2e", "%2E%2E%2Fwhoami",
                            "XSP1%2F..%2F..", "..%2f", "XSP1\\..", "XSP 1&per_page=1"]
NOT_FOUND = {"status": 404, "error": "Not Found", "messages": ["no such object"]}


def path_lookups(client, reference):
    """Each call that puts a reference into a path: (prefix, suffix, query keys, call)."""
    return [
        ("licenses/", "", set(), lambda: client.get_license(reference)),
        ("customers/", "", set(), lambda: client.get_customer(reference)),
        ("customers/", "/licenses", {"page", "per_page"}, lambda: client.customer_licenses(reference)),
        ("consumption/monthly/license/", "", {"reportPeriodStart", "reportPeriodEnd"},
         lambda: client.consumption(reference, Period(2025, 1))),
    ]


@pytest.mark.parametrize("reference", PATH_BREAKING_REFERENCES)
def test_references_stay_inside_their_path_segment(reference):
    base_path = httpx.URL(BASE_URL).raw_path.decode()
    recorder = Recorder(json_response(404, NOT_FOUND))
    client = client_for(recorder, max_retries=0)
    for prefix, suffix, query_keys, call in path_lookups(client, reference):
        recorder.requests.clear()
        with pytest.raises(ArrowNotFound):
            call()
        (request,) = recorder.requests
        path = request.url.raw_path.decode().split("?")[0]
        assert path.startswith(base_path + prefix) and path.endswith(suffix), path
        segment = path[len(base_path + prefix):len(path) - len(suffix)]
        assert not {"/", "?", "#", "\\"} & set(segment), segment
        assert urllib.parse.unquote(segment) == reference  # sent literally, as one segment
        assert set(request.url.params) == query_keys and request.url.fragment == ""


@pytest.mark.parametrize("reference", ["..", ".", " .. ", "", "  "])
def test_dot_segments_and_empty_references_are_refused_before_any_request(reference):
    recorder = Recorder(json_response(404, NOT_FOUND))
    client = client_for(recorder, max_retries=0)
    for _, _, _, call in path_lookups(client, reference):
        with pytest.raises(ValueError):
            call()
    assert recorder.requests == []
