"""The `api_url` guard on every path that saves a URL, and again before every use of a stored one.

The model's validation refuses internal addresses, so the Django admin form answers with a field
error. A row that holds such a URL anyway (written by the ORM, or by an older release) is refused
by the client factory: a billing import and a consumption sync end failed with the reason, and a
synchronous look-up answers 400; the stored key is never sent. The allow-list here names the
emulator's host:port only, as the demo's does, so a loopback recorder on another port stands for
an internal service that must not receive the key.
"""

import logging

import pytest
from django.core.exceptions import ValidationError

from arrow_integration.choices import SyncRunState
from arrow_integration.models import ArrowSettings, ArrowSyncRun
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tests.periods import current_period

pytestmark = pytest.mark.django_db

INTERNAL_URLS = ["http://[::1]:8199/", "http://10.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/"]
STORED_KEY = "stored-arrow-key-7f3c"

ADMIN_ADD_URL = "/admin/arrow_integration/arrowsettings/add/"


def admin_form(api_url: str) -> dict:
    return {
        "api_url": api_url, "api_key": STORED_KEY, "export_type_reference": "MSP_EXTENDED",
        "classification_filter": "IAAS", "is_active": "on", "invoice_price_source": "sell",
        "invoice_item_prefix": "Arrow",
    }


def host_port(base_url: str) -> str:
    return base_url.split("/")[2]


@pytest.fixture
def emulator_only_allow_list(settings, arrow_emulator):
    settings.ARROW_API_URL_ALLOWED_HOSTS = [host_port(arrow_emulator.base_url)]


@pytest.fixture
def arrow_settings(key_recorder, emulator_only_allow_list) -> ArrowSettings:
    """An active row whose URL (the recorder, another loopback port) was written without validation."""
    stored = ArrowSettings(api_url=key_recorder.base_url, export_type_reference="MSP_EXTENDED", sync_enabled=True)
    stored.api_key = STORED_KEY
    stored.save()
    return stored


@pytest.mark.parametrize("api_url", INTERNAL_URLS)
def test_model_validation_refuses_internal_urls(api_url):
    candidate = ArrowSettings(api_url=api_url)
    candidate.api_key = STORED_KEY
    with pytest.raises(ValidationError) as refused:
        candidate.full_clean()
    assert "ARROW_API_URL_ALLOWED_HOSTS" in " ".join(refused.value.message_dict["api_url"])


@pytest.mark.parametrize("api_url", INTERNAL_URLS)
def test_admin_form_refuses_internal_urls(admin_client, api_url):
    response = admin_client.post(ADMIN_ADD_URL, admin_form(api_url))

    assert response.status_code == 200
    assert "api_url" in response.context["adminform"].form.errors
    assert not ArrowSettings.objects.exists()


def test_admin_form_accepts_an_allow_listed_url(admin_client, arrow_emulator, emulator_only_allow_list):
    response = admin_client.post(ADMIN_ADD_URL, admin_form(arrow_emulator.base_url))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert ArrowSettings.objects.get().api_url == arrow_emulator.base_url


def test_billing_import_with_a_stored_internal_url_fails_without_sending_the_key(arrow_settings, key_recorder,
                                                                                caplog):
    caplog.set_level(logging.DEBUG)
    returned = billing_sync_import_period(settings=arrow_settings, period=current_period().previous())

    run = ArrowSyncRun.objects.get(settings=arrow_settings)
    assert run == returned and run.state == SyncRunState.FAILED
    assert "ARROW_API_URL_ALLOWED_HOSTS" in run.error_message and run.error_message == returned.error_message
    assert key_recorder.requests == []
    assert STORED_KEY not in run.error_message + str(run.outcome) + caplog.text


def test_consumption_sync_with_a_stored_internal_url_fails_without_sending_the_key(arrow_settings, key_recorder,
                                                                                    production_resource, caplog):
    caplog.set_level(logging.DEBUG)
    run = consumption_sync_period(settings=arrow_settings, period=current_period())

    assert run.state == SyncRunState.FAILED
    assert "ARROW_API_URL_ALLOWED_HOSTS" in run.error_message
    assert key_recorder.requests == []
    assert STORED_KEY not in run.error_message + str(run.outcome) + caplog.text


def test_lookup_with_a_stored_internal_url_is_a_400(staff_client, arrow_settings, key_recorder):
    response = staff_client.post("/api/admin/arrow/billing-syncs/fetch_license_info/",
                                 {"license_reference": "XSP5000101"}, format="json")

    assert response.status_code == 400
    assert "ARROW_API_URL_ALLOWED_HOSTS" in str(response.json())
    assert key_recorder.requests == []
