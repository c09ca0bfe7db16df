"""Settings and mappings as operators change them: one settings row per Arrow account, one active
mapping per Arrow customer, and deletes that hide the object but keep every financial record."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from arrow_integration.models import ArrowBillingSync, ArrowCustomerMapping, ArrowSettings
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tests.billing_support import BALTIC, EXPORT_TYPE, NORDIC
from arrow_integration.tests.consumption_support import resource_link
from arrow_integration.tests.factories import ArrowCustomerMappingFactory, ArrowSettingsFactory
from arrow_integration.tests.periods import current_period, previous_period
from core.models import InvoiceItem
from core.tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db
SETTINGS_URL = "/api/admin/arrow/settings/"
MAPPINGS_URL = "/api/admin/arrow/customer-mappings/"



def save_settings(client, emulator, *, api_url=None, mappings=(), **extra):
    body = {"api_url": api_url or emulator.base_url, "api_key": emulator.api_key,
            "customer_mappings": [{"arrow_reference": reference, "waldur_customer_uuid": str(customer.uuid)}
                                  for reference, customer in mappings], **extra}
    return client.post(f"{SETTINGS_URL}save_settings/", body, format="json")


# One settings row per Arrow account


def test_save_settings_again_updates_the_accounts_row_and_its_mappings_in_place(staff_client, arrow_emulator):
    nordic, baltic, moved_to = CustomerFactory(), CustomerFactory(), CustomerFactory()
    first = save_settings(staff_client, arrow_emulator, mappings=[(NORDIC, nordic)])
    assert first.status_code == 201, first.content
    settings_uuid = first.json()["settings_uuid"]
    ArrowCustomerMapping.objects.update(is_active=False)
    other = ArrowSettingsFactory(is_active=True)  # another account, made active meanwhile

    # The same URL written without its trailing slash is the same account.
    again = save_settings(staff_client, arrow_emulator, api_url=arrow_emulator.base_url.rstrip("/"),
                          mappings=[(NORDIC, moved_to), (BALTIC, baltic)], export_type_reference=EXPORT_TYPE,
                          classification_filter="", sync_enabled=True)

    assert again.status_code == 201, again.content
    body = again.json()
    assert set(body) == {"settings_uuid", "mappings_created", "message"}
    assert body["settings_uuid"] == settings_uuid and body["mappings_created"] == 1
    assert "updated in place" in body["message"] and "1 customer mapping(s) created, 1 updated" in body["message"]
    saved = ArrowSettings.objects.get(uuid=settings_uuid)
    assert (saved.export_type_reference, saved.classification_filter, saved.sync_enabled, saved.is_active) == (
        EXPORT_TYPE, "", True, True)
    other.refresh_from_db()
    assert not other.is_active and ArrowSettings.objects.count() == 2
    nordic_mapping = ArrowCustomerMapping.objects.get(settings=saved, arrow_reference=NORDIC)
    assert nordic_mapping.is_active and nordic_mapping.waldur_customer == moved_to
    assert ArrowCustomerMapping.objects.filter(settings=saved).count() == 2


def test_save_settings_answers_400_for_a_customer_actively_mapped_under_other_settings(staff_client, arrow_emulator):
    holder = ArrowCustomerMappingFactory(arrow_reference=NORDIC, settings=ArrowSettingsFactory(is_active=False))

    response = save_settings(staff_client, arrow_emulator, mappings=[(NORDIC, CustomerFactory())])

    assert response.status_code == 400
    message = response.json()["customer_mappings"][0]
    assert str(holder.uuid) in message and str(holder.settings.uuid) in message
    assert holder.waldur_customer.name in message
    assert ArrowSettings.objects.count() == 1  # the holder's only: nothing written


# One active mapping per Arrow customer


def test_an_arrow_customer_is_actively_mapped_once_across_settings(staff_client):
    holder = ArrowCustomerMappingFactory(arrow_reference="XSP123456")
    draft = ArrowSettingsFactory(is_active=False)
    body = {"settings": str(draft.uuid), "arrow_reference": "XSP123456", "waldur_customer": str(CustomerFactory().uuid)}

    refused = staff_client.post(MAPPINGS_URL, body, format="json")
    assert refused.status_code == 400
    message = refused.json()["arrow_reference"][0]
    assert str(holder.uuid) in message and str(holder.settings.uuid) in message
    assert holder.waldur_customer.name in message

    inactive = staff_client.post(MAPPINGS_URL, {**body, "is_active": False}, format="json")
    assert inactive.status_code == 201, inactive.content
    activate = staff_client.patch(f"{MAPPINGS_URL}{inactive.json()['uuid']}/", {"is_active": True}, format="json")
    assert activate.status_code == 400 and str(holder.uuid) in activate.json()["arrow_reference"][0]

    assert staff_client.delete(f"{MAPPINGS_URL}{holder.uuid}/").status_code == 204
    activate = staff_client.patch(f"{MAPPINGS_URL}{inactive.json()['uuid']}/", {"is_active": True}, format="json")
    assert activate.status_code == 200 and activate.json()["is_active"] is True


def test_the_database_refuses_a_second_active_mapping():
    holder = ArrowCustomerMappingFactory(arrow_reference="XSP123456")
    with pytest.raises(IntegrityError), transaction.atomic():
        ArrowCustomerMapping.objects.create(settings=ArrowSettingsFactory(is_active=False), arrow_reference="XSP123456",
                                            waldur_customer=holder.waldur_customer)


# Deleting settings and mappings


def test_deleting_settings_archives_them_and_keeps_every_financial_record(
    staff_client, billing_settings, mapped, arrow_emulator
):
    period = previous_period()
    customer = mapped[NORDIC].waldur_customer
    resource = resource_link(project=ProjectFactory(customer=customer), license_reference="XSP5000101")
    consumption_sync_period(settings=billing_settings, period=current_period())
    billing_sync_import_period(settings=billing_settings, period=period)
    invoiced = list(InvoiceItem.objects.order_by("id").values_list("id", "unit_price"))
    syncs = ArrowBillingSync.objects.count()

    settings_url = f"{SETTINGS_URL}{billing_settings.uuid}/"
    assert staff_client.delete(settings_url).status_code == 204
    assert staff_client.get(settings_url).status_code == 404
    assert staff_client.delete(settings_url).status_code == 404
    for mapping in mapped.values():
        assert staff_client.get(f"{MAPPINGS_URL}{mapping.uuid}/").status_code == 404
    assert staff_client.get(MAPPINGS_URL).json() == []

    listed = staff_client.get("/api/admin/arrow/billing-syncs/", {"page_size": 100}).json()
    assert len(listed) == syncs and {sync["arrow_reference"] for sync in listed} == set(mapped)
    nordic_sync = next(sync for sync in listed if sync["arrow_reference"] == NORDIC)
    assert nordic_sync["waldur_customer_name"] == customer.name and nordic_sync["items"]
    assert Decimal(nordic_sync["sell_total"]) > 0
    items = staff_client.get("/api/admin/arrow/billing-sync-items/", {"billing_sync_uuid": nordic_sync["uuid"]})
    assert items.status_code == 200 and len(items.json()) == len(nordic_sync["items"])
    records = staff_client.get("/api/admin/arrow/consumption-records/").json()
    assert [record["license_reference"] for record in records] == [resource.backend_id]
    assert list(InvoiceItem.objects.order_by("id").values_list("id", "unit_price")) == invoiced

    billing_settings.refresh_from_db()
    assert billing_settings.archived_at and not billing_settings.is_active and not billing_settings.sync_enabled
    assert billing_settings.api_key_encrypted == ""
    # The constraints let a new row and mapping of the same account and customer take their place.
    replacement = ArrowSettingsFactory(is_active=True)
    created = staff_client.post(MAPPINGS_URL, {"settings": str(replacement.uuid), "arrow_reference": NORDIC,
                                               "waldur_customer": str(customer.uuid)}, format="json")
    assert created.status_code == 201, created.content


def test_archived_settings_can_neither_be_synced_nor_receive_mappings(staff_client, billing_settings):
    assert staff_client.delete(f"{SETTINGS_URL}{billing_settings.uuid}/").status_code == 204
    period = previous_period()

    sync = staff_client.post("/api/admin/arrow/billing-syncs/trigger_sync/",
                             {"year": period.year, "month": period.month, "settings_uuid": str(billing_settings.uuid)},
                             format="json")
    mapping = staff_client.post(MAPPINGS_URL, {"settings": str(billing_settings.uuid), "arrow_reference": NORDIC,
                                               "waldur_customer": str(CustomerFactory().uuid)}, format="json")

    assert sync.status_code == 404
    assert mapping.status_code == 400 and "settings" in mapping.json()
