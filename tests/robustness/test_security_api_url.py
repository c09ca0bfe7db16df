"""The `api_url` guard through the API: internal targets and other schemes are refused before any call.

With an empty allow-list (ARROW_API_URL_ALLOWED_HOSTS), every endpoint that takes an `api_url`
answers 400 naming the field for loopback, private, link-local, shared and unspecified addresses
(also when a name resolves to one, or an IPv6 form embeds one) and for schemes other than http and
https; nothing is saved and the emulator (which listens on loopback) receives no request at all.
With the emulator's host allow-listed, the same request succeeds: the guard is what refused it.
"""

from __future__ import annotations

import pytest

from arrow_integration.models import ArrowSettings
from tests.robustness.world import KNOWN

pytestmark = pytest.mark.django_db

INTERNAL_TARGETS = [
    "http://localhost:{port}/index.php/api/",  # a name that resolves to loopback
    "http://127.0.0.2:{port}/",
    "http://[::1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://10.1.2.3/index.php/api/",
    "http://172.16.0.1/",
    "http://192.168.1.10/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata service
    "http://100.100.100.200/latest/meta-data/",  # shared address space (another cloud's metadata)
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://0.0.0.0:{port}/",
]
OTHER_SCHEMES = [
    "ftp://127.0.0.1:{port}/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{port}/_",
    "ws://127.0.0.1:{port}/",
]
BASE = "/api/admin/arrow/settings/"
SETTINGS_DETAIL = f"{BASE}{KNOWN.settings}/"
# Every operation that takes an api_url: (method, path).
API_URL_OPERATIONS = [
    ("post", BASE),
    ("put", SETTINGS_DETAIL),
    ("patch", SETTINGS_DETAIL),
    ("post", f"{BASE}validate_credentials/"),
    ("post", f"{BASE}preview_settings/"),
    ("post", f"{BASE}discover_customers/"),
    ("post", f"{BASE}save_settings/"),
]


def stored_settings() -> list[tuple]:
    return list(ArrowSettings.objects.order_by("pk").values_list("pk", "api_url", "is_active", "modified"))


def call(client, method: str, path: str, api_url: str, api_key: str):
    body = {"api_url": api_url, "api_key": api_key, "export_type_reference": "MSP_EXTENDED"}
    return getattr(client, method)(path, body, format="json")


@pytest.fixture
def empty_allow_list(settings):
    settings.ARROW_API_URL_ALLOWED_HOSTS = []


@pytest.mark.parametrize("target", INTERNAL_TARGETS + OTHER_SCHEMES)
def test_internal_targets_and_other_schemes_are_refused_everywhere(target, staff_client, admin_world,
                                                                    arrow_emulator, empty_allow_list):
    api_url = target.format(port=arrow_emulator.base_url.split(":")[2].split("/")[0])
    arrow_emulator.control.reset_counters()
    before = stored_settings()

    for method, path in API_URL_OPERATIONS:
        response = call(staff_client, method, path, api_url, arrow_emulator.api_key)
        assert response.status_code == 400, f"{method.upper()} {path}: {response.status_code} {response.content!r}"
        assert response.json()["api_url"], f"{method.upper()} {path}: {response.content!r}"

    assert stored_settings() == before
    assert arrow_emulator.control.counters() == {}


def test_the_emulator_itself_is_refused_until_allow_listed(staff_client, admin_world, arrow_emulator, settings):
    settings.ARROW_API_URL_ALLOWED_HOSTS = []
    refused = call(staff_client, "post", f"{BASE}validate_credentials/", arrow_emulator.base_url,
                   arrow_emulator.api_key)
    settings.ARROW_API_URL_ALLOWED_HOSTS = ["127.0.0.1"]
    accepted = call(staff_client, "post", f"{BASE}validate_credentials/", arrow_emulator.base_url,
                    arrow_emulator.api_key)

    assert refused.status_code == 400 and "ARROW_API_URL_ALLOWED_HOSTS" in refused.json()["api_url"][0]
    assert accepted.status_code == 200 and accepted.json()["valid"] is True
