"""Consumption endpoints of /api/admin/arrow/: status codes, shapes, validation, queries."""

import datetime as dt
from decimal import Decimal

import pytest

from arrow_integration.models import (
    ArrowBillingSync,
    ArrowBillingSyncItem,
    ArrowConsumptionRecord,
    ArrowSettings,
    ArrowSyncControl,
)
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tests.consumption_support import (
    AWS_LICENSE,
    DEVELOPMENT_LICENSE,
    PRODUCTION_LICENSE,
    record_of,
    resource_link,
)
from arrow_integration.tests.periods import current_period
from core.models import InvoiceItem
from core.services.invoices import invoice_issue

pytestmark = pytest.mark.django_db

BASE = "/api/admin/arrow/billing-syncs/"
RECORDS = "/api/admin/arrow/consumption-records/"


def period_body(period, **extra):
    return {"year": period.year, "month": period.month, **extra}


# Queued actions


def test_trigger_consumption_sync_queues_and_syncs(staff_client, arrow_settings, nordic_resources,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{BASE}trigger_consumption_sync/", period_body(current_period()), format="json")

    assert response.status_code == 202, response.content
    assert ArrowConsumptionRecord.objects.count() == 3


def test_trigger_consumption_sync_honours_resource_uuid(staff_client, arrow_settings, nordic_resources,
                                                        django_capture_on_commit_callbacks):
    resource = nordic_resources[2]
    body = period_body(current_period(), resource_uuid=str(resource.uuid), settings_uuid=str(arrow_settings.uuid))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{BASE}trigger_consumption_sync/", body, format="json")

    assert response.status_code == 202
    assert list(ArrowConsumptionRecord.objects.values_list("license_reference", flat=True)) == [AWS_LICENSE]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"year": 1999, "month": 1}, "year"),
        ({"year": 2101, "month": 1}, "year"),
        ({"year": 2026, "month": 0}, "month"),
        ({"year": 2026, "month": 13}, "month"),
        ({"month": 1}, "year"),
        ({"year": "2026x", "month": 1}, "year"),
        ({"year": 2026, "month": 1, "settings_uuid": "not-a-uuid"}, "settings_uuid"),
    ],
)
def test_queued_actions_validate_before_queueing(staff_client, arrow_settings, body, field):
    for name in ("trigger_consumption_sync", "trigger_reconciliation"):
        response = staff_client.post(f"{BASE}{name}/", body, format="json")
        assert response.status_code == 400 and field in response.json(), (name, response.content)
    assert not ArrowConsumptionRecord.objects.exists()


def test_queued_actions_with_unknown_objects_are_404(staff_client, arrow_settings):
    unknown = "00000000-0000-0000-0000-000000000000"
    for name in ("trigger_consumption_sync", "trigger_reconciliation"):
        response = staff_client.post(f"{BASE}{name}/", {"year": 2026, "month": 1, "settings_uuid": unknown},
                                     format="json")
        assert response.status_code == 404 and "settings_uuid" in response.json()
    response = staff_client.post(f"{BASE}trigger_consumption_sync/", {"year": 2026, "month": 1,
                                                                      "resource_uuid": unknown}, format="json")
    assert response.status_code == 404 and "resource_uuid" in response.json()


def test_trigger_consumption_sync_refuses_a_resource_without_license(staff_client, arrow_settings, nordic, offering):
    unlinked = resource_link(project=nordic, license_reference="", offering=offering)
    response = staff_client.post(f"{BASE}trigger_consumption_sync/",
                                 {"year": 2026, "month": 1, "resource_uuid": str(unlinked.uuid)}, format="json")
    assert response.status_code == 400 and "resource_uuid" in response.json()


def test_queued_actions_without_active_settings_are_400(staff_client, db):
    response = staff_client.post(f"{BASE}trigger_consumption_sync/", {"year": 2026, "month": 1}, format="json")
    assert response.status_code == 400 and "settings_uuid" in response.json()


def test_trigger_reconciliation_queues(staff_client, arrow_settings, nordic_resources,
                                       django_capture_on_commit_callbacks):
    period = current_period().previous()
    consumption_sync_period(settings=arrow_settings, period=period)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"{BASE}trigger_reconciliation/", period_body(period, force=True), format="json")

    assert response.status_code == 202
    assert ArrowConsumptionRecord.objects.filter(finalized_at__isnull=False).count() == 3


