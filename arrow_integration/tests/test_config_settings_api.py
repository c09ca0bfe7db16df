"""/api/admin/arrow/settings/: CRUD, secrecy of the API key, single active row, Arrow checks."""

import json
import logging
import time

import pytest

from arrow_integration.api.serializers.settings import API_KEY_MASK
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings
from arrow_integration.tests.factories import ArrowSettingsFactory
from core.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = "/api/admin/arrow/settings/"
SETTINGS_FIELDS = {
    "uuid", "url", "api_url", "export_type_reference", "classification_filter", "is_active", "sync_enabled",
    "partner_reference", "partner_name", "invoice_price_source", "invoice_item_prefix", "created", "modified",
}
UNREACHABLE_URL = "http://127.0.0.1:9/index.php/api/"


def detail_url(uuid) -> str:
    return f"{SETTINGS_URL}{uuid}/"


def create_body(emulator, **extra) -> dict:
    return {"api_url": emulator.base_url, "api_key": emulator.api_key, **extra}


@pytest.fixture
def saved_settings(staff_client, arrow_emulator):
    response = staff_client.post(SETTINGS_URL, create_body(arrow_emulator), format="json")
    assert response.status_code == 201, response.content
    return ArrowSettings.objects.get(uuid=response.data["uuid"])


def test_access_rules(anonymous_client, user_client, staff_client):
    assert anonymous_client.get(SETTINGS_URL).status_code == 401
    anonymous_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert anonymous_client.get(SETTINGS_URL).status_code == 401
    assert user_client.get(SETTINGS_URL).status_code == 403
    response = staff_client.get(SETTINGS_URL)
    assert response.status_code == 200
    assert response.json() == []
    assert response["X-Result-Count"] == "0"


def test_head_answers_count(staff_client):
    ArrowSettingsFactory.create_batch(2, is_active=False)
    response = staff_client.head(SETTINGS_URL)
    assert response.status_code == 200
    assert response["X-Result-Count"] == "2"
    assert response.content == b""


