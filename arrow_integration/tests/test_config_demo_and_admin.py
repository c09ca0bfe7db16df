"""The demo's Arrow seed (idempotent, mapped by the matcher) and the Django admin pages."""

import pytest

from arrow_integration.clients import arrow_client_from_credentials
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings, ArrowVendorOfferingMapping
from arrow_integration.services.configuration.demo import DEMO_VENDOR_NAME, demo_seed_with_summary
from arrow_integration.tests.factories import ArrowCustomerMappingFactory, ArrowSettingsFactory

pytestmark = pytest.mark.django_db


def test_demo_seed_configures_arrow_idempotently(arrow_emulator):
    stale = ArrowSettingsFactory(is_active=True)
    summary = demo_seed_with_summary(base_url="http://testserver/", arrow_url=arrow_emulator.base_url,
                                     arrow_key=arrow_emulator.api_key)
    arrow_settings = ArrowSettings.objects.get(is_active=True)
    assert str(arrow_settings.uuid) == summary["arrow_settings_uuid"]
    assert arrow_settings.api_key == arrow_emulator.api_key and arrow_settings.sync_enabled
    assert arrow_settings.invoice_price_source == "sell"
    with arrow_client_from_credentials(api_url=arrow_emulator.base_url, api_key=arrow_emulator.api_key) as client:
        export_types = {t.reference: t.name for t in client.export_types()}
        arrow_names = {c.reference: c.company_name for c in client.iter_customers()}
    assert export_types[arrow_settings.export_type_reference] == "MSP (Extended)"
    mapped = {
        arrow_names[m.arrow_reference]: m.waldur_customer.name
        for m in ArrowCustomerMapping.objects.filter(settings=arrow_settings)
    }
    assert mapped == {
        "Nordic Cloud Solutions OÜ": "Nordic Cloud Solutions",
        "Baltic Data Systems SIA": "Baltic Data Systems",
        "Tartu Research Lab": "Tartu Research Lab",
    }
    vendor = ArrowVendorOfferingMapping.objects.get(settings=arrow_settings)
    assert vendor.arrow_vendor_name == DEMO_VENDOR_NAME
    assert str(vendor.offering.uuid) == summary["offering_uuid"] and str(vendor.plan.uuid) == summary["plan_uuid"]
    mapping = ArrowCustomerMapping.objects.get(uuid=summary["arrow_customer_mapping_uuid"])
    assert str(mapping.waldur_customer.uuid) == summary["customer_uuid"]

    again = demo_seed_with_summary(base_url="http://testserver/", arrow_url=arrow_emulator.base_url,
                                   arrow_key=arrow_emulator.api_key)
    assert again["arrow_settings_uuid"] == summary["arrow_settings_uuid"]
    assert ArrowSettings.objects.count() == 2 and ArrowCustomerMapping.objects.count() == 3
    assert ArrowVendorOfferingMapping.objects.count() == 1
    stale.refresh_from_db()
    assert stale.is_active is False


def test_admin_pages_render_without_the_key(admin_client):
    arrow_settings = ArrowSettingsFactory(api_key="very-secret-arrow-key")
    ArrowCustomerMappingFactory(settings=arrow_settings)
    pages = [
        "/admin/arrow_integration/arrowsettings/",
        f"/admin/arrow_integration/arrowsettings/{arrow_settings.pk}/change/",
        "/admin/arrow_integration/arrowsettings/add/",
        "/admin/arrow_integration/arrowcustomermapping/",
        "/admin/arrow_integration/arrowvendorofferingmapping/",
        "/admin/arrow_integration/arrowbillingsync/",
        "/admin/arrow_integration/arrowbillingsyncitem/",
        "/admin/arrow_integration/arrowconsumptionrecord/",
        "/admin/arrow_integration/arrowsyncrun/",
        "/admin/arrow_integration/arrowunchargedline/",
    ]
    for page in pages:
        response = admin_client.get(page)
        assert response.status_code == 200, page
        text = response.content.decode()
        assert "very-secret-arrow-key" not in text and arrow_settings.api_key_encrypted not in text


def test_admin_change_keeps_key_when_left_empty(admin_client):
    arrow_settings = ArrowSettingsFactory(api_key="kept-key", is_active=False)
    other = ArrowSettingsFactory(is_active=True)
    url = f"/admin/arrow_integration/arrowsettings/{arrow_settings.pk}/change/"
    form = {
        "api_url": arrow_settings.api_url, "api_key": "", "export_type_reference": "", "classification_filter": "IAAS",
        "is_active": "on", "invoice_price_source": "sell", "invoice_item_prefix": "Arrow",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    arrow_settings.refresh_from_db()
    other.refresh_from_db()
    assert arrow_settings.api_key == "kept-key" and arrow_settings.is_active and not other.is_active
    add = admin_client.post("/admin/arrow_integration/arrowsettings/add/", {**form, "api_key": ""})
    assert add.status_code == 200 and "API key is required" in add.content.decode()