def test_consumption_actions_are_staff_only(user_client, anonymous_client, db):
    assert user_client.get(f"{BASE}consumption_status/").status_code == 403
    assert anonymous_client.post(f"{BASE}pause_sync/", {}, format="json").status_code == 401
    assert user_client.get(RECORDS).status_code == 403


# Historical consumption


def test_historical_dry_run_previews_without_writing(staff_client, arrow_settings, production_resource):
    body = {"resource_uuid": str(production_resource.uuid), "dry_run": True}

    response = staff_client.post(f"{BASE}sync_resource_historical_consumption/", body, format="json")

    data = response.json()
    assert response.status_code == 200, data
    assert data["dry_run"] is True and len(data["preview_periods"]) == 13
    # A dry run syncs nothing; what a real run would sync is in the preview.
    assert data["periods_synced"] == 0 and data["errors"] == []
    assert {entry["status"] for entry in data["preview_periods"]} == {"would_sync"}
    assert not ArrowConsumptionRecord.objects.exists() and not InvoiceItem.objects.exists()


def test_historical_sync_writes_each_month_and_skips_finalized(staff_client, arrow_settings, production_resource):
    url = f"{BASE}sync_resource_historical_consumption/"
    first = current_period().shift(-3)
    body = {"resource_uuid": str(production_resource.uuid), "period_from": str(first)}

    data = staff_client.post(url, body, format="json").json()

    assert data["periods_synced"] == 4 and data["preview_periods"] == []
    assert ArrowConsumptionRecord.objects.count() == 4
    ArrowConsumptionRecord.objects.filter(billing_period=first.first_day).update(
        finalized_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), final_sell=Decimal(1), final_buy=Decimal(1))
    again = staff_client.post(url, body, format="json").json()
    assert again["periods_skipped"] == 1 and again["periods_synced"] == 3
    forced = staff_client.post(url, {**body, "force": True}, format="json").json()
    assert forced["periods_skipped"] == 0 and forced["periods_synced"] == 4


def test_historical_sync_defaults_to_twelve_months_back(staff_client, arrow_settings, production_resource):
    data = staff_client.post(f"{BASE}sync_resource_historical_consumption/",
                             {"resource_uuid": str(production_resource.uuid)}, format="json").json()

    assert data["periods_synced"] + data["periods_no_data"] == 13
    periods = set(ArrowConsumptionRecord.objects.values_list("billing_period", flat=True))
    assert min(periods) == current_period().shift(-12).first_day


def test_historical_sync_prices_in_the_settings_price_source(staff_client, arrow_settings, production_resource):
    arrow_settings.invoice_price_source = "buy"
    arrow_settings.save()
    staff_client.post(f"{BASE}sync_resource_historical_consumption/",
                      {"resource_uuid": str(production_resource.uuid), "period_from": str(current_period())},
                      format="json")

    record = record_of(production_resource, current_period())
    assert record.invoice_item.unit_price == record.consumed_buy != record.consumed_sell


def test_historical_sync_errors(staff_client, arrow_settings, nordic, offering):
    url = f"{BASE}sync_resource_historical_consumption/"
    unknown = staff_client.post(url, {"resource_uuid": "00000000-0000-0000-0000-000000000000"}, format="json")
    assert unknown.status_code == 404 and "resource_uuid" in unknown.json()
    unlinked = resource_link(project=nordic, license_reference="", offering=offering)
    response = staff_client.post(url, {"resource_uuid": str(unlinked.uuid)}, format="json")
    assert response.status_code == 400 and "backend_id" in response.json()["resource_uuid"][0]
    assert staff_client.post(url, {}, format="json").status_code == 400
    bad_period = staff_client.post(url, {"resource_uuid": str(unlinked.uuid), "period_from": "2025-13"}, format="json")
    assert bad_period.status_code == 400 and "period_from" in bad_period.json()
    ArrowSettings.objects.update(is_active=False)
    linked = resource_link(project=nordic, license_reference=PRODUCTION_LICENSE, offering=offering)
    response = staff_client.post(url, {"resource_uuid": str(linked.uuid)}, format="json")
    assert response.status_code == 400 and "No active Arrow settings" in response.json()["detail"]


# Cleanup


def _billing_link(record):
    sync = ArrowBillingSync.objects.create(
        customer_mapping=record.resource.project.customer.arrow_mappings.get(),
        report_period=record.billing_period, invoice=record.invoice_item.invoice,
    )
    ArrowBillingSyncItem.objects.create(billing_sync=sync, arrow_line_reference="L1", invoice_item=record.invoice_item,
                                        license_reference=record.license_reference, charged_by_consumption=True,
                                        arrow_account=sync.customer_mapping.settings.arrow_account,
                                        report_period=sync.report_period)


