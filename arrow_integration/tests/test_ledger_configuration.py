"""The ledger of settings and mappings: created, changed, archived and deleted through the API,
the Django admin and the pause switch, with the fields that changed, before and after, and never
the API key (not even encrypted)."""

import pytest

from arrow_integration.choices import LedgerAction
from arrow_integration.models import ArrowCustomerMapping, ArrowLedgerEntry, ArrowSettings
from arrow_integration.tests.factories import ArrowVendorOfferingMappingFactory
from arrow_integration.tests.ledger_support import entries
from core.tests.factories import CustomerFactory, OfferingFactory

pytestmark = pytest.mark.django_db
SETTINGS = "/api/admin/arrow/settings/"
MAPPINGS = "/api/admin/arrow/customer-mappings/"
VENDOR_MAPPINGS = "/api/admin/arrow/vendor-offering-mappings/"
NEW_KEY = "a-new-key-that-arrow-accepts"


def create_settings(client, emulator) -> ArrowSettings:
    response = client.post(SETTINGS, {"api_url": emulator.base_url, "api_key": emulator.api_key}, format="json")
    assert response.status_code == 201, response.content
    return ArrowSettings.objects.get(uuid=response.json()["uuid"])


def assert_no_key_in_ledger(*secrets: str) -> None:
    for entry in ArrowLedgerEntry.objects.all():
        text = f"{entry.reason} {entry.changes}"
        assert not any(secret and secret in text for secret in secrets), text


def test_settings_created_changed_and_archived_through_the_api(staff_client, staff_user, arrow_emulator):
    created = create_settings(staff_client, arrow_emulator)
    encrypted = created.api_key_encrypted

    (entry,) = entries(action=LedgerAction.SETTINGS_CREATED)
    assert (entry.actor, entry.actor_user_id, entry.settings_uuid) == ("user staff-tester", staff_user.pk,
                                                                       created.uuid)
    assert entry.changes["api_url"] == [None, arrow_emulator.base_url] and entry.changes["api_key"] == "set"
    assert entry.changes["partner_reference"] == [None, created.partner_reference]

    patched = staff_client.patch(f"{SETTINGS}{created.uuid}/", {"classification_filter": "SAAS"}, format="json")
    assert patched.status_code == 200
    (change,) = entries(action=LedgerAction.SETTINGS_CHANGED)
    assert change.changes == {"classification_filter": ["IAAS", "SAAS"]}
    assert change.reason == f'settings {created.partner_name} changed: classification_filter "IAAS" → "SAAS"'

    assert staff_client.delete(f"{SETTINGS}{created.uuid}/").status_code == 204
    (archived,) = entries(action=LedgerAction.SETTINGS_ARCHIVED)
    assert archived.changes["api_key"] == "erased" and archived.changes["is_active"] == [True, False]
    assert archived.changes["archived_at"][0] is None and archived.changes["archived_at"][1]
    assert_no_key_in_ledger(arrow_emulator.api_key, encrypted)


def test_a_new_key_is_recorded_as_replaced_never_as_its_value(staff_client, arrow_emulator, monkeypatch):
    created = create_settings(staff_client, arrow_emulator)
    old_encrypted = created.api_key_encrypted

    response = staff_client.patch(f"{SETTINGS}{created.uuid}/", {"api_key": arrow_emulator.api_key}, format="json")

    assert response.status_code == 200
    (change,) = entries(action=LedgerAction.SETTINGS_CHANGED)
    assert change.changes == {"api_key": "replaced"} and change.reason.endswith("changed: api key replaced")
    created.refresh_from_db()
    assert_no_key_in_ledger(arrow_emulator.api_key, old_encrypted, created.api_key_encrypted)


def test_activating_settings_records_the_row_it_deactivates(staff_client, arrow_emulator):
    first = create_settings(staff_client, arrow_emulator)
    second = create_settings(staff_client, arrow_emulator)

    (deactivated,) = entries(action=LedgerAction.SETTINGS_CHANGED)
    assert deactivated.settings_uuid == first.uuid and deactivated.changes == {"is_active": [True, False]}
    assert {entry.settings_uuid for entry in entries(action=LedgerAction.SETTINGS_CREATED)} == {first.uuid,
                                                                                             second.uuid}


def test_pausing_a_settings_row_is_recorded(staff_client, arrow_settings):
    response = staff_client.post("/api/admin/arrow/billing-syncs/pause_sync/",
                                 {"settings_uuid": str(arrow_settings.uuid)}, format="json")

    assert response.status_code == 200, response.content
    (entry,) = entries()
    assert entry.changes == {"sync_enabled": [True, False]} and entry.actor == "user staff-tester"
    staff_client.post("/api/admin/arrow/billing-syncs/pause_sync/", {"settings_uuid": str(arrow_settings.uuid)},
                      format="json")
    assert len(entries()) == 1  # pausing again changes nothing, records nothing