def test_create_fills_partner_and_never_returns_key(staff_client, arrow_emulator, caplog):
    caplog.set_level(logging.DEBUG)
    response = staff_client.post(SETTINGS_URL, create_body(arrow_emulator), format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == SETTINGS_FIELDS
    assert body["partner_reference"].startswith("XSP")
    assert body["partner_name"]
    assert body["invoice_price_source"] == "sell"
    assert body["is_active"] is True
    assert arrow_emulator.api_key not in response.content.decode()
    stored = ArrowSettings.objects.get(uuid=body["uuid"])
    assert stored.api_key_encrypted != arrow_emulator.api_key
    assert arrow_emulator.api_key not in stored.api_key_encrypted
    assert stored.api_key == arrow_emulator.api_key
    assert arrow_emulator.api_key not in caplog.text
    for url in (SETTINGS_URL, detail_url(body["uuid"])):
        answer = staff_client.get(url)
        assert arrow_emulator.api_key not in answer.content.decode()
        assert stored.api_key_encrypted not in answer.content.decode()
    assert staff_client.get(detail_url(body["uuid"])).json()["api_key"] == API_KEY_MASK


def test_masked_key_sent_back_keeps_the_stored_key(staff_client, arrow_emulator, saved_settings):
    shown = staff_client.get(detail_url(saved_settings.uuid)).json()
    assert set(shown) == SETTINGS_FIELDS | {"api_key"}
    shown.pop("url"), shown.pop("uuid")
    response = staff_client.put(detail_url(saved_settings.uuid), shown, format="json")
    assert response.status_code == 200, response.content
    saved_settings.refresh_from_db()
    assert saved_settings.api_key == arrow_emulator.api_key
    masked = staff_client.post(SETTINGS_URL, create_body(arrow_emulator, api_key=API_KEY_MASK), format="json")
    assert masked.status_code == 400 and "api_key" in masked.json()


def test_create_requires_url_and_key(staff_client, arrow_emulator):
    response = staff_client.post(SETTINGS_URL, {}, format="json")
    assert response.status_code == 400
    assert {"api_url", "api_key"} <= set(response.json())
    response = staff_client.post(SETTINGS_URL, create_body(arrow_emulator, api_key=""), format="json")
    assert response.status_code == 400
    assert "api_key" in response.json()


@pytest.mark.parametrize(
    "api_url",
    ["ftp://127.0.0.1/api/", "not a url", "http://10.1.2.3/api/", "http://169.254.169.254/latest/", "http://[::1]:80/"],
)
def test_create_refuses_unsafe_urls(staff_client, api_url):
    response = staff_client.post(SETTINGS_URL, {"api_url": api_url, "api_key": "k"}, format="json")
    assert response.status_code == 400
    assert "api_url" in response.json()


def test_create_with_rejected_key_is_400_naming_arrow(staff_client, arrow_emulator):
    response = staff_client.post(SETTINGS_URL, create_body(arrow_emulator, api_key="wrong"), format="json")
    assert response.status_code == 400
    assert "401" in response.json()["detail"]
    assert not ArrowSettings.objects.exists()


def test_create_with_unknown_export_type_is_400(staff_client, arrow_emulator):
    body = create_body(arrow_emulator, export_type_reference="no-such-type")
    response = staff_client.post(SETTINGS_URL, body, format="json")
    assert response.status_code == 400
    assert "export_type_reference" in response.json()


def test_invoice_price_source_must_be_sell_or_buy(staff_client, arrow_emulator):
    for bad in (None, "", "retail"):
        body = create_body(arrow_emulator, invoice_price_source=bad)
        response = staff_client.post(SETTINGS_URL, body, format="json")
        assert response.status_code == 400
        assert "invoice_price_source" in response.json()


def test_activating_deactivates_the_others(staff_client, arrow_emulator, saved_settings):
    second = staff_client.post(SETTINGS_URL, create_body(arrow_emulator), format="json").json()
    saved_settings.refresh_from_db()
    assert saved_settings.is_active is False
    assert second["is_active"] is True
    response = staff_client.patch(detail_url(saved_settings.uuid), {"is_active": True}, format="json")
    assert response.status_code == 200
    assert list(ArrowSettings.objects.filter(is_active=True).values_list("uuid", flat=True)) == [saved_settings.uuid]


def test_update_without_key_keeps_it(staff_client, arrow_emulator, saved_settings):
    encrypted = saved_settings.api_key_encrypted
    for body in ({"sync_enabled": True}, {"sync_enabled": True, "api_key": ""}):
        response = staff_client.patch(detail_url(saved_settings.uuid), body, format="json")
        assert response.status_code == 200
        assert response.json()["sync_enabled"] is True
    saved_settings.refresh_from_db()
    assert saved_settings.api_key_encrypted == encrypted
    put = staff_client.put(
        detail_url(saved_settings.uuid),
        {"api_url": arrow_emulator.base_url, "invoice_price_source": "buy"},
        format="json",
    )
    assert put.status_code == 200
    assert put.json()["invoice_price_source"] == "buy"
    saved_settings.refresh_from_db()
    assert saved_settings.api_key == arrow_emulator.api_key


def test_update_refreshes_partner_and_rejects_bad_key(staff_client, arrow_emulator, saved_settings):
    ArrowSettings.objects.filter(pk=saved_settings.pk).update(partner_name="stale", partner_reference="stale")
    response = staff_client.patch(detail_url(saved_settings.uuid), {"classification_filter": "SAAS"}, format="json")
    assert response.status_code == 200
    assert response.json()["partner_name"] != "stale"
    response = staff_client.patch(detail_url(saved_settings.uuid), {"api_key": "wrong"}, format="json")
    assert response.status_code == 400
    saved_settings.refresh_from_db()
    assert saved_settings.api_key == arrow_emulator.api_key


def test_delete_and_unknown_uuid(staff_client, saved_settings):
    assert staff_client.get(detail_url("00000000-0000-0000-0000-000000000000")).status_code == 404
    assert staff_client.delete(detail_url(saved_settings.uuid)).status_code == 204
    assert staff_client.get(detail_url(saved_settings.uuid)).status_code == 404
    assert not ArrowSettings.objects.not_archived().exists()  # archived, not dropped


def test_filters(staff_client):
    ArrowSettingsFactory(is_active=False, sync_enabled=True)
    active = ArrowSettingsFactory(is_active=True, sync_enabled=False)
    response = staff_client.get(SETTINGS_URL, {"is_active": "true"})
    assert [row["uuid"] for row in response.json()] == [str(active.uuid)]
    assert staff_client.get(SETTINGS_URL, {"sync_enabled": "true"})["X-Result-Count"] == "1"


def test_validate_credentials(staff_client, arrow_emulator):
    url = f"{SETTINGS_URL}validate_credentials/"
    good = staff_client.post(url, create_body(arrow_emulator), format="json")
    assert good.status_code == 200
    body = good.json()
    assert body["valid"] is True and body["message"]
    assert set(body["partner_info"]) == {"reference", "company_name", "email", "city", "country_code"}
    assert {item["name"] for item in body["export_types"]} >= {"MSP (Extended)"}
    bad = staff_client.post(url, create_body(arrow_emulator, api_key="wrong"), format="json")
    assert bad.status_code == 200
    assert bad.json()["valid"] is False and "401" in bad.json()["error"]
    assert "partner_info" not in bad.json()
    down = staff_client.post(url, {"api_url": UNREACHABLE_URL, "api_key": "k"}, format="json")
    assert down.status_code == 200
    assert down.json()["valid"] is False and down.json()["error"]
    assert staff_client.post(url, {"api_url": arrow_emulator.base_url}, format="json").status_code == 400


def test_preview_settings(staff_client, arrow_emulator):
    url = f"{SETTINGS_URL}preview_settings/"
    response = staff_client.post(url, create_body(arrow_emulator), format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["classification_filter"] == "IAAS" and body["sync_enabled"] is False
    assert body["api_url"] == arrow_emulator.base_url and body["partner_reference"].startswith("XSP")
    assert not ArrowSettings.objects.exists()
    bad = staff_client.post(url, create_body(arrow_emulator, api_key="wrong"), format="json")
    assert bad.status_code == 400 and "detail" in bad.json()


def test_save_settings_creates_active_row_and_mappings(staff_client, arrow_emulator):
    old = ArrowSettingsFactory(is_active=True)
    customer = CustomerFactory(name="Tartu Research Lab")
    arrow_customers = arrow_emulator_customers(arrow_emulator)
    body = create_body(
        arrow_emulator,
        sync_enabled=True,
        customer_mappings=[{"arrow_reference": arrow_customers["Tartu Research Lab"], "waldur_customer_uuid": str(customer.uuid)}],
    )
    response = staff_client.post(f"{SETTINGS_URL}save_settings/", body, format="json")
    assert response.status_code == 201, response.content
    assert set(response.json()) == {"settings_uuid", "mappings_created", "message"}
    assert response.json()["mappings_created"] == 1
    saved = ArrowSettings.objects.get(uuid=response.json()["settings_uuid"])
    old.refresh_from_db()
    assert saved.is_active and saved.sync_enabled and not old.is_active
    mapping = ArrowCustomerMapping.objects.get(settings=saved)
    assert mapping.arrow_company_name == "Tartu Research Lab" and mapping.waldur_customer == customer


def test_save_settings_rejects_bad_mappings_and_writes_nothing(staff_client, arrow_emulator):
    customer = CustomerFactory()
    cases = [
        [{"arrow_reference": "XSP-UNKNOWN", "waldur_customer_uuid": str(customer.uuid)}],
        [{"arrow_reference": "XSP1", "waldur_customer_uuid": "00000000-0000-0000-0000-000000000000"}],
        [{"arrow_reference": "XSP1", "waldur_customer_uuid": "not-a-uuid"}],
        [{"waldur_customer_uuid": str(customer.uuid)}],
    ]
    for mappings in cases:
        body = create_body(arrow_emulator, customer_mappings=mappings)
        response = staff_client.post(f"{SETTINGS_URL}save_settings/", body, format="json")
        assert response.status_code == 400, mappings
        assert "customer_mappings" in response.json()
    assert not ArrowSettings.objects.exists()


def arrow_emulator_customers(emulator) -> dict[str, str]:
    """Company name -> reference of the emulator's customers, read through the client."""
    from arrow_integration.clients import arrow_client_from_credentials

    with arrow_client_from_credentials(api_url=emulator.base_url, api_key=emulator.api_key) as client:
        return {customer.company_name: customer.reference for customer in client.iter_customers()}


def test_discover_customers_suggests_demo_customers(staff_client, arrow_emulator):
    locals_ = {name: CustomerFactory(name=name) for name in ("Nordic Cloud Solutions", "Baltic Data Systems",
                                                             "Tartu Research Lab", "Demo Cloud Reseller")}
    response = staff_client.post(f"{SETTINGS_URL}discover_customers/", create_body(arrow_emulator), format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"arrow_customers", "waldur_customers", "suggestions", "export_types"}
    assert {"reference", "companyName", "email", "city", "countryCode"} == set(body["arrow_customers"][0])
    suggested = {
        item["arrow_customer"]["companyName"]: item.get("suggested_waldur_customer", {}).get("name")
        for item in body["suggestions"]
    }
    assert suggested == {
        "Nordic Cloud Solutions OÜ": "Nordic Cloud Solutions",
        "Baltic Data Systems SIA": "Baltic Data Systems",
        "Tartu Research Lab": "Tartu Research Lab",
        "Helios Manufacturing GmbH": None,
        "Quantum Retail Inc": None,
        "Aurora Media AS": None,
    }
    for item in body["suggestions"]:
        assert "suggested_waldur_customer" in item or item["confidence"] == 0
        if "suggested_waldur_customer" in item:
            assert 0.8 <= item["confidence"] <= 1
            assert item["suggested_waldur_customer"]["uuid"] == str(locals_[suggested[item["arrow_customer"]["companyName"]]].uuid)
    types = {item["name"]: item for item in body["export_types"]}
    extended = types["MSP (Extended)"]
    assert extended["compatible"] and extended["recommended"] and extended["missing_required_fields"] == []
    assert extended["required_fields_found"] == extended["required_fields_total"]
    light = next(item for name, item in types.items() if name != "MSP (Extended)")
    assert light["compatible"] is False and light["missing_required_fields"]
    assert json.dumps(body).find(arrow_emulator.api_key) == -1


def test_discover_marks_existing_mappings(staff_client, arrow_emulator, saved_settings):
    nordic = CustomerFactory(name="Nordic Cloud Solutions")
    reference = arrow_emulator_customers(arrow_emulator)["Nordic Cloud Solutions OÜ"]
    ArrowCustomerMapping.objects.create(settings=saved_settings, arrow_reference=reference, waldur_customer=nordic)
    body = staff_client.post(f"{SETTINGS_URL}discover_customers/", create_body(arrow_emulator), format="json").json()
    item = next(s for s in body["suggestions"] if s["arrow_customer"]["reference"] == reference)
    assert item["existing_mapping"] is True
    assert "suggested_waldur_customer" not in item
    others = [s for s in body["suggestions"] if s["arrow_customer"]["reference"] != reference]
    assert all(s["existing_mapping"] is False for s in others)
    assert all(s.get("suggested_waldur_customer", {}).get("uuid") != str(nordic.uuid) for s in others)


def test_discover_with_bad_key_is_400(staff_client, arrow_emulator):
    body = create_body(arrow_emulator, api_key="wrong")
    response = staff_client.post(f"{SETTINGS_URL}discover_customers/", body, format="json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_slow_arrow_does_not_hang_the_request(staff_client, arrow_emulator, settings):
    settings.ARROW_HTTP_TIMEOUT = 0.3
    arrow_emulator.control.inject_fault("whoami", latency=3)
    started = time.monotonic()
    response = staff_client.post(f"{SETTINGS_URL}validate_credentials/", create_body(arrow_emulator), format="json")
    assert response.status_code == 200 and response.json()["valid"] is False
    assert time.monotonic() - started < 2.5
    response = staff_client.post(SETTINGS_URL, create_body(arrow_emulator), format="json")
    assert response.status_code == 400 and "whoami" in response.json()["detail"]
