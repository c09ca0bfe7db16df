"""billing-syncs embeds a sync's first items only (at most `EMBEDDED_ITEMS_LIMIT`), says how many it
holds, and links its items list; the official client still parses the answer."""

import datetime as dt
from decimal import Decimal

import pytest
from waldur_api_client.api.admin import admin_arrow_billing_syncs_list, admin_arrow_billing_syncs_retrieve

from arrow_client import BillingLine, Period
from arrow_integration.api.serializers.billing import ITEM_FIELDS
from arrow_integration.models import ArrowBillingSyncItem
from arrow_integration.selectors.embedded_items import EMBEDDED_ITEMS_LIMIT
from arrow_integration.services.billing.import_period import billing_sync_get_or_create
from arrow_integration.services.billing.items import MappingImport, billing_sync_add_lines

SYNCS = "/api/admin/arrow/billing-syncs/"
ITEMS = "/api/admin/arrow/billing-sync-items/"
PERIOD = Period(2024, 7)


def sync_with_lines(arrow_settings, mapping, count: int):
    lines = [
        BillingLine(row_number=number, line_reference=f"L-{number:04d}", sequence=f"L-{number:04d}", order_id=None,
                    report_period=PERIOD, classification="IAAS", customer_name=None, customer_id=None,
                    vendor_name="Microsoft", service_name=None, product_name="Azure", friendly_name=None,
                    description=None, arrow_sku="SKU", vendor_sku=None, quantity=Decimal(1), unit_sell_price=None,
                    sell_total=Decimal("1.50"), buy_total=Decimal("1.20"), retail_total=None, currency="EUR",
                    bill_from=None, bill_to=None, vendor_subscription_id="sub", license_reference="XSP5000101",
                    validation_date=None, billing_cycle=None, segment=None)
        for number in range(count)
    ]
    sync = billing_sync_get_or_create(mapping=mapping, period=PERIOD)
    sync.customer_mapping = mapping
    billing_sync_add_lines(sync=sync, lines=lines, settings=arrow_settings, today=dt.date(2024, 8, 1),
                           result=MappingImport())
    return sync


@pytest.mark.django_db
def test_a_large_sync_embeds_its_first_items_and_links_the_rest(staff_client, golden_settings):
    arrow_settings, big_bank = golden_settings
    sync = sync_with_lines(arrow_settings, big_bank, EMBEDDED_ITEMS_LIMIT + 3)

    response = staff_client.get(SYNCS)

    [body] = response.json()
    first = list(ArrowBillingSyncItem.objects.filter(billing_sync=sync).order_by("id")[:EMBEDDED_ITEMS_LIMIT])
    assert [item["uuid"] for item in body["items"]] == [str(item.uuid) for item in first]
    assert body["items_count"] == EMBEDDED_ITEMS_LIMIT + 3
    assert body["items_url"] == f"http://testserver{ITEMS}?billing_sync_uuid={sync.uuid}"
    assert f'<{body["items_url"]}>; rel="items"; anchor="{body["url"]}"' in response["Link"]
    assert 'rel="first"' in response["Link"]  # the page links stay
    # Every item is in the items list; an embedded item shows what the list shows of it.
    listed = staff_client.get(body["items_url"], {"page_size": 1000})
    assert listed["X-Result-Count"] == str(EMBEDDED_ITEMS_LIMIT + 3)
    detail = staff_client.get(f"{ITEMS}{first[0].uuid}/").json()
    assert body["items"][0] == {name: detail[name] for name in ITEM_FIELDS}
    retrieved = staff_client.get(f"{SYNCS}{sync.uuid}/")
    assert retrieved.json() == body and 'rel="items"' in retrieved["Link"]


@pytest.mark.django_db
def test_a_small_sync_embeds_all_its_items_without_an_items_link(staff_client, golden_settings):
    arrow_settings, big_bank = golden_settings
    sync_with_lines(arrow_settings, big_bank, 2)

    response = staff_client.get(SYNCS)

    [body] = response.json()
    assert len(body["items"]) == body["items_count"] == 2 and 'rel="items"' not in response["Link"]


@pytest.mark.django_db(transaction=True)
def test_the_official_client_parses_a_capped_sync(official_client, golden_settings):
    arrow_settings, big_bank = golden_settings
    sync = sync_with_lines(arrow_settings, big_bank, EMBEDDED_ITEMS_LIMIT + 1)
    # The client requires a compensation item's UUID on every item (client-contract.md): give them one.
    items = ArrowBillingSyncItem.objects.filter(billing_sync=sync)
    items.update(compensation_item=items.first().invoice_item)

    [listed] = admin_arrow_billing_syncs_list.sync(client=official_client)
    retrieved = admin_arrow_billing_syncs_retrieve.sync(client=official_client, uuid=sync.uuid)

    for parsed in (listed, retrieved):
        assert len(parsed.items) == EMBEDDED_ITEMS_LIMIT and parsed.items[0].original_price == "1.5000000"
        assert parsed.additional_properties["items_count"] == EMBEDDED_ITEMS_LIMIT + 1
