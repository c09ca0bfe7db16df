"""/api/admin/arrow/customer-mappings/ and /vendor-offering-mappings/: shapes, rules, filters, actions."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrow_integration.clients import arrow_client_from_credentials
from arrow_integration.models import ArrowBillingSync, ArrowConsumptionRecord, ArrowCustomerMapping
from arrow_integration.tests.factories import (
    ArrowCustomerMappingFactory,
    ArrowSettingsFactory,
    ArrowVendorOfferingMappingFactory,
)
from core.services.invoices import invoice_get_or_create, invoice_item_create, period_bounds
from core.tests.factories import CustomerFactory, OfferingFactory, PlanFactory, ProjectFactory, ResourceFactory

pytestmark = pytest.mark.django_db

CUSTOMERS_URL = "/api/admin/arrow/customer-mappings/"
VENDORS_URL = "/api/admin/arrow/vendor-offering-mappings/"
MISSING_UUID = "00000000-0000-0000-0000-000000000000"
CUSTOMER_MAPPING_FIELDS = {
    "uuid", "url", "settings", "settings_uuid", "arrow_reference", "arrow_company_name", "waldur_customer",
    "waldur_customer_uuid", "waldur_customer_name", "is_active", "created", "modified",
}
VENDOR_MAPPING_FIELDS = {
    "uuid", "url", "settings", "settings_uuid", "arrow_vendor_name", "offering", "offering_uuid", "offering_name",
    "offering_type", "plan", "plan_uuid", "plan_name", "is_active", "created", "modified",
}


@pytest.fixture
def emulator_settings(arrow_emulator):
    return ArrowSettingsFactory(api_url=arrow_emulator.base_url, api_key=arrow_emulator.api_key)


def emulator_references(emulator) -> dict[str, str]:
    with arrow_client_from_credentials(api_url=emulator.base_url, api_key=emulator.api_key) as client:
        return {customer.company_name: customer.reference for customer in client.iter_customers()}


def billing_sync_with_lines(mapping, period: dt.date, vendors: list[str], sell_total=Decimal(0)) -> ArrowBillingSync:
    """A billing sync of `mapping` with one line (and invoice item) per vendor name."""
    invoice = invoice_get_or_create(customer=mapping.waldur_customer, period=period)
    sync = ArrowBillingSync.objects.create(
        customer_mapping=mapping, report_period=period, invoice=invoice, sell_total=sell_total
    )
    start, end = period_bounds(period)
    for number, vendor in enumerate(vendors):
        item = invoice_item_create(invoice=invoice, name="Arrow line", unit_price=Decimal(1), start=start, end=end)
        sync.items.create(arrow_line_reference=f"L{period:%m}-{number}", invoice_item=item, vendor_name=vendor,
                          arrow_account=mapping.settings.arrow_account, report_period=period)
    return sync


def is_url(value: str, path: str) -> bool:
    return value.startswith("http") and path in value


# Customer mappings


def test_customer_mapping_create_uses_uuids_then_urls(staff_client):
    arrow_settings = ArrowSettingsFactory()
    customer = CustomerFactory()
    body = {"settings": str(arrow_settings.uuid), "arrow_reference": "XSP1", "waldur_customer": str(customer.uuid)}
    response = staff_client.post(CUSTOMERS_URL, body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert set(created) == CUSTOMER_MAPPING_FIELDS
    assert created["settings"] == str(arrow_settings.uuid) and created["waldur_customer"] == str(customer.uuid)
    assert created["waldur_customer_name"] == customer.name and created["is_active"] is True
    detail = staff_client.get(f"{CUSTOMERS_URL}{created['uuid']}/").json()
    assert is_url(detail["settings"], f"/api/admin/arrow/settings/{arrow_settings.uuid}/")
    assert is_url(detail["waldur_customer"], f"/api/customers/{customer.uuid}/")
    other = CustomerFactory()
    put = staff_client.put(
        f"{CUSTOMERS_URL}{created['uuid']}/",
        {"settings": detail["settings"], "arrow_reference": "XSP1", "waldur_customer": f"http://testserver/api/customers/{other.uuid}/"},
        format="json",
    )
    assert put.status_code == 200, put.content
    assert put.json()["waldur_customer_uuid"] == str(other.uuid) and is_url(put.json()["waldur_customer"], "/api/customers/")
    patch = staff_client.patch(f"{CUSTOMERS_URL}{created['uuid']}/", {"is_active": False}, format="json")
    assert patch.status_code == 200 and patch.json()["is_active"] is False
    assert staff_client.delete(f"{CUSTOMERS_URL}{created['uuid']}/").status_code == 204
    assert staff_client.get(f"{CUSTOMERS_URL}{created['uuid']}/").status_code == 404
    assert not ArrowCustomerMapping.objects.not_archived().exists()  # archived, not dropped


def test_customer_mapping_bad_input(staff_client):
    arrow_settings = ArrowSettingsFactory()
    customer = CustomerFactory()
    existing = ArrowCustomerMappingFactory(settings=arrow_settings, arrow_reference="XSP1")
    cases = {
        "settings": {"settings": MISSING_UUID, "arrow_reference": "XSP2", "waldur_customer": str(customer.uuid)},
        "waldur_customer": {"settings": str(arrow_settings.uuid), "arrow_reference": "XSP2", "waldur_customer": "junk"},
        "arrow_reference": {"settings": str(arrow_settings.uuid), "arrow_reference": "XSP1", "waldur_customer": str(customer.uuid)},
    }
    for field, body in cases.items():
        response = staff_client.post(CUSTOMERS_URL, body, format="json")
        assert response.status_code == 400, field
        assert field in response.json()
    missing = staff_client.post(CUSTOMERS_URL, {}, format="json")
    assert missing.status_code == 400 and {"settings", "arrow_reference", "waldur_customer"} <= set(missing.json())
    second = ArrowCustomerMappingFactory(settings=arrow_settings, arrow_reference="XSP2")
    clash = staff_client.patch(f"{CUSTOMERS_URL}{second.uuid}/", {"arrow_reference": existing.arrow_reference}, format="json")
    assert clash.status_code == 400 and "arrow_reference" in clash.json()
    assert staff_client.get(f"{CUSTOMERS_URL}{MISSING_UUID}/").status_code == 404


def test_customer_mapping_filters(staff_client):
    first_settings, second_settings = ArrowSettingsFactory(is_active=False), ArrowSettingsFactory()
    wanted = ArrowCustomerMappingFactory(settings=first_settings, arrow_reference="XSP10", arrow_company_name="Nordic OÜ")
    ArrowCustomerMappingFactory(settings=second_settings, arrow_reference="XSP11", is_active=False)
    settings_url = f"http://testserver/api/admin/arrow/settings/{first_settings.uuid}/"
    customer_url = f"http://testserver/api/customers/{wanted.waldur_customer.uuid}/"
    for params in (
        {"settings_uuid": first_settings.uuid}, {"settings": settings_url}, {"settings": first_settings.uuid},
        {"waldur_customer_uuid": wanted.waldur_customer.uuid}, {"waldur_customer": customer_url},
        {"arrow_reference": "XSP10"}, {"arrow_company_name": "nordic"}, {"is_active": "true"},
    ):
        response = staff_client.get(CUSTOMERS_URL, params)
        assert [row["uuid"] for row in response.json()] == [str(wanted.uuid)], params
    for params in ({"settings_uuid": "bad"}, {"settings": "bad"}, {"waldur_customer_uuid": "x"}, {"waldur_customer": "x"}):
        response = staff_client.get(CUSTOMERS_URL, params)
        assert response.status_code == 400 and set(params) <= set(response.json()), params
    assert staff_client.head(CUSTOMERS_URL)["X-Result-Count"] == "2"


def test_sync_from_arrow_refreshes_company_names(staff_client, arrow_emulator, emulator_settings):
    references = emulator_references(arrow_emulator)
    stale = ArrowCustomerMappingFactory(
        settings=emulator_settings, arrow_reference=references["Baltic Data Systems SIA"], arrow_company_name="old"
    )
    fresh = ArrowCustomerMappingFactory(
        settings=emulator_settings, arrow_reference=references["Tartu Research Lab"], arrow_company_name="Tartu Research Lab"
    )
    url = f"{CUSTOMERS_URL}sync_from_arrow/"
    response = staff_client.post(url, {}, format="json")
    assert response.status_code == 200 and response.json() == {"updated": 1}
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.arrow_company_name == "Baltic Data Systems SIA" and fresh.arrow_company_name == "Tartu Research Lab"
    again = staff_client.post(url, {"settings_uuid": str(emulator_settings.uuid)}, format="json")
    assert again.json() == {"updated": 0}
    assert staff_client.post(url, {"settings_uuid": MISSING_UUID}, format="json").status_code == 404
    assert staff_client.post(url, {"settings_uuid": "nope"}, format="json").status_code == 400


def test_actions_without_active_settings_are_400(staff_client):
    ArrowSettingsFactory(is_active=False)
    response = staff_client.post(f"{CUSTOMERS_URL}sync_from_arrow/", {}, format="json")
    assert response.status_code == 400 and "Arrow" in response.json()["settings_uuid"][0]
    response = staff_client.get(f"{CUSTOMERS_URL}available_customers/")
    assert response.status_code == 400 and "Arrow" in response.json()["detail"]


def test_available_customers_lists_unmapped_with_suggestions(staff_client, arrow_emulator, emulator_settings):
    references = emulator_references(arrow_emulator)
    nordic, baltic = CustomerFactory(name="Nordic Cloud Solutions"), CustomerFactory(name="Baltic Data Systems")
    ArrowCustomerMappingFactory(
        settings=emulator_settings, arrow_reference=references["Nordic Cloud Solutions OÜ"], waldur_customer=nordic
    )
    response = staff_client.get(f"{CUSTOMERS_URL}available_customers/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"settings_uuid", "arrow_customers", "waldur_customers", "suggestions"}
    assert body["settings_uuid"] == str(emulator_settings.uuid)
    listed = {item["companyName"] for item in body["arrow_customers"]}
    assert "Nordic Cloud Solutions OÜ" not in listed and "Baltic Data Systems SIA" in listed
    assert response["X-Result-Count"] == str(len(listed))
    suggestion = next(s for s in body["suggestions"] if s["arrow_customer"]["companyName"] == "Baltic Data Systems SIA")
    assert suggestion["suggested_waldur_customer"]["uuid"] == str(baltic.uuid)
    head = staff_client.head(f"{CUSTOMERS_URL}available_customers/")
    assert head.status_code == 200 and head["X-Result-Count"] == str(len(listed))


def test_available_customers_when_arrow_rejects_the_key(staff_client, arrow_emulator):
    ArrowSettingsFactory(api_url=arrow_emulator.base_url, api_key="wrong")
    response = staff_client.get(f"{CUSTOMERS_URL}available_customers/")
    assert response.status_code == 400 and "401" in response.json()["detail"]


def test_billing_summary_zeros_then_aggregates_in_constant_queries(staff_client):
    mapping = ArrowCustomerMappingFactory()
    url = f"{CUSTOMERS_URL}{mapping.uuid}/billing_summary/"
    empty = staff_client.get(url)
    assert empty.status_code == 200 and empty["X-Result-Count"] == "1"
    body = empty.json()
    assert body["total_consumption_records"] == 0 and body["total_consumed_sell"] == "0.00"
    assert body["total_billing_syncs"] == 0 and body["total_billing_sell"] == "0.00"
    assert body["recent_consumption_records"] == [] and body["recent_billing_syncs"] == []
    resource = ResourceFactory(project=ProjectFactory(customer=mapping.waldur_customer))
    for month in (1, 2, 3):
        ArrowConsumptionRecord.objects.create(
            resource=resource, license_reference="XSP9", billing_period=dt.date(2025, month, 1),
            consumed_sell=Decimal("10.505"), final_sell=Decimal("11") if month < 3 else None,
            finalized_at=dt.datetime(2025, month + 1, 5, tzinfo=dt.UTC) if month < 3 else None,
        )
    with CaptureQueriesContext(connection) as few:
        staff_client.get(url)
    for month in (1, 2):
        billing_sync_with_lines(mapping, dt.date(2025, month, 1), ["Microsoft"], sell_total=Decimal("5.25"))
    with CaptureQueriesContext(connection) as more:
        body = staff_client.get(url).json()
    assert len(more) == len(few)
    assert body["total_consumption_records"] == 3 and body["pending_records"] == 1 and body["finalized_records"] == 2
    assert body["total_consumed_sell"] == "31.52" and body["total_final_sell"] == "22.00"
    assert body["total_billing_syncs"] == 2 and body["total_billing_sell"] == "10.50"
    assert [s["report_period"] for s in body["recent_billing_syncs"]] == ["2025-02", "2025-01"]
    assert body["recent_billing_syncs"][0]["items_count"] == 1 and body["recent_billing_syncs"][0]["state"] == "Pending"
    assert body["recent_consumption_records"][0]["billing_period"] == "2025-03-01"
    assert body["recent_consumption_records"][0]["final_sell"] is None
    assert staff_client.get(f"{CUSTOMERS_URL}{MISSING_UUID}/billing_summary/").status_code == 404


# Vendor-offering mappings


def test_vendor_mapping_crud_shapes(staff_client):
    arrow_settings = ArrowSettingsFactory()
    offering = OfferingFactory(type="Marketplace.Basic")
    plan = PlanFactory(offering=offering)
    body = {"settings": str(arrow_settings.uuid), "arrow_vendor_name": "Microsoft", "offering": str(offering.uuid)}
    response = staff_client.post(VENDORS_URL, body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert set(created) == VENDOR_MAPPING_FIELDS
    assert created["settings"] == str(arrow_settings.uuid) and created["offering"] == str(offering.uuid)
    assert created["plan"] is None and created["plan_uuid"] is None and created["plan_name"] is None
    assert created["offering_type"] == "Marketplace.Basic"
    detail_url = f"{VENDORS_URL}{created['uuid']}/"
    detail = staff_client.get(detail_url).json()
    assert is_url(detail["settings"], "/api/admin/arrow/settings/") and detail["offering"] == str(offering.uuid)
    patch = staff_client.patch(detail_url, {"plan": str(plan.uuid)}, format="json")
    assert patch.status_code == 200 and patch.json()["plan_uuid"] == str(plan.uuid) and patch.json()["plan_name"] == plan.name
    put = staff_client.put(
        detail_url,
        {"settings": detail["settings"], "arrow_vendor_name": "Microsoft", "offering": f"http://testserver/api/marketplace-provider-offerings/{offering.uuid}/", "plan": None},
        format="json",
    )
    assert put.status_code == 200 and put.json()["plan"] is None
    assert staff_client.delete(detail_url).status_code == 204


def test_vendor_mapping_plan_must_belong_to_offering(staff_client):
    arrow_settings = ArrowSettingsFactory()
    offering, foreign_plan = OfferingFactory(), PlanFactory()
    body = {"settings": str(arrow_settings.uuid), "arrow_vendor_name": "AWS", "offering": str(offering.uuid),
            "plan": str(foreign_plan.uuid)}
    response = staff_client.post(VENDORS_URL, body, format="json")
    assert response.status_code == 400 and "plan" in response.json()
    mapping = ArrowVendorOfferingMappingFactory(settings=arrow_settings, offering=offering)
    url = f"{VENDORS_URL}{mapping.uuid}/"
    assert staff_client.patch(url, {"plan": str(foreign_plan.uuid)}, format="json").status_code == 400
    own_plan = PlanFactory(offering=offering)
    mapping.plan = own_plan
    mapping.save()
    # Changing the offering alone leaves the plan of the old offering behind: refused too.
    moved = staff_client.patch(url, {"offering": str(OfferingFactory().uuid)}, format="json")
    assert moved.status_code == 400 and "plan" in moved.json()


def test_vendor_mapping_bad_input(staff_client):
    arrow_settings = ArrowSettingsFactory()
    offering = OfferingFactory()
    ArrowVendorOfferingMappingFactory(settings=arrow_settings, arrow_vendor_name="Microsoft")
    cases = {
        "arrow_vendor_name": {"settings": str(arrow_settings.uuid), "arrow_vendor_name": "Microsoft", "offering": str(offering.uuid)},
        "offering": {"settings": str(arrow_settings.uuid), "arrow_vendor_name": "AWS", "offering": MISSING_UUID},
        "settings": {"settings": "nope", "arrow_vendor_name": "AWS", "offering": str(offering.uuid)},
        "plan": {"settings": str(arrow_settings.uuid), "arrow_vendor_name": "AWS", "offering": str(offering.uuid), "plan": MISSING_UUID},
    }
    for field, body in cases.items():
        response = staff_client.post(VENDORS_URL, body, format="json")
        assert response.status_code == 400, field
        assert field in response.json(), field


def test_vendor_mapping_filters(staff_client):
    arrow_settings = ArrowSettingsFactory()
    wanted = ArrowVendorOfferingMappingFactory(settings=arrow_settings, arrow_vendor_name="Microsoft")
    ArrowVendorOfferingMappingFactory(arrow_vendor_name="Amazon Web Services", is_active=False)
    offering_url = f"http://testserver/api/marketplace-provider-offerings/{wanted.offering.uuid}/"
    for params in (
        {"arrow_vendor_name": "microsoft"}, {"is_active": "true"}, {"offering_uuid": wanted.offering.uuid},
        {"offering": offering_url}, {"settings_uuid": arrow_settings.uuid}, {"settings": arrow_settings.uuid},
    ):
        assert [row["uuid"] for row in staff_client.get(VENDORS_URL, params).json()] == [str(wanted.uuid)], params
    for params in ({"offering_uuid": "bad"}, {"offering": "bad"}, {"settings_uuid": "1"}):
        assert staff_client.get(VENDORS_URL, params).status_code == 400


def test_vendor_choices_from_arrow_catalog(staff_client, arrow_emulator, emulator_settings):
    response = staff_client.get(f"{VENDORS_URL}vendor_choices/")
    assert response.status_code == 200
    choices = response.json()
    assert {"value": "Microsoft", "label": "Microsoft"} in choices
    assert all(set(choice) == {"value", "label"} for choice in choices)
    head = staff_client.head(f"{VENDORS_URL}vendor_choices/")
    assert head.status_code == 200 and head["X-Result-Count"] == str(len(choices))


def test_vendor_choices_fall_back_to_billing_history(staff_client, arrow_emulator):
    mapping = ArrowCustomerMappingFactory(settings=ArrowSettingsFactory(api_url=arrow_emulator.base_url, api_key="wrong"))
    billing_sync_with_lines(mapping, dt.date(2025, 1, 1), ["Oracle", "Oracle", "Google"])
    response = staff_client.get(f"{VENDORS_URL}vendor_choices/")
    assert response.status_code == 200
    assert response.json() == [{"value": "Google", "label": "Google"}, {"value": "Oracle", "label": "Oracle"}]


def test_settings_and_mappings_with_billing_are_deleted_as_the_contract_says(staff_client):
    """204 then 404 (it used to be 409): the objects are archived and their billing stays."""
    mapping = ArrowCustomerMappingFactory()
    sync = billing_sync_with_lines(mapping, dt.date(2025, 1, 1), ["Microsoft"])
    for url in (f"{CUSTOMERS_URL}{mapping.uuid}/", f"/api/admin/arrow/settings/{mapping.settings.uuid}/"):
        assert staff_client.delete(url).status_code == 204
        assert staff_client.get(url).status_code == 404
    assert staff_client.get(f"/api/admin/arrow/billing-syncs/{sync.uuid}/").json()["arrow_reference"] == (
        mapping.arrow_reference
    )


def test_unknown_uuid_everywhere_is_404(staff_client):
    for base in (CUSTOMERS_URL, VENDORS_URL):
        for method in ("get", "put", "patch", "delete"):
            assert getattr(staff_client, method)(f"{base}{uuid.uuid4()}/", {}, format="json").status_code == 404
