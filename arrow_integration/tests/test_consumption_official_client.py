"""The official client `waldur_api_client` drives a whole consumption cycle and parses every answer."""

import datetime as dt
from decimal import Decimal

import pytest
from waldur_api_client.api.admin import (
    admin_arrow_billing_syncs_cleanup_consumption,
    admin_arrow_billing_syncs_consumption_statistics_count,
    admin_arrow_billing_syncs_consumption_statistics_retrieve,
    admin_arrow_billing_syncs_consumption_status_count,
    admin_arrow_billing_syncs_consumption_status_retrieve,
    admin_arrow_billing_syncs_fetch_billing_export,
    admin_arrow_billing_syncs_fetch_consumption,
    admin_arrow_billing_syncs_fetch_license_info,
    admin_arrow_billing_syncs_pause_sync,
    admin_arrow_billing_syncs_pending_records_count,
    admin_arrow_billing_syncs_pending_records_list,
    admin_arrow_billing_syncs_resume_sync,
    admin_arrow_billing_syncs_sync_resource_historical_consumption,
    admin_arrow_billing_syncs_trigger_consumption_sync,
    admin_arrow_billing_syncs_trigger_reconciliation,
    admin_arrow_consumption_records_count,
    admin_arrow_consumption_records_list,
    admin_arrow_consumption_records_retrieve,
)
from waldur_api_client.errors import UnexpectedStatus
from waldur_api_client.models import (
    CleanupConsumptionRequestRequest,
    FetchBillingExportRequestRequest,
    FetchConsumptionRequestRequest,
    FetchLicenseInfoRequestRequest,
    ReconcileRequestRequest,
    SyncPauseRequestRequest,
    SyncResourceHistoricalConsumptionRequestRequest,
    TriggerConsumptionSyncRequestRequest,
)

from arrow_integration.models import ArrowConsumptionRecord
from arrow_integration.tests.consumption_support import PRODUCTION_LICENSE
from arrow_integration.tests.periods import current_period

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(official_client):
    return official_client


def test_consumption_cycle_through_the_official_client(client, arrow_emulator, arrow_settings, nordic_resources):
    period = current_period().previous()
    arrow_emulator.control.set_today(period.first_day.replace(day=15))

    sync = admin_arrow_billing_syncs_trigger_consumption_sync.sync_detailed(
        client=client, body=TriggerConsumptionSyncRequestRequest(year=period.year, month=period.month))
    assert sync.status_code == 202 and sync.parsed is None
    assert ArrowConsumptionRecord.objects.count() == 3

    status = admin_arrow_billing_syncs_consumption_status_retrieve.sync(client=client)
    assert status.settings_uuid == arrow_settings.uuid and status.global_sync_enabled is True
    assert isinstance(status.last_sync_run, dt.datetime)
    assert admin_arrow_billing_syncs_consumption_status_count.sync(client=client) == 1
    pending = admin_arrow_billing_syncs_pending_records_list.sync(client=client)
    assert {record.license_reference for record in pending} == {r.backend_id for r in nordic_resources}
    assert pending[0].billing_period == period.first_day
    assert admin_arrow_billing_syncs_pending_records_count.sync(client=client) == 3

    arrow_emulator.control.set_today(period.next().first_day + dt.timedelta(days=20))
    reconcile = admin_arrow_billing_syncs_trigger_reconciliation.sync_detailed(
        client=client, body=ReconcileRequestRequest(year=period.year, month=period.month))
    assert reconcile.status_code == 202

    records = admin_arrow_consumption_records_list.sync(client=client, is_reconciled=True)
    assert len(records) == 3
    for record in records:
        assert record.is_finalized and record.is_reconciled and record.billing_period == period.first_day
        assert Decimal(record.adjustment_amount) == Decimal(record.final_sell) - Decimal(record.consumed_sell)
        assert record.compensation_item_uuid is not None and record.invoice_item_uuid is not None
    one = admin_arrow_consumption_records_retrieve.sync(uuid=records[0].uuid, client=client)
    assert one.uuid == records[0].uuid and one.raw_data.additional_properties["lines"]
    assert admin_arrow_consumption_records_count.sync(client=client, license_reference=PRODUCTION_LICENSE) == 1

    statistics = admin_arrow_billing_syncs_consumption_statistics_retrieve.sync(client=client)
    assert statistics.total_records == statistics.reconciled_records == 3
    assert [row.period for row in statistics.period_breakdown] == [str(period)]
    assert admin_arrow_billing_syncs_consumption_statistics_count.sync(client=client) == 1

    cleanup = admin_arrow_billing_syncs_cleanup_consumption.sync(client=client, body=CleanupConsumptionRequestRequest())
    assert cleanup.dry_run is True and cleanup.records_to_delete == 3 and cleanup.compensation_items_affected == 3


def test_historical_sync_through_the_official_client(client, arrow_settings, production_resource):
    preview = admin_arrow_billing_syncs_sync_resource_historical_consumption.sync(
        client=client,
        body=SyncResourceHistoricalConsumptionRequestRequest(resource_uuid=production_resource.uuid, dry_run=True),
    )
    assert preview.resource_uuid == production_resource.uuid and preview.dry_run is True
    assert len(preview.preview_periods) == 13 and preview.preview_periods[0].row_count > 0

    synced = admin_arrow_billing_syncs_sync_resource_historical_consumption.sync(
        client=client,
        body=SyncResourceHistoricalConsumptionRequestRequest(
            resource_uuid=production_resource.uuid, period_from=str(current_period().shift(-2))),
    )
    assert synced.periods_synced == 3 and synced.errors == []
    with pytest.raises(UnexpectedStatus) as missing:
        admin_arrow_billing_syncs_sync_resource_historical_consumption.sync(
            client=client,
            body=SyncResourceHistoricalConsumptionRequestRequest(resource_uuid="00000000-0000-0000-0000-000000000000"),
        )
    assert missing.value.status_code == 404


def test_controls_and_lookups_through_the_official_client(client, arrow_settings):
    paused = admin_arrow_billing_syncs_pause_sync.sync(client=client, body=SyncPauseRequestRequest(pause_global=True))
    assert paused.paused == ["global"]
    resumed = admin_arrow_billing_syncs_resume_sync.sync(client=client, body=SyncPauseRequestRequest())
    assert resumed.resumed == [str(arrow_settings.uuid)]

    period = str(current_period())
    consumption = admin_arrow_billing_syncs_fetch_consumption.sync(
        client=client, body=FetchConsumptionRequestRequest(license_reference=PRODUCTION_LICENSE, period=period))
    assert consumption.row_count == len(consumption.data) > 0
    previous = str(current_period().previous())
    export = admin_arrow_billing_syncs_fetch_billing_export.sync(
        client=client, body=FetchBillingExportRequestRequest(period_from=previous, period_to=previous))
    assert export.row_count > 0 and "Sequence" in export.data[0].additional_properties
    license_info = admin_arrow_billing_syncs_fetch_license_info.sync(
        client=client, body=FetchLicenseInfoRequestRequest(license_reference=PRODUCTION_LICENSE))
    assert license_info.data.additional_properties["license_id"] == PRODUCTION_LICENSE
