"""The official client `waldur_api_client` calls every configuration endpoint and parses the answers."""

import pytest
from waldur_api_client.api.admin import (
    admin_arrow_customer_mappings_available_customers_count,
    admin_arrow_customer_mappings_available_customers_retrieve,
    admin_arrow_customer_mappings_billing_summary_retrieve,
    admin_arrow_customer_mappings_count,
    admin_arrow_customer_mappings_create,
    admin_arrow_customer_mappings_destroy,
    admin_arrow_customer_mappings_list,
    admin_arrow_customer_mappings_partial_update,
    admin_arrow_customer_mappings_retrieve,
    admin_arrow_customer_mappings_sync_from_arrow,
    admin_arrow_customer_mappings_update,
    admin_arrow_settings_count,
    admin_arrow_settings_create,
    admin_arrow_settings_destroy,
    admin_arrow_settings_discover_customers,
    admin_arrow_settings_list,
    admin_arrow_settings_partial_update,
    admin_arrow_settings_preview_settings,
    admin_arrow_settings_retrieve,
    admin_arrow_settings_save_settings,
    admin_arrow_settings_update,
    admin_arrow_settings_validate_credentials,
    admin_arrow_vendor_offering_mappings_count,
    admin_arrow_vendor_offering_mappings_create,
    admin_arrow_vendor_offering_mappings_destroy,
    admin_arrow_vendor_offering_mappings_list,
    admin_arrow_vendor_offering_mappings_partial_update,
    admin_arrow_vendor_offering_mappings_retrieve,
    admin_arrow_vendor_offering_mappings_update,
    admin_arrow_vendor_offering_mappings_vendor_choices_count,
    admin_arrow_vendor_offering_mappings_vendor_choices_list,
)
from waldur_api_client.errors import UnexpectedStatus
from waldur_api_client.models import (
    ArrowCredentialsRequest,
    ArrowCustomerMappingCreateRequest,
    ArrowCustomerMappingRequest,
    ArrowSettingsCreateRequest,
    ArrowSettingsRequest,
    ArrowVendorOfferingMappingCreateRequest,
    ArrowVendorOfferingMappingRequest,
    CustomerMappingInputRequest,
    DiscoverCustomersRequestRequest,
    InvoicePriceSourceEnum,
    PatchedArrowCustomerMappingRequest,
    PatchedArrowSettingsRequest,
    PatchedArrowVendorOfferingMappingRequest,
    PreviewSettingsRequestRequest,
    SaveSettingsRequestRequest,
    SyncFromArrowRequestRequest,
)
from waldur_api_client.types import UNSET

from arrow_integration.models import ArrowCustomerMapping, ArrowSettings
from core.tests.factories import CustomerFactory, OfferingFactory, PlanFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(official_client):
    return official_client


@pytest.fixture
def local_customers():
    return {name: CustomerFactory(name=name) for name in ("Nordic Cloud Solutions", "Baltic Data Systems", "Tartu Research Lab")}


def test_settings_endpoints_parse(client, arrow_emulator, local_customers):
    credentials = {"api_url": arrow_emulator.base_url, "api_key": arrow_emulator.api_key}
    assert admin_arrow_settings_list.sync(client=client) == []
    assert admin_arrow_settings_count.sync(client=client) == 0

    check = admin_arrow_settings_validate_credentials.sync(client=client, body=ArrowCredentialsRequest(**credentials))
    assert check.valid is True and check.partner_info.additional_properties["reference"].startswith("XSP")
    refused = admin_arrow_settings_validate_credentials.sync(
        client=client, body=ArrowCredentialsRequest(api_url=arrow_emulator.base_url, api_key="wrong")
    )
    assert refused.valid is False and refused.error and refused.partner_info is UNSET

    preview = admin_arrow_settings_preview_settings.sync(client=client, body=PreviewSettingsRequestRequest(**credentials))
    assert preview.classification_filter == "IAAS" and preview.partner_reference

    discovery = admin_arrow_settings_discover_customers.sync(client=client, body=DiscoverCustomersRequestRequest(**credentials))
    names = {s.arrow_customer.company_name: s.suggested_waldur_customer for s in discovery.suggestions}
    assert names["Nordic Cloud Solutions OÜ"].uuid == local_customers["Nordic Cloud Solutions"].uuid
    assert names["Aurora Media AS"] is UNSET
    assert any(item.recommended for item in discovery.export_types)
    recommended = next(item.reference for item in discovery.export_types if item.recommended)

    created = admin_arrow_settings_create.sync(
        client=client,
        body=ArrowSettingsCreateRequest(**credentials, export_type_reference=recommended, sync_enabled=True),
    )
    assert created.invoice_price_source == InvoicePriceSourceEnum.SELL and created.partner_name
    assert admin_arrow_settings_retrieve.sync(uuid=created.uuid, client=client).export_type_reference == recommended
    updated = admin_arrow_settings_update.sync(
        uuid=created.uuid, client=client,
        body=ArrowSettingsRequest(api_url=arrow_emulator.base_url, invoice_price_source=InvoicePriceSourceEnum.BUY),
    )
    assert updated.invoice_price_source == InvoicePriceSourceEnum.BUY
    patched = admin_arrow_settings_partial_update.sync(
        uuid=created.uuid, client=client, body=PatchedArrowSettingsRequest(classification_filter="SAAS")
    )
    assert patched.classification_filter == "SAAS"

    tartu = next(c for c in discovery.arrow_customers if c.company_name == "Tartu Research Lab")
    saved = admin_arrow_settings_save_settings.sync(
        client=client,
        body=SaveSettingsRequestRequest(
            **credentials,
            customer_mappings=[CustomerMappingInputRequest(
                arrow_reference=tartu.reference, waldur_customer_uuid=local_customers["Tartu Research Lab"].uuid
            )],
        ),
    )
    assert saved.mappings_created == 1
    # The same Arrow account: its settings row is updated in place, not doubled.
    assert ArrowSettings.objects.get(is_active=True).uuid == saved.settings_uuid == created.uuid
    assert admin_arrow_settings_count.sync(client=client) == 1
    assert "updated in place" in saved.message
    admin_arrow_settings_destroy.sync_detailed(uuid=created.uuid, client=client)
    with pytest.raises(UnexpectedStatus) as missing:
        admin_arrow_settings_retrieve.sync(uuid=created.uuid, client=client)
    assert missing.value.status_code == 404


