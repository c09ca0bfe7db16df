"""The operator's first steps through the official client: the settings wizard, settings CRUD,
customer mappings and vendor-offering mappings. Each step asserts what the operator would see."""

from waldur_api_client.api.admin import (
    admin_arrow_customer_mappings_available_customers_count,
    admin_arrow_customer_mappings_available_customers_retrieve,
    admin_arrow_customer_mappings_billing_summary_retrieve,
    admin_arrow_customer_mappings_count,
    admin_arrow_customer_mappings_create,
    admin_arrow_customer_mappings_list,
    admin_arrow_customer_mappings_partial_update,
    admin_arrow_customer_mappings_retrieve,
    admin_arrow_customer_mappings_sync_from_arrow,
    admin_arrow_customer_mappings_update,
    admin_arrow_settings_count,
    admin_arrow_settings_create,
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
    admin_arrow_vendor_offering_mappings_list,
    admin_arrow_vendor_offering_mappings_partial_update,
    admin_arrow_vendor_offering_mappings_retrieve,
    admin_arrow_vendor_offering_mappings_update,
    admin_arrow_vendor_offering_mappings_vendor_choices_count,
    admin_arrow_vendor_offering_mappings_vendor_choices_list,
)
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

from arrow_integration.api.serializers.settings import API_KEY_MASK
from arrow_integration.models import ArrowSettings
from core.tests.factories import CustomerFactory, OfferingFactory
from tests.contract_api.support import Flow

DEMO_CUSTOMER_NAMES = {"Nordic Cloud Solutions", "Baltic Data Systems", "Tartu Research Lab"}
NORDIC_REFERENCE = "XSP100001"
# An Arrow customer the wizard leaves unmapped; the operator maps it by hand later.
LATE_ARROW_CUSTOMER = "Aurora Media AS"
LATE_LOCAL_CUSTOMER = "Aurora Media"
MICROSOFT, AWS = "Microsoft", "Amazon Web Services"
AWS_OFFERING = "AWS via Arrow"
STALE_NAME = "Aurora (old name)"


def wizard(flow: Flow) -> None:
    """Check the key, preview, discover customers and save the settings with the suggested mappings."""
    op = flow.operator
    flow.partner = flow.arrow.whoami()
    check = op.call(admin_arrow_settings_validate_credentials, body=ArrowCredentialsRequest(**flow.credentials))
    assert check.valid is True and check.partner_info["reference"] == flow.partner.reference
    refused = op.call(admin_arrow_settings_validate_credentials,
                      body=ArrowCredentialsRequest(api_url=flow.emulator.base_url, api_key="not-the-key"))
    assert refused.valid is False and refused.error

    preview = op.call(admin_arrow_settings_preview_settings,
                      body=PreviewSettingsRequestRequest(**flow.credentials, sync_enabled=True))
    assert (preview.partner_reference, preview.partner_name) == (flow.partner.reference, flow.partner.company_name)
    assert preview.classification_filter == "IAAS" and preview.sync_enabled is True

    found = op.call(admin_arrow_settings_discover_customers, body=DiscoverCustomersRequestRequest(**flow.credentials))
    assert {c.reference for c in found.arrow_customers} == {c.reference for c in flow.arrow.customers()}
    local = {customer.uuid: customer for customer in flow.demo.customers}
    flow.mapped = {
        s.arrow_customer.reference: local[s.suggested_waldur_customer.uuid]
        for s in found.suggestions if s.suggested_waldur_customer
    }
    assert {customer.name for customer in flow.mapped.values()} == DEMO_CUSTOMER_NAMES
    assert any(not export_type.compatible for export_type in found.export_types)
    flow.export_type = next(export_type.reference for export_type in found.export_types if export_type.recommended)

    saved = op.detailed(admin_arrow_settings_save_settings, body=SaveSettingsRequestRequest(
        **flow.credentials, export_type_reference=flow.export_type, sync_enabled=True,
        customer_mappings=[CustomerMappingInputRequest(arrow_reference=reference, waldur_customer_uuid=customer.uuid)
                           for reference, customer in flow.mapped.items()],
    ))
    assert saved.status_code == 201 and saved.parsed.mappings_created == len(flow.mapped) == 3
    flow.settings_uuid = saved.parsed.settings_uuid


