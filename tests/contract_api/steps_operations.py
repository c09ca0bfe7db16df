"""The operator's monthly work through the official client: billing import and reconciliation,
consumption tracking, licenses and resources, cleanup, and finally the deletes.

Periods (P = the current month): billing runs on P-1 (imported, then Arrow changes every final
price and validates the month, then reconciled); consumption on P-2 (synced, then reconciled
against the validated export); the historical sync fills P-4..P-3, which the cleanup removes.
Expected amounts come from Arrow itself (the test's own `ArrowClient`), never from the server.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from uuid import UUID

from django.db.models import Sum
from waldur_api_client.api.admin import (
    admin_arrow_billing_sync_items_count,
    admin_arrow_billing_sync_items_list,
    admin_arrow_billing_sync_items_retrieve,
    admin_arrow_billing_syncs_cleanup_consumption,
    admin_arrow_billing_syncs_consumption_statistics_count,
    admin_arrow_billing_syncs_consumption_statistics_retrieve,
    admin_arrow_billing_syncs_consumption_status_count,
    admin_arrow_billing_syncs_consumption_status_retrieve,
    admin_arrow_billing_syncs_count,
    admin_arrow_billing_syncs_fetch_billing_export,
    admin_arrow_billing_syncs_fetch_consumption,
    admin_arrow_billing_syncs_fetch_license_info,
    admin_arrow_billing_syncs_list,
    admin_arrow_billing_syncs_pause_sync,
    admin_arrow_billing_syncs_pending_records_count,
    admin_arrow_billing_syncs_pending_records_list,
    admin_arrow_billing_syncs_reconcile,
    admin_arrow_billing_syncs_resume_sync,
    admin_arrow_billing_syncs_retrieve,
    admin_arrow_billing_syncs_sync_resource_historical_consumption,
    admin_arrow_billing_syncs_sync_resources,
    admin_arrow_billing_syncs_trigger_consumption_sync,
    admin_arrow_billing_syncs_trigger_reconciliation,
    admin_arrow_billing_syncs_trigger_sync,
    admin_arrow_consumption_records_count,
    admin_arrow_consumption_records_list,
    admin_arrow_consumption_records_retrieve,
    admin_arrow_customer_mappings_billing_summary_retrieve,
    admin_arrow_customer_mappings_destroy,
    admin_arrow_customer_mappings_discover_licenses_retrieve,
    admin_arrow_customer_mappings_fetch_arrow_data_retrieve,
    admin_arrow_customer_mappings_import_license,
    admin_arrow_customer_mappings_link_resource,
    admin_arrow_customer_mappings_retrieve,
    admin_arrow_settings_destroy,
    admin_arrow_settings_retrieve,
    admin_arrow_vendor_offering_mappings_destroy,
    admin_arrow_vendor_offering_mappings_retrieve,
)
from waldur_api_client.models import (
    ArrowBillingSyncStateEnum,
    CleanupConsumptionRequestRequest,
    FetchBillingExportRequestRequest,
    FetchConsumptionRequestRequest,
    FetchLicenseInfoRequestRequest,
    ImportLicenseRequestRequest,
    LinkResourceRequestRequest,
    ReconcileRequestRequest,
    SyncPauseRequestRequest,
    SyncResourceHistoricalConsumptionRequestRequest,
    SyncResourcesRequestRequest,
    TriggerConsumptionSyncRequestRequest,
    TriggerSyncRequestRequest,
)

from arrow_client import BillingLine, Period, consumption_totals
from core.models import InvoiceItem, Resource
from tests.contract_api.steps_setup import AWS_OFFERING, NORDIC_REFERENCE
from tests.contract_api.support import Flow

PRODUCTION_LICENSE = "XSP5000101"  # Nordic's "Azure Production Subscr.", final = consumption + 2 %
DEVELOPMENT_LICENSE = "XSP5000102"  # Nordic's "Azure Development"
NORDIC_AWS_LICENSE = "XSP5000103"  # Nordic's Amazon Web Services account
# What Arrow adds to every final line price of the billed month before it validates it.
FINAL_PRICE_CHANGE = Decimal("1.01")
# The emulator validates a month this many days after it ends (its default), plus a margin.
DAYS_UNTIL_VALIDATED = 5 + 2
BILLING_STATE_SYNCED = 2


def _export_lines(flow: Flow, period: Period) -> list[BillingLine]:
    """The period's IAAS export lines of the customers mapped by the wizard, read from Arrow."""
    pages = flow.arrow.iter_billing_export(flow.export_type, period, period, classifications=["IAAS"])
    return [line for page in pages for line in page.lines if line.customer_reference in flow.mapped]


