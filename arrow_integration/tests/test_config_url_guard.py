"""Arrow API URLs: http(s) only, internal networks refused unless allow-listed (host:port or host)."""

import pytest
from django.test import override_settings

from arrow_integration.url_guard import (
    AllowedHost,
    UnsafeApiUrl,
    allowed_host_parse,
    api_url_origin,
    api_url_validate,
)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://xsp.arrow.com/api/",
        "file:///etc/passwd",
        "http:///no-host",
        "https://user:secret@xsp.arrow.com/api/",
        "http://10.0.0.5/api/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://[::1]/",
        "http://[fe80::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://240.0.0.1/",
        "http://host.invalid/",
        "http://xsp.arrow.com:99999/",
    ],
)
def test_unsafe_urls_are_refused(url):
    with pytest.raises(UnsafeApiUrl):
        api_url_validate(url)


def test_public_address_is_accepted():
    assert api_url_validate("https://93.184.216.34/index.php/api/") == "https://93.184.216.34/index.php/api/"


def test_allow_list_admits_internal_hosts():
    assert api_url_validate("http://127.0.0.1:8081/index.php/api/")
    with override_settings(ARROW_API_URL_ALLOWED_HOSTS=["LOCALHOST"]):
        assert api_url_validate("http://localhost:8081/")
    with override_settings(ARROW_API_URL_ALLOWED_HOSTS=[]):
        with pytest.raises(UnsafeApiUrl, match="ARROW_API_URL_ALLOWED_HOSTS"):
            api_url_validate("http://127.0.0.1:8081/index.php/api/")
    with override_settings(ARROW_API_URL_ALLOWED_HOSTS=["10.0.0.5"]):
        assert api_url_validate("http://10.0.0.5/api/")


@override_settings(ARROW_API_URL_ALLOWED_HOSTS=["127.0.0.1:8081", "[::1]:8199", "10.0.0.5:443"])
def test_host_port_entries_admit_that_port_only():
    assert api_url_validate("http://127.0.0.1:8081/index.php/api/")
    assert api_url_validate("https://127.0.0.1:8081/")
    assert api_url_validate("http://[::1]:8199/") and api_url_validate("http://[0:0::1]:8199/")
    assert api_url_validate("https://10.0.0.5/api/")  # 443 is https's default port
    for url in ("http://127.0.0.1:8082/", "http://127.0.0.1/", "http://[::1]:8200/", "http://10.0.0.5/api/",
                "http://localhost:8081/"):
        with pytest.raises(UnsafeApiUrl, match="ARROW_API_URL_ALLOWED_HOSTS"):
            api_url_validate(url)


def test_refusal_names_the_entry_to_add_but_no_resolved_address():
    with override_settings(ARROW_API_URL_ALLOWED_HOSTS=[]), pytest.raises(UnsafeApiUrl) as refused:
        api_url_validate("http://localhost:6379/")
    assert "'localhost:6379'" in str(refused.value) and "127.0.0.1" not in str(refused.value)


@pytest.mark.parametrize(
    ("entry", "parsed"),
    [
        ("127.0.0.1:8081", AllowedHost("127.0.0.1", 8081)),
        (" Arrow-Proxy.internal ", AllowedHost("arrow-proxy.internal", None)),
        ("[::1]:8199", AllowedHost("::1", 8199)),
        ("[::1]", AllowedHost("::1", None)),
        ("0:0::1", AllowedHost("::1", None)),
    ],
)
def test_allow_list_entries(entry, parsed):
    assert allowed_host_parse(entry) == parsed


@pytest.mark.parametrize("entry", ["127.0.0.1:port", "127.0.0.1:99999", "http://127.0.0.1/", "host/path", ":8081"])
def test_malformed_allow_list_entries_admit_nothing(entry):
    with pytest.raises(ValueError):
        allowed_host_parse(entry)
    with override_settings(ARROW_API_URL_ALLOWED_HOSTS=[entry]), pytest.raises(UnsafeApiUrl):
        api_url_validate("http://127.0.0.1:8081/")


def test_origin_is_scheme_host_and_port():
    assert api_url_origin("https://XSP.arrow.com/index.php/api/") == "https://xsp.arrow.com:443"
    assert api_url_origin("http://127.0.0.1:8081/x") == "http://127.0.0.1:8081"
    assert api_url_origin("http://[0:0::1]/") == "http://[::1]:80"