def test_cleanup_dry_run_counts_equal_the_real_deletion(staff_client, arrow_settings, nordic_resources):
    consumption_sync_period(settings=arrow_settings, period=current_period())
    consumption_sync_period(settings=arrow_settings, period=current_period().previous())
    issued = record_of(nordic_resources[0], current_period().previous()).invoice_item
    invoice_issue(invoice=issued.invoice)
    _billing_link(record_of(nordic_resources[1], current_period()))
    url = f"{BASE}cleanup_consumption/"

    preview = staff_client.post(url, {}, format="json").json()

    assert preview["dry_run"] is True and ArrowConsumptionRecord.objects.count() == 6
    assert preview["records_to_delete"] == 5 and preview["records_deleted"] == 0
    assert preview["invoice_items_affected"] == 2  # the current month's; last month's are issued
    assert preview["records_kept_linked_to_billing"] == 1 and preview["items_kept_on_issued_invoices"] == 3
    real = staff_client.post(url, {"dry_run": False}, format="json").json()
    assert real["records_deleted"] == preview["records_to_delete"]
    assert real["invoice_items_affected"] == preview["invoice_items_affected"]
    assert ArrowConsumptionRecord.objects.count() == 1
    assert InvoiceItem.objects.filter(invoice=issued.invoice).count() == 3  # issued items survive
    assert InvoiceItem.objects.count() == 4


def test_cleanup_filters(staff_client, arrow_settings, nordic_resources):
    consumption_sync_period(settings=arrow_settings, period=current_period())
    consumption_sync_period(settings=arrow_settings, period=current_period().previous())
    url = f"{BASE}cleanup_consumption/"

    def count(**body):
        return staff_client.post(url, body, format="json").json()["records_to_delete"]

    assert count(period_from=str(current_period())) == 3
    assert count(period_to=str(current_period().previous())) == 3
    assert count(resource_uuid=str(nordic_resources[0].uuid)) == 2
    assert count(only_finalized=True) == 0 and count(only_unfinalized=True) == 6
    both = staff_client.post(url, {"only_finalized": True, "only_unfinalized": True}, format="json")
    assert both.status_code == 400
    assert staff_client.post(url, {"period_from": "26-01"}, format="json").status_code == 400


# Pause and resume


def test_pause_and_resume(staff_client, arrow_settings):
    paused = staff_client.post(f"{BASE}pause_sync/", {}, format="json")
    assert paused.status_code == 200 and paused.json() == {"paused": [str(arrow_settings.uuid)]}
    arrow_settings.refresh_from_db()
    assert arrow_settings.sync_enabled is False
    status = staff_client.get(f"{BASE}consumption_status/").json()
    assert status["settings_sync_enabled"] is False and status["global_sync_enabled"] is True

    glob = staff_client.post(f"{BASE}pause_sync/", {"pause_global": True}, format="json").json()
    assert glob == {"paused": ["global"]}
    assert staff_client.get(f"{BASE}consumption_status/").json()["global_sync_enabled"] is False

    resumed = staff_client.post(f"{BASE}resume_sync/", {"pause_global": True, "settings_uuid": str(arrow_settings.uuid)},
                                format="json").json()
    assert resumed == {"resumed": ["global", str(arrow_settings.uuid)]}
    status = staff_client.get(f"{BASE}consumption_status/").json()
    assert status["global_sync_enabled"] is True and status["settings_sync_enabled"] is True
    assert ArrowSyncControl.objects.get().scheduled_syncs_paused is False


def test_pause_unknown_settings_is_404(staff_client, arrow_settings):
    response = staff_client.post(f"{BASE}pause_sync/", {"settings_uuid": "00000000-0000-0000-0000-000000000000"},
                                 format="json")
    assert response.status_code == 404 and "settings_uuid" in response.json()


def test_paused_scheduler_queues_nothing(arrow_settings, nordic_resources, django_capture_on_commit_callbacks):
    from arrow_integration.services.runs.pause import scheduled_syncs_pause, scheduled_syncs_resume
    from arrow_integration.tasks.consumption import consumption_sync_current_month

    scheduled_syncs_pause(pause_global=True)
    assert consumption_sync_current_month() == [] and not ArrowConsumptionRecord.objects.exists()
    scheduled_syncs_resume(pause_global=True)
    scheduled_syncs_pause()
    assert consumption_sync_current_month() == []
    scheduled_syncs_resume()
    with django_capture_on_commit_callbacks(execute=True):
        assert consumption_sync_current_month() == [f"{arrow_settings.uuid}:{current_period()}"]
    assert ArrowConsumptionRecord.objects.count() == 3