def settings_crud(flow: Flow) -> None:
    """Read, edit (the key stays when not sent) and add a spare inactive settings row."""
    op, uuid = flow.operator, flow.settings_uuid
    [listed] = op.call(admin_arrow_settings_list)
    assert listed.uuid == uuid and listed.api_key == API_KEY_MASK and listed.export_type_reference == flow.export_type
    assert op.call(admin_arrow_settings_count) == 1
    assert op.call(admin_arrow_settings_retrieve, uuid=uuid).partner_reference == flow.partner.reference

    updated = op.call(admin_arrow_settings_update, uuid=uuid, body=ArrowSettingsRequest(
        api_url=flow.emulator.base_url, export_type_reference=flow.export_type, classification_filter="IAAS",
        is_active=True, sync_enabled=True, invoice_price_source=InvoicePriceSourceEnum.SELL,
        invoice_item_prefix="Arrow",
    ))
    assert updated.invoice_item_prefix == "Arrow" and updated.api_key == API_KEY_MASK
    assert ArrowSettings.objects.get(uuid=uuid).api_key == flow.emulator.api_key
    patched = op.call(admin_arrow_settings_partial_update, uuid=uuid,
                      body=PatchedArrowSettingsRequest(invoice_item_prefix="Arrow billing"))
    assert patched.invoice_item_prefix == "Arrow billing"
    assert patched.invoice_price_source == InvoicePriceSourceEnum.SELL

    spare = op.detailed(admin_arrow_settings_create, body=ArrowSettingsCreateRequest(
        **flow.credentials, export_type_reference=flow.export_type, is_active=False,
    ))
    assert spare.status_code == 201 and spare.parsed.is_active is False
    assert "api_key" not in spare.parsed.additional_properties
    assert spare.parsed.partner_name == flow.partner.company_name
    flow.spare_settings_uuid = spare.parsed.uuid
    assert op.call(admin_arrow_settings_count, is_active=True) == 1
    assert op.call(admin_arrow_settings_count, is_active=False) == 1


def customer_mappings(flow: Flow) -> None:
    """Map a customer the wizard left out, edit it, refresh names from Arrow, look at a summary."""
    op = flow.operator
    late_local = CustomerFactory(name=LATE_LOCAL_CUSTOMER)
    late = next(c for c in flow.arrow.customers() if c.company_name == LATE_ARROW_CUSTOMER)
    available = op.call(admin_arrow_customer_mappings_available_customers_retrieve)
    assert available.settings_uuid == flow.settings_uuid
    unmapped = {c.reference for c in flow.arrow.customers()} - set(flow.mapped)
    assert {c.reference for c in available.arrow_customers} == unmapped
    [late_suggestion] = [s for s in available.suggestions if s.arrow_customer.reference == late.reference]
    assert late_suggestion.suggested_waldur_customer.uuid == late_local.uuid
    assert op.call(admin_arrow_customer_mappings_available_customers_count) == len(unmapped)

    created = op.detailed(admin_arrow_customer_mappings_create, body=ArrowCustomerMappingCreateRequest(
        settings=flow.settings_uuid, arrow_reference=late.reference, waldur_customer=late_local.uuid,
        arrow_company_name=STALE_NAME,
    ))
    assert created.status_code == 201
    assert (created.parsed.settings, created.parsed.waldur_customer) == (flow.settings_uuid, late_local.uuid)
    uuid = flow.extra_mapping_uuid = created.parsed.uuid
    listed = op.call(admin_arrow_customer_mappings_list, settings_uuid=flow.settings_uuid, page_size=100)
    flow.mapping_uuids = {mapping.arrow_reference: mapping.uuid for mapping in listed}
    assert set(flow.mapping_uuids) == {*flow.mapped, late.reference}
    assert op.call(admin_arrow_customer_mappings_count, waldur_customer_uuid=late_local.uuid) == 1

    detail = op.call(admin_arrow_customer_mappings_retrieve, uuid=uuid)
    assert detail.settings.endswith(f"/{flow.settings_uuid}/")
    assert detail.waldur_customer.endswith(f"/{late_local.uuid}/")
    # The operator pauses this mapping: billing and consumption leave its customer alone.
    paused = op.call(admin_arrow_customer_mappings_update, uuid=uuid, body=ArrowCustomerMappingRequest(
        settings=detail.settings, arrow_reference=late.reference, waldur_customer=detail.waldur_customer,
        arrow_company_name=STALE_NAME, is_active=False,
    ))
    assert paused.is_active is False
    renamed = op.call(admin_arrow_customer_mappings_partial_update, uuid=uuid,
                      body=PatchedArrowCustomerMappingRequest(arrow_company_name=STALE_NAME + "!"))
    assert renamed.arrow_company_name == STALE_NAME + "!" and renamed.is_active is False
    refreshed = op.detailed(admin_arrow_customer_mappings_sync_from_arrow,
                            body=SyncFromArrowRequestRequest(settings_uuid=flow.settings_uuid))
    assert refreshed.status_code == 200 and refreshed.parsed is None
    assert op.call(admin_arrow_customer_mappings_retrieve, uuid=uuid).arrow_company_name == LATE_ARROW_CUSTOMER

    summary = op.call(admin_arrow_customer_mappings_billing_summary_retrieve, uuid=flow.mapping_uuids[NORDIC_REFERENCE])
    assert summary.arrow_reference == NORDIC_REFERENCE
    assert summary.waldur_customer_uuid == flow.mapped[NORDIC_REFERENCE].uuid
    assert (summary.total_billing_syncs, summary.total_consumption_records) == (0, 0)