def _by_customer(lines: list[BillingLine]) -> dict[str, list[BillingLine]]:
    grouped = defaultdict(list)
    for line in lines:
        grouped[line.customer_reference].append(line)
    return grouped


def _invoiced(customer) -> Decimal:
    """Everything invoiced to the customer (Arrow items are quantity 1: the unit price is the total)."""
    return InvoiceItem.objects.filter(invoice__customer=customer).aggregate(total=Sum("unit_price"))["total"]


def billing(flow: Flow) -> None:
    """Import last month's export, let Arrow change and validate it, reconcile, check the invoices."""
    op, control, period = flow.operator, flow.emulator.control, flow.months_ago(1)
    control.set_today(flow.current.first_day + dt.timedelta(days=1))  # last month billed, not validated yet
    lines = _by_customer(_export_lines(flow, period))
    queued = op.detailed(admin_arrow_billing_syncs_trigger_sync,
                         body=TriggerSyncRequestRequest(year=period.year, month=period.month))
    assert queued.status_code == 202

    syncs = op.raw(admin_arrow_billing_syncs_list, report_period=str(period), page_size=100)
    assert {sync["arrow_reference"] for sync in syncs} == set(flow.mapped) == set(lines)
    for sync in syncs:
        mine = lines[sync["arrow_reference"]]
        assert (sync["state"], sync["arrow_state"]) == (BILLING_STATE_SYNCED, "pending") and sync["invoice_uuid"]
        assert Decimal(sync["sell_total"]) == sum(line.sell_total for line in mine)
        assert {item["arrow_line_reference"]: Decimal(item["original_price"]) for item in sync["items"]} == {
            line.line_reference: line.sell_total for line in mine
        }
        assert all(item["compensation_item_uuid"] is None and item["invoice_item_uuid"] for item in sync["items"])
    assert op.call(admin_arrow_billing_syncs_count, report_period=str(period)) == len(syncs)
    nordic_sync = UUID(next(s["uuid"] for s in syncs if s["arrow_reference"] == NORDIC_REFERENCE))
    assert op.call(admin_arrow_billing_sync_items_count, billing_sync_uuid=nordic_sync) == len(lines[NORDIC_REFERENCE])

    for line in (line for mine in lines.values() for line in mine):
        control.set_line_price(line.line_reference, sell=line.sell_total + FINAL_PRICE_CHANGE, buy=line.buy_total)
    control.set_today(period.last_day + dt.timedelta(days=DAYS_UNTIL_VALIDATED))
    queued = op.detailed(admin_arrow_billing_syncs_reconcile, body=ReconcileRequestRequest(
        year=period.year, month=period.month, settings_uuid=flow.settings_uuid))
    assert queued.status_code == 202

    reconciled = op.call(admin_arrow_billing_syncs_list, report_period=str(period),
                         state=ArrowBillingSyncStateEnum.VALUE_4.value)
    assert len(reconciled) == len(syncs)
    assert all(s.arrow_state == "validated" and s.reconciled_at and s.items for s in reconciled)
    one = op.call(admin_arrow_billing_syncs_retrieve, uuid=nordic_sync)
    assert one.state == ArrowBillingSyncStateEnum.VALUE_4 and one.currency == "EUR"
    items = op.call(admin_arrow_billing_sync_items_list, billing_sync_uuid=nordic_sync, has_compensation=True)
    assert {item.uuid for item in items} == {item.uuid for item in one.items}
    item = op.call(admin_arrow_billing_sync_items_retrieve, uuid=items[0].uuid)
    assert item.has_compensation and item.report_period == str(period) and item.billing_sync_uuid == nordic_sync
    for reference, customer in flow.mapped.items():
        final = sum(line.sell_total + FINAL_PRICE_CHANGE for line in lines[reference])
        assert _invoiced(customer) == final, f"{reference}: statement items plus compensations = Arrow's final bill"

    summary = op.call(admin_arrow_customer_mappings_billing_summary_retrieve, uuid=flow.mapping_uuids[NORDIC_REFERENCE])
    assert summary.total_billing_syncs == 1 and [s.uuid for s in summary.recent_billing_syncs] == [nordic_sync]


