"""Migrations 0004-0006 on a database that already holds the defect's data: the same customer
mapped under two settings rows, every line of a month charged twice.

The migration must succeed there, give every item its line's identity, mark the later charges
as duplicates (the repair command settles them), keep one active mapping per Arrow customer, say
what it did, and leave every invoice as it was.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

APP = "arrow_integration"
BEFORE = [(APP, "0004_arrow_settings_api_key_origin")]
AFTER = [(APP, "0007_line_identity_constraints")]
PERIOD = dt.date(2026, 1, 1)
PARTNER = "XSP000999"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


def doubled_month(apps) -> dict:
    """What the defect left: two settings rows of one partner, Nordic mapped under both (both
    mappings active), each mapping's sync charging the same two lines."""
    customer = apps.get_model("core", "Customer").objects.create(name="Nordic Cloud Solutions")
    invoice = apps.get_model("core", "Invoice").objects.create(customer=customer, period=PERIOD)
    settings_model = apps.get_model(APP, "ArrowSettings")
    first = settings_model.objects.create(api_url="https://xsp.example/api", partner_reference=PARTNER,
                                          is_active=False, api_key_encrypted="")
    second = settings_model.objects.create(api_url="https://xsp.example/api/", partner_reference=PARTNER,
                                           is_active=True, api_key_encrypted="")
    items = []
    mappings = []
    for settings in (first, second):
        mapping = apps.get_model(APP, "ArrowCustomerMapping").objects.create(
            settings=settings, arrow_reference="XSP100001", waldur_customer=customer, is_active=True)
        mappings.append(mapping)
        sync = apps.get_model(APP, "ArrowBillingSync").objects.create(customer_mapping=mapping, report_period=PERIOD,
                                                                      invoice=invoice)
        for reference, price in (("L1", Decimal("100.50")), ("L2", Decimal("20.25"))):
            invoice_item = apps.get_model("core", "InvoiceItem").objects.create(
                invoice=invoice, name=f"Arrow {reference}", unit_price=price, quantity=1,
                start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2026, 1, 31, 23, 59, tzinfo=dt.UTC))
            items.append(apps.get_model(APP, "ArrowBillingSyncItem").objects.create(
                billing_sync=sync, arrow_line_reference=reference, invoice_item=invoice_item, original_price=price,
                sell_price=price))
    return {"items": [item.pk for item in items], "mappings": [mapping.pk for mapping in mappings]}


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_second_charges_and_keeps_invoices(capsys):
    try:
        old = migrate(BEFORE)
        made = doubled_month(old)
        invoice_items = list(old.get_model("core", "InvoiceItem").objects.order_by("id").values_list(
            "id", "invoice_id", "unit_price", "quantity"))

        new = migrate(AFTER)

        items = {item.pk: item for item in new.get_model(APP, "ArrowBillingSyncItem").objects.all()}
        first_l1, first_l2, second_l1, second_l2 = (items[pk] for pk in made["items"])
        assert {(item.arrow_account, item.report_period) for item in items.values()} == {(PARTNER, PERIOD)}
        assert (first_l1.duplicate_of_id, first_l2.duplicate_of_id) == (None, None)
        assert (second_l1.duplicate_of_id, second_l2.duplicate_of_id) == (first_l1.pk, first_l2.pk)
        mapping_model = new.get_model(APP, "ArrowCustomerMapping")
        first_mapping, second_mapping = (mapping_model.objects.get(pk=pk) for pk in made["mappings"])
        assert not first_mapping.is_active and second_mapping.is_active  # the active settings' mapping stays
        assert list(new.get_model("core", "InvoiceItem").objects.order_by("id").values_list(
            "id", "invoice_id", "unit_price", "quantity")) == invoice_items
        printed = capsys.readouterr().out
        assert "2 billing sync item(s)" in printed and "repair_duplicate_charges" in printed
        assert str(first_mapping.uuid) in printed
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