def vendor_mappings(flow: Flow) -> None:
    """Map Microsoft to the demo offering and plan, and Amazon Web Services to an offering without a plan."""
    op = flow.operator
    choices = op.call(admin_arrow_vendor_offering_mappings_vendor_choices_list)
    assert {choice.value for choice in choices} == set(flow.arrow.iaas_vendor_names())
    assert {MICROSOFT, AWS} <= {choice.label for choice in choices}
    assert op.call(admin_arrow_vendor_offering_mappings_vendor_choices_count) == len(choices)

    microsoft = op.detailed(admin_arrow_vendor_offering_mappings_create, body=ArrowVendorOfferingMappingCreateRequest(
        settings=flow.settings_uuid, arrow_vendor_name=MICROSOFT, offering=flow.demo.offering.uuid,
        plan=flow.demo.plan.uuid,
    ))
    assert microsoft.status_code == 201 and microsoft.parsed.settings == flow.settings_uuid
    assert microsoft.parsed.plan_uuid == flow.demo.plan.uuid
    aws_offering = OfferingFactory(name=AWS_OFFERING)
    aws = op.raw(admin_arrow_vendor_offering_mappings_create, body=ArrowVendorOfferingMappingCreateRequest(
        settings=flow.settings_uuid, arrow_vendor_name=AWS, offering=aws_offering.uuid,
    ))
    assert (aws["settings"], aws["offering"]) == (str(flow.settings_uuid), str(aws_offering.uuid))
    assert aws["plan"] is None and aws["plan_uuid"] is None and aws["plan_name"] is None
    flow.planless_vendor_mapping_uuid = aws["uuid"]

    uuid = microsoft.parsed.uuid
    assert [m.uuid for m in op.call(admin_arrow_vendor_offering_mappings_list, arrow_vendor_name=MICROSOFT)] == [uuid]
    assert op.call(admin_arrow_vendor_offering_mappings_count, settings_uuid=flow.settings_uuid) == 2
    detail = op.call(admin_arrow_vendor_offering_mappings_retrieve, uuid=uuid)
    assert detail.offering == flow.demo.offering.uuid and detail.settings.endswith(f"/{flow.settings_uuid}/")
    put = op.call(admin_arrow_vendor_offering_mappings_update, uuid=uuid, body=ArrowVendorOfferingMappingRequest(
        settings=detail.settings, arrow_vendor_name=MICROSOFT, offering=flow.demo.offering.uuid,
        plan=flow.demo.plan.uuid, is_active=False,
    ))
    assert put.is_active is False
    patched = op.call(admin_arrow_vendor_offering_mappings_partial_update, uuid=uuid,
                      body=PatchedArrowVendorOfferingMappingRequest(is_active=True))
    assert patched.is_active is True and patched.plan_name == flow.demo.plan.name