def consumption(flow: Flow) -> None:
    """Link the demo resource, track P-2, reconcile it, sync history, pause and resume."""
    op, period, resource = flow.operator, flow.months_ago(2), flow.demo.resource
    nordic = flow.mapping_uuids[NORDIC_REFERENCE]
    linked = op.call(admin_arrow_customer_mappings_link_resource, uuid=nordic, body=LinkResourceRequestRequest(
        resource_uuid=resource.uuid, license_reference=PRODUCTION_LICENSE))
    assert linked.success and linked.previous_backend_id == "" and linked.resource_uuid == resource.uuid

    queued = op.detailed(admin_arrow_billing_syncs_trigger_consumption_sync, body=TriggerConsumptionSyncRequestRequest(
        year=period.year, month=period.month, settings_uuid=flow.settings_uuid, resource_uuid=resource.uuid))
    assert queued.status_code == 202
    consumed = consumption_totals(flow.arrow.consumption(PRODUCTION_LICENSE, period, period)).sell_total
    [record] = op.raw(admin_arrow_consumption_records_list, billing_period=period.first_day)
    assert (record["license_reference"], record["resource_uuid"]) == (PRODUCTION_LICENSE, str(resource.uuid))
    assert Decimal(record["consumed_sell"]) == consumed and record["final_sell"] is None
    assert record["invoice_item_uuid"] and record["compensation_item_uuid"] is None and not record["is_finalized"]

    status = op.call(admin_arrow_billing_syncs_consumption_status_retrieve)
    assert status.settings_uuid == flow.settings_uuid and status.global_sync_enabled and status.last_sync_run
    assert op.call(admin_arrow_billing_syncs_consumption_status_count) == 1
    statistics = op.call(admin_arrow_billing_syncs_consumption_statistics_retrieve)
    assert (statistics.total_records, statistics.pending_records) == (1, 1)
    assert Decimal(statistics.total_consumed_sell) == consumed
    assert op.call(admin_arrow_billing_syncs_consumption_statistics_count) == 1
    assert [p.uuid for p in op.call(admin_arrow_billing_syncs_pending_records_list)] == [UUID(record["uuid"])]
    assert op.call(admin_arrow_billing_syncs_pending_records_count) == 1

    queued = op.detailed(admin_arrow_billing_syncs_trigger_reconciliation,
                         body=ReconcileRequestRequest(year=period.year, month=period.month))
    assert queued.status_code == 202
    final = sum(line.sell_total for line in _export_lines(flow, period) if line.license_reference == PRODUCTION_LICENSE)
    [done] = op.call(admin_arrow_consumption_records_list, is_reconciled=True)
    assert Decimal(done.final_sell) == final and Decimal(done.adjustment_amount) == final - consumed != 0
    assert done.compensation_item_uuid and done.billing_period == period.first_day
    assert op.call(admin_arrow_consumption_records_retrieve, uuid=done.uuid).raw_data.additional_properties
    assert op.call(admin_arrow_consumption_records_count, license_reference=PRODUCTION_LICENSE) == 1

    history = op.call(admin_arrow_billing_syncs_sync_resource_historical_consumption,
                      body=SyncResourceHistoricalConsumptionRequestRequest(
                          resource_uuid=resource.uuid, period_from=str(flow.months_ago(4)),
                          period_to=str(flow.months_ago(3))))
    assert (history.periods_synced, history.errors) == (2, [])
    _pause_and_resume(flow)


def _pause_and_resume(flow: Flow) -> None:
    op, both = flow.operator, SyncPauseRequestRequest(settings_uuid=flow.settings_uuid, pause_global=True)
    assert op.call(admin_arrow_billing_syncs_pause_sync, body=both).paused == ["global", str(flow.settings_uuid)]
    status = op.call(admin_arrow_billing_syncs_consumption_status_retrieve)
    assert (status.global_sync_enabled, status.settings_sync_enabled) == (False, False)
    assert op.call(admin_arrow_billing_syncs_resume_sync, body=both).resumed == ["global", str(flow.settings_uuid)]
    status = op.call(admin_arrow_billing_syncs_consumption_status_retrieve)
    assert (status.global_sync_enabled, status.settings_sync_enabled) == (True, True)