def test_customer_mappings_created_changed_and_archived_through_the_api(staff_client, arrow_settings):
    customer, other = CustomerFactory(name="Nordic Cloud Solutions"), CustomerFactory(name="Nordic Two")
    response = staff_client.post(MAPPINGS, {"settings": str(arrow_settings.uuid), "arrow_reference": "XSP100001",
                                            "waldur_customer": str(customer.uuid)}, format="json")
    assert response.status_code == 201, response.content
    mapping = ArrowCustomerMapping.objects.get(uuid=response.json()["uuid"])
    staff_client.patch(f"{MAPPINGS}{mapping.uuid}/", {"waldur_customer": str(other.uuid)}, format="json")
    staff_client.delete(f"{MAPPINGS}{mapping.uuid}/")

    created, changed, archived = entries(mapping_uuid=mapping.uuid)
    assert [created.action, changed.action, archived.action] == [
        LedgerAction.MAPPING_CREATED, LedgerAction.MAPPING_CHANGED, LedgerAction.MAPPING_ARCHIVED]
    assert created.customer_reference == "XSP100001" and created.settings_uuid == arrow_settings.uuid
    assert created.reason == "customer mapping XSP100001 → Nordic Cloud Solutions created: " + "; ".join([
        f'settings null → "{arrow_settings.uuid}"', 'arrow_reference null → "XSP100001"',
        f'waldur_customer null → "{customer.uuid}"', "is_active null → true"])
    assert changed.changes == {"waldur_customer": [str(customer.uuid), str(other.uuid)]}
    assert archived.changes["is_active"] == [True, False] and archived.customer_uuid == other.uuid


def test_a_vendor_mapping_deleted_through_the_api_is_recorded(staff_client, arrow_settings):
    mapping = ArrowVendorOfferingMappingFactory(settings=arrow_settings, arrow_vendor_name="Microsoft",
                                                offering=OfferingFactory())

    assert staff_client.delete(f"{VENDOR_MAPPINGS}{mapping.uuid}/").status_code == 204

    (entry,) = entries(action=LedgerAction.MAPPING_DELETED)
    assert entry.mapping_uuid == mapping.uuid and entry.reason == "vendor mapping Microsoft deleted"
    assert entry.changes["arrow_vendor_name"] == ["Microsoft", None]


def test_save_settings_records_the_settings_and_the_mappings_it_creates(staff_client, arrow_emulator):
    customer = CustomerFactory(name="Nordic Cloud Solutions")
    body = {"api_url": arrow_emulator.base_url, "api_key": arrow_emulator.api_key, "export_type_reference": "",
            "customer_mappings": [{"arrow_reference": "XSP100001", "waldur_customer_uuid": str(customer.uuid)}]}

    response = staff_client.post(f"{SETTINGS}save_settings/", body, format="json")

    assert response.status_code == 201, response.content
    assert [entry.action for entry in entries()] == [LedgerAction.SETTINGS_CREATED, LedgerAction.MAPPING_CREATED]
    assert entries()[1].customer_uuid == customer.uuid
    assert_no_key_in_ledger(arrow_emulator.api_key, ArrowSettings.objects.get().api_key_encrypted)


def test_mapping_saves_and_deletes_in_the_django_admin_name_the_admin_user(admin_client, admin_user,
                                                                           arrow_settings):
    customer = CustomerFactory()
    mapping = ArrowCustomerMapping.objects.create(settings=arrow_settings, arrow_reference="XSP100001",
                                                  arrow_company_name="Nordic", waldur_customer=customer)
    form = {"settings": arrow_settings.pk, "arrow_reference": "XSP100001", "arrow_company_name": "Nordic Cloud",
            "waldur_customer": customer.pk, "is_active": "on"}

    changed = admin_client.post(f"/admin/arrow_integration/arrowcustomermapping/{mapping.pk}/change/", form)
    deleted = admin_client.post(f"/admin/arrow_integration/arrowcustomermapping/{mapping.pk}/delete/",
                                {"post": "yes"})

    assert changed.status_code == 302 and deleted.status_code == 302
    change, deletion = entries(mapping_uuid=mapping.uuid)
    assert change.changes == {"arrow_company_name": ["Nordic", "Nordic Cloud"]}
    assert deletion.action == LedgerAction.MAPPING_DELETED
    assert {change.actor_user_id, deletion.actor_user_id} == {admin_user.pk}
    assert change.actor == f"user {admin_user.username}"
