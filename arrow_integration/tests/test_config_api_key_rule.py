"""The stored Arrow key goes only to the URL it was entered for.

Changing `api_url` (API PUT/PATCH, Django admin) requires the key again; without it the answer is
a 400 naming `api_key` (a form error in the admin) and nothing, not even `whoami`, reaches the new
host. A URL changed behind the API's back (the ORM, SQL) makes the client factory refuse the row:
the key is bound to the origin it was entered for. "Another host" is a loopback recorder that
keeps every key it receives.
"""

import logging

import pytest

from arrow_client import ArrowError
from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowSettings
from arrow_integration.services.consumption.raw_lookups import license_info_fetch_raw

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/api/admin/arrow/settings/"
NEW_KEY = "key-entered-for-the-new-host"


def detail_url(arrow_settings) -> str:
    return f"{SETTINGS_URL}{arrow_settings.uuid}/"


def admin_change_url(arrow_settings) -> str:
    return f"/admin/arrow_integration/arrowsettings/{arrow_settings.pk}/change/"


@pytest.fixture
def saved_settings(staff_client, arrow_emulator) -> ArrowSettings:
    body = {"api_url": arrow_emulator.base_url, "api_key": arrow_emulator.api_key,
            "export_type_reference": "MSP_EXTENDED"}
    response = staff_client.post(SETTINGS_URL, body, format="json")
    assert response.status_code == 201, response.content
    return ArrowSettings.objects.get(uuid=response.json()["uuid"])


def unchanged(arrow_settings: ArrowSettings, emulator) -> bool:
    stored = ArrowSettings.objects.get(pk=arrow_settings.pk)
    return stored.api_url == emulator.base_url and stored.api_key == emulator.api_key


@pytest.mark.parametrize("method", ["patch", "put"])
def test_changing_api_url_without_the_key_is_refused_before_any_call(method, staff_client, arrow_emulator,
                                                                      saved_settings, key_recorder):
    body = {"api_url": key_recorder.base_url}
    if method == "put":
        body["export_type_reference"] = "MSP_EXTENDED"

    response = getattr(staff_client, method)(detail_url(saved_settings), body, format="json")

    assert response.status_code == 400, response.content
    assert "api_key" in response.json()
    assert key_recorder.requests == []
    assert unchanged(saved_settings, arrow_emulator)


@pytest.mark.parametrize("masked_or_empty", ["", "********"])
def test_an_empty_or_masked_key_does_not_count_as_given(masked_or_empty, staff_client, arrow_emulator,
                                                         saved_settings, key_recorder):
    body = {"api_url": key_recorder.base_url, "api_key": masked_or_empty}
    response = staff_client.patch(detail_url(saved_settings), body, format="json")

    assert response.status_code == 400 and "api_key" in response.json()
    assert key_recorder.requests == []


def test_changing_api_url_with_a_new_key_sends_only_that_key(staff_client, arrow_emulator, saved_settings,
                                                              key_recorder, caplog):
    caplog.set_level(logging.DEBUG)
    body = {"api_url": key_recorder.base_url, "api_key": NEW_KEY}
    response = staff_client.patch(detail_url(saved_settings), body, format="json")

    # The recorder refuses every key, as Arrow would refuse a wrong one: nothing is saved.
    assert response.status_code == 400
    assert key_recorder.requests and key_recorder.keys_received == {NEW_KEY}
    assert unchanged(saved_settings, arrow_emulator)
    for secret in (NEW_KEY, arrow_emulator.api_key):
        assert secret not in response.content.decode() and secret not in caplog.text


def test_same_api_url_without_the_key_keeps_the_stored_key(staff_client, arrow_emulator, saved_settings):
    body = {"api_url": arrow_emulator.base_url, "sync_enabled": True}
    response = staff_client.patch(detail_url(saved_settings), body, format="json")

    assert response.status_code == 200, response.content
    saved_settings.refresh_from_db()
    assert saved_settings.sync_enabled and saved_settings.api_key == arrow_emulator.api_key


def admin_form(arrow_settings: ArrowSettings, **changes) -> dict:
    form = {
        "api_url": arrow_settings.api_url, "api_key": "", "export_type_reference": "MSP_EXTENDED",
        "classification_filter": "IAAS", "is_active": "on", "invoice_price_source": "sell",
        "invoice_item_prefix": "Arrow",
    }
    return {**form, **changes}


def test_admin_refuses_a_new_url_without_a_new_key(admin_client, arrow_emulator, saved_settings, key_recorder):
    response = admin_client.post(admin_change_url(saved_settings),
                                 admin_form(saved_settings, api_url=key_recorder.base_url))

    assert response.status_code == 200
    assert "api_key" in response.context["adminform"].form.errors
    assert unchanged(saved_settings, arrow_emulator)


def test_admin_saves_a_new_url_with_a_new_key(admin_client, saved_settings, key_recorder):
    response = admin_client.post(admin_change_url(saved_settings),
                                 admin_form(saved_settings, api_url=key_recorder.base_url, api_key=NEW_KEY))
    assert response.status_code == 302, response.content.decode()[:2000]

    stored = ArrowSettings.objects.get(pk=saved_settings.pk)
    assert stored.api_url == key_recorder.base_url and stored.api_key == NEW_KEY
    with pytest.raises(ArrowError), arrow_client_for(stored) as client:
        client.whoami()
    assert key_recorder.keys_received == {NEW_KEY}


def test_a_url_changed_behind_the_api_never_receives_the_stored_key(arrow_emulator, saved_settings,
                                                                     key_recorder, caplog):
    caplog.set_level(logging.DEBUG)
    ArrowSettings.objects.filter(pk=saved_settings.pk).update(api_url=key_recorder.base_url)
    moved = ArrowSettings.objects.get(pk=saved_settings.pk)

    with pytest.raises(ArrowError, match="enter the key again"):
        arrow_client_for(moved)
    with pytest.raises(ArrowError, match="enter the key again") as refused:
        license_info_fetch_raw(license_reference="XSP5000101")
    assert key_recorder.requests == []
    assert arrow_emulator.api_key not in str(refused.value) + caplog.text