def licenses(flow: Flow) -> None:
    """Discover Nordic's licenses, import one, refuse a double link, read live data, sync resources."""
    op, demo, nordic = flow.operator, flow.demo, flow.mapping_uuids[NORDIC_REFERENCE]
    found = op.call(admin_arrow_customer_mappings_discover_licenses_retrieve, uuid=nordic)
    arrow_licenses = {license.license_id for license in flow.arrow.customer_licenses(NORDIC_REFERENCE)}
    assert {license.license_reference for license in found.arrow_licenses} == arrow_licenses and found.error is None
    assert (demo.resource.uuid, PRODUCTION_LICENSE) in {(r.uuid, r.backend_id) for r in found.waldur_resources}
    assert PRODUCTION_LICENSE not in {suggestion.license_reference for suggestion in found.suggestions}

    imported = op.call(admin_arrow_customer_mappings_import_license, uuid=nordic, body=ImportLicenseRequestRequest(
        license_reference=DEVELOPMENT_LICENSE, offering_uuid=demo.offering.uuid, project_uuid=demo.project.uuid))
    assert imported.success and imported.license_reference == DEVELOPMENT_LICENSE
    assert imported.resource_name == "Azure Development"
    op.refused(admin_arrow_customer_mappings_link_resource, 400, uuid=nordic, body=LinkResourceRequestRequest(
        resource_uuid=imported.resource_uuid, license_reference=PRODUCTION_LICENSE))

    live = op.call(admin_arrow_customer_mappings_fetch_arrow_data_retrieve, uuid=nordic)
    assert live.period == str(flow.current) and live.error is None and live.matched_resources == 2
    assert {line.license_reference for line in live.consumption_lines} == {PRODUCTION_LICENSE, DEVELOPMENT_LICENSE}

    # Nordic's two linked licenses get their usage; its AWS license becomes a resource in the
    # offering mapped to its vendor (no plan); other customers' licenses need a project of their own.
    synced = op.call(admin_arrow_billing_syncs_sync_resources,
                     body=SyncResourcesRequestRequest(project_uuid=demo.project.uuid))
    assert (synced.synced, synced.created, synced.updated) == (3, 1, 2)
    created = Resource.objects.select_related("offering").get(backend_id=NORDIC_AWS_LICENSE)
    assert (created.project_id, created.offering.name, created.plan_id) == (demo.project.pk, AWS_OFFERING, None)
    again = op.call(admin_arrow_billing_syncs_sync_resources, body=SyncResourcesRequestRequest())
    assert (again.created, again.updated) == (0, 0), "a second import changes nothing"
    _raw_lookups(flow)


def _raw_lookups(flow: Flow) -> None:
    op, month = flow.operator, flow.months_ago(1)
    usage = op.call(admin_arrow_billing_syncs_fetch_consumption, body=FetchConsumptionRequestRequest(
        license_reference=PRODUCTION_LICENSE, period=str(month)))
    assert usage.row_count == len(usage.data) == len(flow.arrow.consumption(PRODUCTION_LICENSE, month, month)) > 0
    export = op.call(admin_arrow_billing_syncs_fetch_billing_export, body=FetchBillingExportRequestRequest(
        period_from=str(month), period_to=str(month), classification="IAAS"))
    pages = flow.arrow.iter_billing_export(flow.export_type, month, month, classifications=["IAAS"])
    assert export.row_count == len(export.data) == sum(len(page.rows) for page in pages)
    info = op.call(admin_arrow_billing_syncs_fetch_license_info,
                   body=FetchLicenseInfoRequestRequest(license_reference=PRODUCTION_LICENSE))
    assert info.data["license_id"] == PRODUCTION_LICENSE


def cleanup(flow: Flow) -> None:
    """Preview, then remove the historical records (and their provisional items on open invoices)."""
    op = flow.operator
    history = {"period_from": str(flow.months_ago(4)), "period_to": str(flow.months_ago(3))}
    preview = op.call(admin_arrow_billing_syncs_cleanup_consumption, body=CleanupConsumptionRequestRequest(**history))
    assert preview.dry_run is True and (preview.records_to_delete, preview.records_deleted) == (2, 0)
    assert (preview.invoice_items_affected, preview.compensation_items_affected) == (2, 0)
    before = op.call(admin_arrow_consumption_records_count)
    done = op.call(admin_arrow_billing_syncs_cleanup_consumption,
                   body=CleanupConsumptionRequestRequest(**history, dry_run=False))
    assert (done.records_deleted, done.invoice_items_affected) == (2, 2)
    assert op.call(admin_arrow_consumption_records_count) == before - 2


def deletes(flow: Flow) -> None:
    """Delete mappings and settings, those with imported billing too: 204, then 404, and the
    billing they imported stays readable."""
    op = flow.operator
    vendor, mapping, spare = flow.planless_vendor_mapping_uuid, flow.extra_mapping_uuid, flow.spare_settings_uuid
    syncs = op.call(admin_arrow_billing_syncs_count)
    assert op.detailed(admin_arrow_vendor_offering_mappings_destroy, uuid=vendor).status_code == 204
    assert op.detailed(admin_arrow_customer_mappings_destroy, uuid=mapping).status_code == 204
    assert op.detailed(admin_arrow_settings_destroy, uuid=spare).status_code == 204
    assert op.detailed(admin_arrow_settings_destroy, uuid=flow.settings_uuid).status_code == 204
    op.refused(admin_arrow_vendor_offering_mappings_retrieve, 404, uuid=vendor)
    op.refused(admin_arrow_customer_mappings_retrieve, 404, uuid=mapping)
    op.refused(admin_arrow_settings_retrieve, 404, uuid=spare)
    op.refused(admin_arrow_settings_retrieve, 404, uuid=flow.settings_uuid)
    assert syncs > 0 and op.call(admin_arrow_billing_syncs_count) == syncs
