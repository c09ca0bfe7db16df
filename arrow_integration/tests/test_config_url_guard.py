"""Arrow API URLs: http(s) only, internal networks refused unless allow-listed."""

import pytest
from django.test import override_settings

from arrow_integration.services.url_guard import UnsafeApiUrl, api_url_validate


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
    assert api_url_validate("http://LOCALHOST:8081/")
    with override_settings(ARROW_API_URL_ALLOWED_HOSTS=[]):
        with pytest.raises(UnsafeApiUrl, match="ARROW_API_URL_ALLOWED_HOSTS"):
            api_url_validate("http://127.0.0.1:8081/index.php/api/")
    with override_settings(ARROW_API_URL_ALLOWED_HOSTS=["10.0.0.5"]):
        assert api_url_validate("http://10.0.0.5/api/")