# Status, statistics, pending records


def test_status_without_settings(staff_client, db):
    data = staff_client.get(f"{BASE}consumption_status/").json()
    assert data == {"global_sync_enabled": True, "settings_sync_enabled": False, "settings_uuid": None,
                    "last_sync_run": None}


def test_status_reports_the_last_run(staff_client, arrow_settings, production_resource):
    run = consumption_sync_period(settings=arrow_settings, period=current_period())
    data = staff_client.get(f"{BASE}consumption_status/").json()
    assert data["settings_uuid"] == str(arrow_settings.uuid) and data["last_sync_run"] is not None
    assert data["last_sync_run"].startswith(run.finished_at.strftime("%Y-%m-%dT%H:%M"))


def test_statistics_aggregate_in_a_constant_number_of_queries(staff_client, arrow_settings, nordic_resources,
                                                              django_assert_num_queries):
    consumption_sync_period(settings=arrow_settings, period=current_period())
    consumption_sync_period(settings=arrow_settings, period=current_period().previous())
    ArrowConsumptionRecord.objects.filter(billing_period=current_period().previous().first_day).update(
        final_sell=Decimal("10"), final_buy=Decimal("5"), finalized_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    expected_adjustments = sum(
        Decimal("10") - record.consumed_sell
        for record in ArrowConsumptionRecord.objects.filter(finalized_at__isnull=False)
    )

    with django_assert_num_queries(4):  # token with its user; settings, totals, breakdown
        data = staff_client.get(f"{BASE}consumption_statistics/").json()

    assert data["total_records"] == 6 and data["pending_records"] == 3 and data["finalized_records"] == 3
    assert data["reconciled_records"] == 0
    assert Decimal(data["total_adjustments"]) == expected_adjustments
    assert Decimal(data["total_consumed_sell"]) == sum(r.consumed_sell for r in ArrowConsumptionRecord.objects.all())
    assert [row["period"] for row in data["period_breakdown"]] == [str(current_period()),
                                                                  str(current_period().previous())]
    assert data["period_breakdown"][1]["finalized_count"] == 3 and data["period_breakdown"][0]["count"] == 3


def test_pending_records_lists_unfinalized(staff_client, arrow_settings, nordic_resources):
    consumption_sync_period(settings=arrow_settings, period=current_period())
    ArrowConsumptionRecord.objects.filter(license_reference=AWS_LICENSE).update(
        finalized_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))

    response = staff_client.get(f"{BASE}pending_records/")

    data = response.json()
    assert response.status_code == 200 and isinstance(data, list)
    assert {row["license_reference"] for row in data} == {PRODUCTION_LICENSE, DEVELOPMENT_LICENSE}
    assert set(data[0]) == {"uuid", "resource_uuid", "resource_name", "license_reference", "billing_period",
                            "consumed_sell", "last_sync_at"}


@pytest.mark.parametrize("name", ["consumption_status", "consumption_statistics", "pending_records"])
def test_head_on_get_actions_answers_a_count(staff_client, arrow_settings, production_resource, name):
    consumption_sync_period(settings=arrow_settings, period=current_period())
    response = staff_client.head(f"{BASE}{name}/")
    assert response.status_code == 200 and int(response["X-Result-Count"]) >= 1


# Raw look-ups


def test_fetch_consumption(staff_client, arrow_settings):
    response = staff_client.post(f"{BASE}fetch_consumption/",
                                 {"license_reference": PRODUCTION_LICENSE, "period": str(current_period())},
                                 format="json")
    data = response.json()
    assert response.status_code == 200 and data["row_count"] == len(data["data"]) > 0
    assert "Total sell price" in data["data"][0]


def test_fetch_billing_export_rows_are_keyed_by_column_title(staff_client, arrow_settings):
    period = str(current_period().previous())
    response = staff_client.post(f"{BASE}fetch_billing_export/", {"period_from": period, "period_to": period},
                                 format="json")
    data = response.json()
    assert response.status_code == 200 and data["classification"] == "IAAS"
    assert data["row_count"] == len(data["data"]) > 0
    assert {"ARS Subscription ID", "Customer Total Price"} <= set(data["data"][0])


def test_fetch_license_info(staff_client, arrow_settings):
    response = staff_client.post(f"{BASE}fetch_license_info/", {"license_reference": PRODUCTION_LICENSE},
                                 format="json")
    assert response.status_code == 200 and response.json()["data"]["license_id"] == PRODUCTION_LICENSE


