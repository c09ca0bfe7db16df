"""/api/admin/arrow/billing-syncs/ and /billing-sync-items/: queued actions, input checks,
read-only lists with every filter of the reference, constant query counts."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrow_integration.choices import BillingSyncState
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowSettings
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.tests.billing_support import BALTIC, NORDIC, TARTU
from arrow_integration.tests.periods import current_period, previous_period
from core.tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db
SYNCS = "/api/admin/arrow/billing-syncs/"
ITEMS = "/api/admin/arrow/billing-sync-items/"


def period_body(period, **extra) -> dict:
    return {"year": period.year, "month": period.month, **extra}


@pytest.fixture
def imported(billing_settings, mapped):
    billing_sync_import_period(settings=billing_settings, period=previous_period())
    return billing_settings


def test_trigger_sync_answers_202_and_the_worker_imports_the_month(
    staff_client, billing_settings, mapped, django_capture_on_commit_callbacks
):
    period = previous_period()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = staff_client.post(SYNCS + "trigger_sync/", period_body(period), format="json")

    assert response.status_code == 202 and str(period) in response.json()["message"] and len(queued) == 1
    assert ArrowBillingSync.objects.filter(report_period=period.first_day).count() == len(mapped)


def test_trigger_sync_of_one_resource_imports_its_license_only(
    staff_client, billing_settings, mapped, django_capture_on_commit_callbacks
):
    resource = ResourceFactory(backend_id="XSP5000102")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(SYNCS + "trigger_sync/", period_body(
            previous_period(), settings_uuid=str(billing_settings.uuid), resource_uuid=str(resource.uuid)
        ), format="json")

    assert response.status_code == 202
    assert set(ArrowBillingSyncItem.objects.values_list("license_reference", flat=True)) == {"XSP5000102"}


def test_reconcile_answers_202_and_reconciles_when_forced(
    staff_client, imported, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(SYNCS + "reconcile/", period_body(previous_period(), force=True), format="json")

    assert response.status_code == 202 and "message" in response.json()
    assert set(ArrowBillingSync.objects.values_list("state", flat=True)) == {BillingSyncState.RECONCILED}


@pytest.mark.parametrize("action", ["trigger_sync", "reconcile"])
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2025, "month": 13}, "month"),
        ({"year": 2025, "month": 0}, "month"),
        ({"year": 1999, "month": 5}, "year"),
        ({"year": 2101, "month": 5}, "year"),
        ({"year": 2025}, "month"),
        ({"month": 5}, "year"),
        ({"year": "twenty", "month": 5}, "year"),
        ({"year": 2025, "month": 5, "settings_uuid": "not-a-uuid"}, "settings_uuid"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_queues_nothing(
    staff_client, billing_settings, action, body, field, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = staff_client.post(SYNCS + f"{action}/", body, format="json")

    assert response.status_code == 400 and field in response.json() and queued == []


@pytest.mark.parametrize("action", ["trigger_sync", "reconcile"])
def test_unknown_settings_is_a_404_and_missing_settings_a_400(staff_client, action, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        unknown = staff_client.post(SYNCS + f"{action}/",
                                    {"year": 2025, "month": 5, "settings_uuid": str(uuid.uuid4())}, format="json")
        unconfigured = staff_client.post(SYNCS + f"{action}/", {"year": 2025, "month": 5}, format="json")

    assert unknown.status_code == 404 and "settings_uuid" in unknown.json()
    assert unconfigured.status_code == 400 and "settings_uuid" in unconfigured.json()
    assert queued == []


def test_trigger_sync_checks_the_resource(staff_client, billing_settings):
    body = period_body(previous_period())
    unknown = staff_client.post(SYNCS + "trigger_sync/", {**body, "resource_uuid": str(uuid.uuid4())}, format="json")
    unlinked = staff_client.post(SYNCS + "trigger_sync/", {**body, "resource_uuid": str(ResourceFactory().uuid)},
                                 format="json")

    assert unknown.status_code == 404
    assert unlinked.status_code == 400 and "resource_uuid" in unlinked.json()


def test_billing_syncs_are_read_only_and_staff_only(staff_client, user_client, anonymous_client, imported):
    sync = ArrowBillingSync.objects.first()
    detail = f"{SYNCS}{sync.uuid}/"

    assert staff_client.post(SYNCS, {}, format="json").status_code == 405
    assert staff_client.put(detail, {}, format="json").status_code == 405
    assert staff_client.patch(detail, {}, format="json").status_code == 405
    assert staff_client.delete(detail).status_code == 405
    assert staff_client.delete(f"{ITEMS}{sync.items.first().uuid}/").status_code == 405
    assert user_client.get(SYNCS).status_code == 403 and anonymous_client.get(SYNCS).status_code == 401
    assert user_client.post(SYNCS + "trigger_sync/", period_body(previous_period()), format="json").status_code == 403
    assert staff_client.get(f"{SYNCS}{uuid.uuid4()}/").status_code == 404


def test_retrieve_shows_every_documented_key_with_items_embedded(staff_client, imported, mapped):
    sync = ArrowBillingSync.objects.get(customer_mapping=mapped[TARTU])

    body = staff_client.get(f"{SYNCS}{sync.uuid}/").json()

    assert body["invoice_uuid"] == str(sync.invoice.uuid) and body["state"] == 2 and body["state_display"] == "Synced"
    assert body["report_period"] == str(previous_period()) and body["arrow_reference"] == TARTU
    assert body["customer_mapping"].endswith(f"/api/admin/arrow/customer-mappings/{mapped[TARTU].uuid}/")
    assert body["waldur_customer_name"] == mapped[TARTU].waldur_customer.name
    assert body["sell_total"] == f"{sync.sell_total:.7f}" and body["reconciled_at"] is None
    assert len(body["items"]) == sync.items.count()
    item = body["items"][0]
    assert set(item) == {"uuid", "arrow_line_reference", "invoice_item_uuid", "original_price",
                         "compensation_item_uuid", "vendor_name", "subscription_reference", "classification",
                         "description", "quantity", "created"}
    assert item["compensation_item_uuid"] is None and item["invoice_item_uuid"]


def test_billing_sync_filters(staff_client, imported, mapped):
    nordic = ArrowBillingSync.objects.get(customer_mapping=mapped[NORDIC])
    ArrowBillingSync.objects.filter(customer_mapping=mapped[BALTIC]).update(statement_reference="ST-1")

    def refs(**query):
        response = staff_client.get(SYNCS, query)
        assert response.status_code == 200, response.json()
        return sorted(row["arrow_reference"] for row in response.json())

    everyone = sorted(mapped)
    previous, current = str(previous_period()), str(current_period())
    assert refs(customer_mapping_uuid=str(mapped[NORDIC].uuid)) == [NORDIC]
    assert refs(customer_mapping=f"http://testserver/api/admin/arrow/customer-mappings/{mapped[NORDIC].uuid}/") == [
        NORDIC
    ]
    assert refs(settings_uuid=str(imported.uuid)) == everyone and refs(settings_uuid=str(uuid.uuid4())) == []
    assert refs(report_period=previous) == everyone and refs(report_period=current) == []
    assert refs(report_period_from=previous, report_period_to=previous) == everyone
    assert refs(report_period_from=current) == [] and refs(report_period_to=previous) == everyone
    assert refs(state=nordic.state) == everyone and refs(state=BillingSyncState.RECONCILED) == []
    assert refs(arrow_state="pending") == everyone and refs(statement_reference="ST-1") == [BALTIC]
    for bad in ({"report_period": "2025-13"}, {"report_period_from": "25-01"}, {"state": "9"},
                {"customer_mapping_uuid": "nope"}, {"customer_mapping": "http://testserver/nothing/"}):
        response = staff_client.get(SYNCS, bad)
        assert response.status_code == 400 and set(bad) <= set(response.json())


def test_billing_sync_item_filters(staff_client, imported, mapped):
    item = ArrowBillingSyncItem.objects.filter(billing_sync__customer_mapping=mapped[TARTU]).first()
    sync = item.billing_sync
    ArrowBillingSyncItem.objects.filter(pk=item.pk).update(compensation_item=item.invoice_item)

    def lines(**query):
        response = staff_client.get(ITEMS, {"page_size": 100, **query})
        assert response.status_code == 200, response.json()
        return sorted(row["arrow_line_reference"] for row in response.json())

    of_sync = sorted(sync.items.values_list("arrow_line_reference", flat=True))
    assert lines(billing_sync_uuid=str(sync.uuid)) == of_sync
    assert lines(billing_sync=f"http://testserver{SYNCS}{sync.uuid}/") == of_sync
    assert lines(arrow_line_reference=item.arrow_line_reference) == [item.arrow_line_reference]
    assert lines(has_compensation="true") == [item.arrow_line_reference]
    assert len(lines(has_compensation="false")) == ArrowBillingSyncItem.objects.count() - 1
    assert lines(subscription_reference=item.subscription_reference) == [item.arrow_line_reference]
    assert len(lines(vendor_name="microsoft")) == ArrowBillingSyncItem.objects.filter(vendor_name="Microsoft").count()
    assert len(lines(classification="iaas")) == ArrowBillingSyncItem.objects.count()
    assert len(lines(report_period=str(previous_period()))) == ArrowBillingSyncItem.objects.count()
    assert lines(report_period=str(current_period())) == []
    detail = staff_client.get(f"{ITEMS}{item.uuid}/").json()
    assert detail["has_compensation"] is True and detail["billing_sync_uuid"] == str(sync.uuid)
    assert detail["report_period"] == str(previous_period()) and detail["url"].endswith(f"{ITEMS}{item.uuid}/")
    assert staff_client.get(ITEMS, {"has_compensation": "maybe"}).status_code == 400
    assert staff_client.get(ITEMS, {"report_period": "2025-00"}).status_code == 400


@pytest.mark.parametrize("path", [SYNCS, ITEMS])
def test_a_page_costs_the_same_number_of_queries_whatever_its_size(staff_client, imported, path):
    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff_client.get(path, {"page_size": page_size})
        assert response.status_code == 200 and len(response.json()) == min(
            page_size, (ArrowBillingSync if path == SYNCS else ArrowBillingSyncItem).objects.count()
        )
        return len(captured)

    assert queries(1) == queries(3) == queries(100)


def test_head_counts_the_list(staff_client, imported):
    response = staff_client.head(SYNCS)
    assert response.status_code == 200 and response["X-Result-Count"] == str(ArrowBillingSync.objects.count())
    response = staff_client.head(ITEMS, {"billing_sync_uuid": str(ArrowBillingSync.objects.first().uuid)})
    assert int(response["X-Result-Count"]) == ArrowBillingSync.objects.first().items.count()


def test_settings_of_the_request_are_used(staff_client, billing_settings, mapped, django_capture_on_commit_callbacks):
    other = ArrowSettings.objects.create(api_url=billing_settings.api_url, export_type_reference="MSP_EXTENDED",
                                         api_key_encrypted=billing_settings.api_key_encrypted, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(SYNCS + "trigger_sync/",
                                     period_body(previous_period(), settings_uuid=str(other.uuid)), format="json")

    assert response.status_code == 202
    assert not ArrowBillingSync.objects.exists()  # the other settings have no mappings
    assert other.sync_runs.count() == 1 and billing_settings.sync_runs.count() == 0
