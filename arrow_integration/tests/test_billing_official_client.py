"""The official client `waldur_api_client` 8.1.3 against a live server: the queued billing actions,
and billing syncs and items parsed by its models."""

import uuid
from decimal import Decimal

import pytest
from waldur_api_client.api.admin import (
    admin_arrow_billing_sync_items_count,
    admin_arrow_billing_sync_items_list,
    admin_arrow_billing_sync_items_retrieve,
    admin_arrow_billing_syncs_count,
    admin_arrow_billing_syncs_list,
    admin_arrow_billing_syncs_reconcile,
    admin_arrow_billing_syncs_retrieve,
    admin_arrow_billing_syncs_trigger_sync,
)
from waldur_api_client.errors import UnexpectedStatus
from waldur_api_client.models import ArrowBillingSyncStateEnum, ReconcileRequestRequest, TriggerSyncRequestRequest

from arrow_integration.choices import BillingSyncState
from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem
from arrow_integration.tests.billing_support import TARTU, mappings_create
from arrow_integration.tests.periods import after_validation_of, previous_period

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client(official_client):
    return official_client


@pytest.fixture
def tartu(billing_settings):
    return mappings_create(billing_settings, references=(TARTU,))[TARTU]


@pytest.fixture
def reconciled_month(client, billing_settings, tartu, arrow_emulator):
    """Tartu's previous month imported, every line's final price changed, validated, reconciled:
    every item then has a compensation."""
    period = previous_period()
    queued = admin_arrow_billing_syncs_trigger_sync.sync_detailed(
        client=client, body=TriggerSyncRequestRequest(year=period.year, month=period.month)
    )
    assert queued.status_code == 202 and queued.parsed is None
    for item in ArrowBillingSyncItem.objects.all():
        arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=item.original_price + Decimal("1.01"),
                                              buy=item.buy_price)
    arrow_emulator.control.set_today(after_validation_of(period))
    queued = admin_arrow_billing_syncs_reconcile.sync_detailed(
        client=client, body=ReconcileRequestRequest(year=period.year, month=period.month,
                                                    settings_uuid=billing_settings.uuid)
    )
    assert queued.status_code == 202 and queued.parsed is None
    return period


def test_queued_actions_answer_what_the_client_expects(client, billing_settings):
    with pytest.raises(UnexpectedStatus) as unknown:
        admin_arrow_billing_syncs_trigger_sync.sync_detailed(
            client=client, body=TriggerSyncRequestRequest(year=2025, month=1, settings_uuid=uuid.uuid4())
        )
    with pytest.raises(UnexpectedStatus) as bad_month:
        admin_arrow_billing_syncs_reconcile.sync_detailed(client=client,
                                                          body=ReconcileRequestRequest(year=2025, month=13))

    assert unknown.value.status_code == 404 and bad_month.value.status_code == 400
    assert b"month" in bad_month.value.content


def test_billing_syncs_and_items_parse_with_the_official_models(client, reconciled_month, tartu):
    sync = ArrowBillingSync.objects.get()
    assert sync.state == BillingSyncState.RECONCILED

    [listed] = admin_arrow_billing_syncs_list.sync(client=client, report_period=str(reconciled_month))
    retrieved = admin_arrow_billing_syncs_retrieve.sync(client=client, uuid=sync.uuid)

    for parsed in (listed, retrieved):
        assert parsed.uuid == sync.uuid and parsed.invoice_uuid == sync.invoice.uuid
        assert parsed.state == ArrowBillingSyncStateEnum.VALUE_4 and parsed.customer_mapping_uuid == tartu.uuid
        assert parsed.report_period == str(reconciled_month) and parsed.arrow_state == "validated"
        assert Decimal(parsed.sell_total) == sync.sell_total and parsed.reconciled_at is not None
        assert {item.compensation_item_uuid for item in parsed.items} == set(
            sync.items.values_list("compensation_item__uuid", flat=True)
        )
    items = admin_arrow_billing_sync_items_list.sync(client=client, billing_sync_uuid=sync.uuid, has_compensation=True)
    assert len(items) == sync.items.count() and all(item.has_compensation for item in items)
    one = admin_arrow_billing_sync_items_retrieve.sync(client=client, uuid=items[0].uuid)
    assert one.billing_sync_uuid == sync.uuid and one.report_period == str(reconciled_month)
    assert admin_arrow_billing_syncs_count.sync(client=client, state=ArrowBillingSyncStateEnum.VALUE_4) == 1
    assert admin_arrow_billing_sync_items_count.sync(client=client, has_compensation=False) == 0


def test_items_without_compensation_send_null_not_an_invented_uuid(client, billing_settings, tartu):
    period = previous_period()
    admin_arrow_billing_syncs_trigger_sync.sync_detailed(
        client=client, body=TriggerSyncRequestRequest(year=period.year, month=period.month)
    )

    raw = client.get_httpx_client().get("/api/admin/arrow/billing-sync-items/").json()
    assert raw and all(row["compensation_item_uuid"] is None and row["invoice_item_uuid"] for row in raw)
    # The 8.1.3 models type this relation as a required UUID (SPEC 5.1): they cannot parse the null.
    with pytest.raises(TypeError):
        admin_arrow_billing_sync_items_list.sync(client=client)
    assert admin_arrow_billing_sync_items_count.sync(client=client) == len(raw)