def test_mapping_endpoints_parse(client, arrow_emulator, local_customers):
    arrow_settings = ArrowSettings(api_url=arrow_emulator.base_url, api_key=arrow_emulator.api_key)
    arrow_settings.save()
    nordic, baltic = local_customers["Nordic Cloud Solutions"], local_customers["Baltic Data Systems"]

    available = admin_arrow_customer_mappings_available_customers_retrieve.sync(client=client)
    assert available.settings_uuid == arrow_settings.uuid
    assert admin_arrow_customer_mappings_available_customers_count.sync(client=client) == len(available.arrow_customers)
    nordic_arrow = next(s.arrow_customer for s in available.suggestions
                        if s.suggested_waldur_customer and s.suggested_waldur_customer.uuid == nordic.uuid)

    created = admin_arrow_customer_mappings_create.sync(
        client=client,
        body=ArrowCustomerMappingCreateRequest(
            settings=arrow_settings.uuid, arrow_reference=nordic_arrow.reference, waldur_customer=nordic.uuid,
            arrow_company_name="stale name",
        ),
    )
    assert created.settings == arrow_settings.uuid and created.waldur_customer == nordic.uuid
    listed = admin_arrow_customer_mappings_list.sync(client=client, settings_uuid=arrow_settings.uuid)
    assert [m.uuid for m in listed] == [created.uuid]
    assert admin_arrow_customer_mappings_count.sync(client=client, waldur_customer_uuid=nordic.uuid) == 1
    detail = admin_arrow_customer_mappings_retrieve.sync(uuid=created.uuid, client=client)
    assert detail.settings.startswith("http") and detail.waldur_customer.startswith("http")

    admin_arrow_customer_mappings_sync_from_arrow.sync_detailed(client=client, body=SyncFromArrowRequestRequest())
    assert ArrowCustomerMapping.objects.get(uuid=created.uuid).arrow_company_name == nordic_arrow.company_name

    put = admin_arrow_customer_mappings_update.sync(
        uuid=created.uuid, client=client,
        body=ArrowCustomerMappingRequest(
            settings=detail.settings, arrow_reference=nordic_arrow.reference, waldur_customer=detail.waldur_customer,
            is_active=False,
        ),
    )
    assert put.is_active is False
    patched = admin_arrow_customer_mappings_partial_update.sync(
        uuid=created.uuid, client=client, body=PatchedArrowCustomerMappingRequest(is_active=True)
    )
    assert patched.is_active is True
    summary = admin_arrow_customer_mappings_billing_summary_retrieve.sync(uuid=created.uuid, client=client)
    assert summary.total_consumption_records == 0 and summary.recent_billing_syncs == []

    offering = OfferingFactory()
    plan = PlanFactory(offering=offering)
    vendor = admin_arrow_vendor_offering_mappings_create.sync(
        client=client,
        body=ArrowVendorOfferingMappingCreateRequest(
            settings=arrow_settings.uuid, arrow_vendor_name="Microsoft", offering=offering.uuid, plan=plan.uuid
        ),
    )
    assert vendor.settings == arrow_settings.uuid and vendor.plan_uuid == plan.uuid
    assert [v.uuid for v in admin_arrow_vendor_offering_mappings_list.sync(client=client, offering_uuid=offering.uuid)] == [vendor.uuid]
    assert admin_arrow_vendor_offering_mappings_count.sync(client=client, arrow_vendor_name="Microsoft") == 1
    vendor_detail = admin_arrow_vendor_offering_mappings_retrieve.sync(uuid=vendor.uuid, client=client)
    assert vendor_detail.offering == offering.uuid and vendor_detail.settings.startswith("http")
    renamed = admin_arrow_vendor_offering_mappings_update.sync(
        uuid=vendor.uuid, client=client,
        body=ArrowVendorOfferingMappingRequest(
            settings=vendor_detail.settings, arrow_vendor_name="Amazon Web Services", offering=offering.uuid, plan=plan.uuid
        ),
    )
    assert renamed.arrow_vendor_name == "Amazon Web Services"
    patched_vendor = admin_arrow_vendor_offering_mappings_partial_update.sync(
        uuid=vendor.uuid, client=client, body=PatchedArrowVendorOfferingMappingRequest(is_active=False)
    )
    assert patched_vendor.is_active is False
    choices = admin_arrow_vendor_offering_mappings_vendor_choices_list.sync(client=client)
    assert "Microsoft" in {choice.value for choice in choices}
    assert admin_arrow_vendor_offering_mappings_vendor_choices_count.sync(client=client) == len(choices)

    admin_arrow_vendor_offering_mappings_destroy.sync_detailed(uuid=vendor.uuid, client=client)
    admin_arrow_customer_mappings_destroy.sync_detailed(uuid=created.uuid, client=client)
    assert admin_arrow_customer_mappings_count.sync(client=client) == 0
    assert baltic.uuid in {c.uuid for c in available.waldur_customers}