def test_raw_lookups_report_arrow_errors_as_400(staff_client, arrow_settings):
    unknown = staff_client.post(f"{BASE}fetch_license_info/", {"license_reference": "XSP0000000"}, format="json")
    assert unknown.status_code == 400 and "XSP0000000" in unknown.json()["detail"]
    consumption = staff_client.post(f"{BASE}fetch_consumption/",
                                    {"license_reference": "XSP0000000", "period": "2026-01"}, format="json")
    assert consumption.status_code == 400 and "XSP0000000" in consumption.json()["detail"]
    bad = staff_client.post(f"{BASE}fetch_billing_export/", {"period_from": "2026-02", "period_to": "2026-01"},
                            format="json")
    assert bad.status_code == 400 and "period_to" in bad.json()
    assert staff_client.post(f"{BASE}fetch_consumption/", {"period": "2026-01"}, format="json").status_code == 400


def test_raw_lookups_without_settings_are_400(staff_client, db):
    response = staff_client.post(f"{BASE}fetch_license_info/", {"license_reference": PRODUCTION_LICENSE},
                                 format="json")
    assert response.status_code == 400 and "No active Arrow settings" in response.json()["detail"]


# Consumption records


def test_record_shape_never_invents_relations(staff_client, arrow_settings, production_resource):
    consumption_sync_period(settings=arrow_settings, period=current_period())
    record = record_of(production_resource, current_period())

    data = staff_client.get(f"{RECORDS}{record.uuid}/").json()

    assert data["invoice_item_uuid"] == str(record.invoice_item.uuid)
    assert data["compensation_item_uuid"] is None
    assert data["adjustment_amount"] is None and data["final_sell"] is None
    assert data["is_finalized"] is False and data["is_reconciled"] is False
    assert data["resource_uuid"] == str(production_resource.uuid)
    assert data["customer_uuid"] == str(production_resource.project.customer.uuid)
    assert data["billing_period"] == str(current_period().first_day)
    assert isinstance(data["raw_data"], dict) and data["raw_data"]["lines"]
    assert data["resource"].endswith(f"/api/marketplace-resources/{production_resource.uuid}/")
    assert Decimal(data["consumed_sell"]) == record.consumed_sell


def test_record_filters(staff_client, arrow_settings, nordic_resources):
    consumption_sync_period(settings=arrow_settings, period=current_period())
    consumption_sync_period(settings=arrow_settings, period=current_period().previous())
    ArrowConsumptionRecord.objects.filter(license_reference=AWS_LICENSE).update(
        finalized_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    resource = nordic_resources[0]

    def count(**params):
        response = staff_client.get(RECORDS, params)
        assert response.status_code == 200, response.content
        return int(response["X-Result-Count"])

    current = current_period().first_day
    assert count() == 6
    assert count(billing_period=str(current)) == 3
    assert count(billing_period=str(current.replace(day=20))) == 3
    assert count(billing_period_from=str(current)) == 3 and count(billing_period_to=str(current)) == 6
    assert count(customer_uuid=str(resource.project.customer.uuid)) == 6
    assert count(project_uuid=str(resource.project.uuid)) == 6
    assert count(resource_uuid=str(resource.uuid)) == 2
    assert count(resource=f"http://testserver/api/marketplace-resources/{resource.uuid}/") == 2
    assert count(resource=str(resource.uuid)) == 2
    assert count(license_reference=AWS_LICENSE) == 2
    assert count(is_finalized="true") == 2 and count(is_finalized="false") == 4
    assert count(is_reconciled="true") == 0 and count(is_reconciled="false") == 6
    assert staff_client.get(RECORDS, {"resource_uuid": "nope"}).status_code == 400
    assert staff_client.get(RECORDS, {"billing_period": "2026-13-01"}).status_code == 400
    assert staff_client.head(RECORDS)["X-Result-Count"] == "6"


def test_record_list_query_count_does_not_grow_with_page_size(staff_client, arrow_settings, nordic_resources,
                                                              django_assert_max_num_queries):
    consumption_sync_period(settings=arrow_settings, period=current_period())
    consumption_sync_period(settings=arrow_settings, period=current_period().previous())
    with django_assert_max_num_queries(6):
        assert len(staff_client.get(RECORDS, {"page_size": 100}).json()) == 6
    assert staff_client.get(f"{RECORDS}00000000-0000-0000-0000-000000000000/").status_code == 404
