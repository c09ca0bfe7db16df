"""sync_resources: IAAS subscriptions of the billing export as resources, idempotent, bulk."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrow_client import Period
from arrow_integration.models import ArrowCustomerMapping
from arrow_integration.services.licenses.resource_sync import resources_sync_from_billing
from arrow_integration.services.licenses.resource_writes import CLOUD_COST_COMPONENT, FORCE_IMPORT_PROJECT_NAME
from arrow_integration.tests.factories import ArrowSettingsFactory, ArrowVendorOfferingMappingFactory
from arrow_integration.tests.license_support import (
    AWS,
    DEVELOPMENT_LICENSE,
    MICROSOFT,
    NORDIC_AWS_LICENSE,
    NORDIC_REFERENCE,
    PRODUCTION_LICENSE,
    SYNC_RESOURCES_URL,
    default_periods,
    iaas_totals_by_license,
)
from core.models import ComponentUsage, Customer, Project, Resource
from core.tests.factories import OfferingComponentFactory, OfferingFactory

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Customer, Project, Resource, ComponentUsage, ArrowCustomerMapping)
    }


@pytest.fixture
def fresh_vendor_mappings(arrow_settings):
    """Vendor mappings on a database without the demo customers (offerings of their own)."""
    mappings = {}
    for vendor in (MICROSOFT, AWS):
        offering = OfferingFactory(name=f"{vendor} via Arrow")
        OfferingComponentFactory(offering=offering, type=CLOUD_COST_COMPONENT)
        mappings[vendor] = ArrowVendorOfferingMappingFactory(
            settings=arrow_settings, arrow_vendor_name=vendor, offering=offering
        )
    return mappings


class TestForceImport:
    def test_creates_customers_projects_mappings_and_resources_once(self, arrow_settings, fresh_vendor_mappings):
        period_from, period_to = default_periods()
        totals, customer_of = iaas_totals_by_license(arrow_settings, period_from, period_to)
        arrow_customers = set(customer_of.values())
        assert len(arrow_customers) == 6 and len(totals) > len(arrow_customers)

        first = resources_sync_from_billing(arrow_settings=arrow_settings, force_import=True)

        assert (first.customers_created, first.projects_created, first.mappings_created) == (6, 6, 6)
        assert first.created == first.synced == len(totals)
        assert first.errors == []
        mappings = ArrowCustomerMapping.objects.filter(settings=arrow_settings)
        assert set(mappings.values_list("arrow_reference", flat=True)) == arrow_customers
        assert Project.objects.filter(name=FORCE_IMPORT_PROJECT_NAME).count() == 6
        for reference, months in totals.items():
            resource = Resource.objects.get(backend_id=reference)
            mapping = mappings.get(arrow_reference=customer_of[reference])
            assert resource.project.customer == mapping.waldur_customer
            assert resource.project.name == FORCE_IMPORT_PROJECT_NAME
            assert resource.state == Resource.State.OK
            usages = {
                Period.from_date(usage.billing_period): usage.usage
                for usage in ComponentUsage.objects.filter(resource=resource, component__type=CLOUD_COST_COMPONENT)
            }
            assert usages == months
            assert Decimal(resource.current_usages[CLOUD_COST_COMPONENT]) == months[max(months)]
        nordic = Customer.objects.get(arrow_mappings__arrow_reference=NORDIC_REFERENCE)
        assert nordic.name == "Nordic Cloud Solutions OÜ"

        counts = row_counts()
        second = resources_sync_from_billing(arrow_settings=arrow_settings, force_import=True)

        assert (second.created, second.updated, second.customers_created, second.projects_created,
                second.mappings_created) == (0, 0, 0, 0, 0)
        assert second.synced == len(totals)
        assert row_counts() == counts

    def test_adopts_existing_customer_with_the_same_name(self, arrow_settings, demo_data, fresh_vendor_mappings):
        result = resources_sync_from_billing(arrow_settings=arrow_settings, force_import=True)

        assert result.mappings_created == 6
        assert result.customers_created == 3  # the three demo customers are reused
        tartu = ArrowCustomerMapping.objects.get(arrow_reference="XSP100003")
        assert tartu.waldur_customer == demo_data.customers[2]
        nordic = ArrowCustomerMapping.objects.get(arrow_reference=NORDIC_REFERENCE)
        assert nordic.waldur_customer == demo_data.customers[0]

    def test_dry_run_writes_nothing_and_counts_the_same(self, arrow_settings, fresh_vendor_mappings):
        counts = row_counts()
        planned = []

        dry = resources_sync_from_billing(arrow_settings=arrow_settings, force_import=True, dry_run=True,
                                          on_action=planned.append)

        assert row_counts() == counts
        assert dry.dry_run and dry.created > 0 and dry.customers_created == 6
        assert sum(action.startswith("create resource") for action in planned) == dry.created
        real = resources_sync_from_billing(arrow_settings=arrow_settings, force_import=True)
        assert (real.created, real.customers_created, real.projects_created) == (
            dry.created, dry.customers_created, dry.projects_created
        )


class TestLinkedAndMappedResources:
    def test_updates_linked_resource_and_creates_missing_in_given_project(
        self, arrow_settings, nordic_mapping, demo_data, vendor_mappings
    ):
        demo_data.resource.backend_id = PRODUCTION_LICENSE
        demo_data.resource.save()
        period_from, period_to = default_periods()
        totals, _ = iaas_totals_by_license(arrow_settings, period_from, period_to)

        result = resources_sync_from_billing(arrow_settings=arrow_settings, project=demo_data.project)

        assert result.created == 2  # XSP5000102 (Azure) and XSP5000103 (AWS) of Nordic
        assert result.updated == 1 and result.synced == 3
        assert result.skipped == len(totals) - 3  # other customers are not mapped
        assert {error["customer_id"] for error in result.errors} == {
            "XSP100002", "XSP100003", "XSP100004", "XSP100005", "XSP100006"
        }
        demo_data.resource.refresh_from_db()
        assert demo_data.resource.report[0]["header"] == "Arrow subscription"
        assert PRODUCTION_LICENSE in demo_data.resource.report[0]["body"]
        assert demo_data.resource.attributes["vendor_subscription_id"]
        production = totals[PRODUCTION_LICENSE]
        assert Decimal(demo_data.resource.current_usages[CLOUD_COST_COMPONENT]) == production[max(production)]
        usages = ComponentUsage.objects.filter(resource=demo_data.resource)
        assert {Period.from_date(usage.billing_period): usage.usage for usage in usages} == production
        development = Resource.objects.get(backend_id=DEVELOPMENT_LICENSE)
        assert (development.offering, development.plan, development.project) == (
            demo_data.offering, demo_data.plan, demo_data.project
        )
        aws = Resource.objects.get(backend_id=NORDIC_AWS_LICENSE)
        assert aws.offering == vendor_mappings[AWS].offering and aws.plan == vendor_mappings[AWS].plan
        assert aws.name == "nordic-prod-aws"

        again = resources_sync_from_billing(arrow_settings=arrow_settings, project=demo_data.project)
        assert (again.created, again.updated, again.synced) == (0, 0, 3)

    def test_changed_price_updates_usage_in_place(self, arrow_settings, nordic_mapping, demo_data, arrow_emulator):
        demo_data.resource.backend_id = PRODUCTION_LICENSE
        demo_data.resource.save()
        resources_sync_from_billing(arrow_settings=arrow_settings)
        period = Period.current().previous()
        line = next(item for item in arrow_emulator.control.lines(period)
                    if item["ARS Subscription ID"] == PRODUCTION_LICENSE)
        arrow_emulator.control.set_line_price(line["Sequence"], sell="1000.00", buy="900.00")
        usages_before = ComponentUsage.objects.count()

        result = resources_sync_from_billing(arrow_settings=arrow_settings)

        assert (result.updated, result.created) == (1, 0)
        assert ComponentUsage.objects.count() == usages_before
        totals, _ = iaas_totals_by_license(arrow_settings, period, period)
        usage = ComponentUsage.objects.get(resource=demo_data.resource, billing_period=period.first_day)
        assert usage.usage == totals[PRODUCTION_LICENSE][period]

    def test_buy_price_source_is_used_for_usages(self, arrow_settings, nordic_mapping, demo_data):
        arrow_settings.invoice_price_source = "buy"
        arrow_settings.save()
        demo_data.resource.backend_id = PRODUCTION_LICENSE
        demo_data.resource.save()
        period_from, period_to = default_periods()
        buy_totals, _ = iaas_totals_by_license(arrow_settings, period_from, period_to, price_source="buy")

        resources_sync_from_billing(arrow_settings=arrow_settings)

        usages = ComponentUsage.objects.filter(resource=demo_data.resource)
        assert {Period.from_date(usage.billing_period): usage.usage for usage in usages} == buy_totals[PRODUCTION_LICENSE]

    def test_vendor_without_offering_is_reported(self, arrow_settings, nordic_mapping, demo_data):
        result = resources_sync_from_billing(arrow_settings=arrow_settings, project=demo_data.project)

        assert result.created == 0
        assert any("No offering is mapped to vendor" in error["error"] for error in result.errors)

    def test_explicit_offering_overrides_vendor_mappings(self, arrow_settings, nordic_mapping, demo_data, aws_offering):
        result = resources_sync_from_billing(arrow_settings=arrow_settings, project=demo_data.project,
                                             offering=aws_offering)

        assert result.created == 3
        assert set(Resource.objects.filter(offering=aws_offering).values_list("backend_id", flat=True)) == {
            PRODUCTION_LICENSE, DEVELOPMENT_LICENSE, NORDIC_AWS_LICENSE
        }


class TestStreamingAndBulk:
    def test_small_export_pages_are_streamed_with_progress(self, arrow_settings, arrow_emulator, fresh_vendor_mappings):
        arrow_emulator.control.reset(export_page_size=7)
        progress = []

        result = resources_sync_from_billing(arrow_settings=arrow_settings, force_import=True,
                                             progress=lambda done, total: progress.append((done, total)))

        assert len(progress) > 5
        assert progress[-1][0] == progress[-1][1]
        period_from, period_to = default_periods()
        totals, _ = iaas_totals_by_license(arrow_settings, period_from, period_to)
        assert result.created == len(totals)

    def test_query_count_does_not_grow_with_licenses(self, arrow_settings, fresh_vendor_mappings):
        resources_sync_from_billing(arrow_settings=arrow_settings, force_import=True)
        for resource in Resource.objects.all():
            resource.report = []
            resource.save()
        ComponentUsage.objects.all().update(usage=Decimal(0))

        with CaptureQueriesContext(connection) as queries:
            result = resources_sync_from_billing(arrow_settings=arrow_settings, force_import=True)

        assert result.updated == result.synced > 10
        assert len(queries) < 25

    def test_long_range_is_split_into_export_windows(self, arrow_settings, arrow_emulator, fresh_vendor_mappings):
        current = Period.current()
        arrow_emulator.control.reset_counters()

        result = resources_sync_from_billing(arrow_settings=arrow_settings, force_import=True,
                                             period_from=current.shift(-11), period_to=current)

        assert arrow_emulator.control.counters()["billing/erp/exports/sync"] >= 2
        totals, _ = iaas_totals_by_license(arrow_settings, current.shift(-11), current)
        assert result.created == len(totals)


class TestSyncResourcesApi:
    def test_answers_the_counters(self, staff_client, arrow_settings, fresh_vendor_mappings):
        response = staff_client.post(SYNC_RESOURCES_URL, {"force_import": True}, format="json")

        assert response.status_code == 200
        body = response.json()
        for key in ("synced", "created", "updated", "orders_created", "customers_created", "projects_created",
                    "mappings_created", "invoices_created", "invoice_items_created", "errors"):
            assert key in body
        assert body["customers_created"] == 6 and body["created"] > 0

        again = staff_client.post(SYNC_RESOURCES_URL, {"force_import": True}, format="json").json()
        assert (again["created"], again["customers_created"], again["updated"]) == (0, 0, 0)

    def test_empty_body_uses_active_settings(self, staff_client, arrow_settings, nordic_mapping):
        response = staff_client.post(SYNC_RESOURCES_URL, {}, format="json")

        assert response.status_code == 200
        assert response.json()["created"] == 0

    @pytest.mark.parametrize("body, field", [
        ({"period_from": "2025-13"}, "period_from"),
        ({"period_to": "25-01"}, "period_to"),
        ({"period_from": "2025-06", "period_to": "2025-01"}, "period_from"),
        ({"settings_uuid": "nope"}, "settings_uuid"),
        ({"force_import": "maybe"}, "force_import"),
        ({"period_to": "2099-01"}, "period_to"),
    ])
    def test_bad_input_is_400_naming_the_field(self, staff_client, arrow_settings, body, field):
        response = staff_client.post(SYNC_RESOURCES_URL, body, format="json")

        assert response.status_code == 400
        assert field in response.json()

    def test_unknown_objects_are_404(self, staff_client, arrow_settings):
        for field in ("settings_uuid", "offering_uuid", "project_uuid"):
            response = staff_client.post(SYNC_RESOURCES_URL, {field: str(uuid.uuid4())}, format="json")
            assert response.status_code == 404
            assert field in response.json()

    def test_no_active_settings_is_400(self, staff_client, db):
        ArrowSettingsFactory(is_active=False)

        response = staff_client.post(SYNC_RESOURCES_URL, {}, format="json")

        assert response.status_code == 400

    def test_staff_only(self, user_client, anonymous_client):
        assert user_client.post(SYNC_RESOURCES_URL, {}, format="json").status_code == 403
        assert anonymous_client.post(SYNC_RESOURCES_URL, {}, format="json").status_code == 401
