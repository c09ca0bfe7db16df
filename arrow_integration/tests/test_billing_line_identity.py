"""One Arrow line, one charge (SPEC 6.9): whatever the settings rows, mappings and re-runs.

The demo's defect first (save_settings twice, then trigger_sync, doubled every line), then each
way a second reader of the same line can appear: a mapping created after the first was deleted,
the same customer under a second settings row, a concurrent inserter. The second reader takes
the line's item over and compares it as usual: a pending invoice's item is updated in place, an
issued one compensated; it never charges the line again.
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from arrow_integration.models import ArrowBillingSync, ArrowBillingSyncItem, ArrowCustomerMapping, ArrowSettings
from arrow_integration.services.billing import import_period as billing_sync_module
from arrow_integration.services.billing.fingerprints import KnownLines
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.configuration.settings import arrow_settings_store
from arrow_integration.tests.billing_support import (
    BALTIC,
    EXPORT_TYPE,
    MAPPED,
    NORDIC,
    TARTU,
    billing_settings_create,
    export_lines,
    invoice_snapshot,
    invoiced_total,
)
from arrow_integration.tests.periods import current_period, previous_period
from core.models import Invoice, InvoiceItem
from core.services.invoices import invoice_issue, invoice_item_create, period_bounds
from core.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SETTINGS_URL = "/api/admin/arrow/settings/"
MAPPINGS_URL = "/api/admin/arrow/customer-mappings/"
SYNCS_URL = "/api/admin/arrow/billing-syncs/"
CENT = Decimal("0.01")


def nordic_lines(arrow_settings, period):
    return [line for line in export_lines(arrow_settings, period) if line.customer_reference == NORDIC]


def mapped_lines(arrow_settings, period):
    return [line for line in export_lines(arrow_settings, period) if line.customer_reference in MAPPED]


def invoice_state(customer) -> tuple[Decimal, int]:
    """Total and item count of everything invoiced to ``customer``, to the cent."""
    return invoiced_total(customer), InvoiceItem.objects.filter(invoice__customer=customer).count()


def trigger_sync(client, period, on_commit) -> None:
    with on_commit(execute=True):
        response = client.post(f"{SYNCS_URL}trigger_sync/", {"year": period.year, "month": period.month},
                               format="json")
    assert response.status_code == 202, response.content


def test_save_settings_twice_then_trigger_sync_leaves_the_invoice_as_it_was(
    staff_client, arrow_emulator, django_capture_on_commit_callbacks
):
    """The demo's reproduction: the second save_settings used to add a settings row and a mapping,
    and the next import charged every line of Nordic's month a second time."""
    nordic = CustomerFactory(name="Nordic Cloud Solutions")
    body = {"api_url": arrow_emulator.base_url, "api_key": arrow_emulator.api_key, "export_type_reference": EXPORT_TYPE,
            "customer_mappings": [{"arrow_reference": NORDIC, "waldur_customer_uuid": str(nordic.uuid)}]}
    first = staff_client.post(f"{SETTINGS_URL}save_settings/", body, format="json")
    assert first.status_code == 201, first.content
    periods = (previous_period(), current_period())
    for period in periods:
        trigger_sync(staff_client, period, django_capture_on_commit_callbacks)
    before = invoice_state(nordic)
    assert before[1] > 0

    again = staff_client.post(f"{SETTINGS_URL}save_settings/", body, format="json")
    for period in periods:
        trigger_sync(staff_client, period, django_capture_on_commit_callbacks)

    assert invoice_state(nordic) == before  # total and item count, to the cent
    assert again.status_code == 201 and again.json()["settings_uuid"] == first.json()["settings_uuid"]
    assert ArrowSettings.objects.count() == 1 and ArrowCustomerMapping.objects.count() == 1
    mapping = ArrowCustomerMapping.objects.get()
    summary = staff_client.get(f"{MAPPINGS_URL}{mapping.uuid}/billing_summary/").json()
    assert Decimal(summary["total_billing_sell"]) == before[0].quantize(CENT)  # price source sell: what is invoiced


def test_a_mapping_made_after_deleting_one_takes_its_lines_over(
    staff_client, billing_settings, mapped, arrow_emulator
):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    old = mapped[NORDIC]
    customer = old.waldur_customer
    before = invoice_state(customer)
    charged = set(ArrowBillingSync.objects.get(customer_mapping=old).items.values_list("pk", flat=True))

    assert staff_client.delete(f"{MAPPINGS_URL}{old.uuid}/").status_code == 204
    created = staff_client.post(MAPPINGS_URL, {"settings": str(billing_settings.uuid), "arrow_reference": NORDIC,
                                               "waldur_customer": str(customer.uuid)}, format="json")
    assert created.status_code == 201, created.content
    new = ArrowCustomerMapping.objects.get(uuid=created.json()["uuid"])
    line = ArrowBillingSyncItem.objects.filter(pk__in=charged).order_by("id").first()
    arrow_emulator.control.set_line_price(line.arrow_line_reference, sell="777.77", buy="1")
    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    new_sync = ArrowBillingSync.objects.get(customer_mapping=new)
    assert set(new_sync.items.values_list("pk", flat=True)) == charged  # the same items, moved
    assert outcome["items_created"] == 0 and outcome["items_taken_over"] == len(charged)
    assert outcome["lines_recognised_unchanged"] == len(mapped_lines(billing_settings, period)) - len(charged)
    assert outcome["items_updated"] == 1  # the changed price: the pending invoice's item, in place
    assert invoice_state(customer) == (before[0] - line.original_price + Decimal("777.77"), before[1])
    old_sync = ArrowBillingSync.objects.get(customer_mapping=old)
    assert old_sync.sell_total == 0 and not old_sync.items.exists()
    assert new_sync.sell_total == sum(line.sell_total for line in nordic_lines(billing_settings, period))
    summary = staff_client.get(f"{MAPPINGS_URL}{new.uuid}/billing_summary/").json()
    assert Decimal(summary["total_billing_sell"]) == invoiced_total(customer).quantize(CENT)

    again = billing_sync_import_period(settings=billing_settings, period=period).outcome  # the fast path agrees
    assert again["lines_recognised_unchanged"] == len(mapped_lines(billing_settings, period))
    assert (again["items_created"], again["items_updated"], again["items_taken_over"]) == (0, 0, 0)
    assert invoice_state(customer)[1] == before[1]


def test_the_same_customer_under_a_second_settings_row_is_compensated_not_charged_again(
    billing_settings, mapped, arrow_emulator
):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    customer = mapped[NORDIC].waldur_customer
    sync = ArrowBillingSync.objects.get(customer_mapping=mapped[NORDIC])
    invoice_issue(invoice=sync.invoice)
    issued = invoice_snapshot(sync.invoice)
    before = invoiced_total(customer)
    item = sync.items.order_by("id").first()
    arrow_emulator.control.set_line_price(item.arrow_line_reference, sell=item.original_price + Decimal("5.10"),
                                          buy="1")

    # A second row of the same Arrow account (a draft made active), its own mapping of Nordic.
    second = billing_settings_create(arrow_emulator, is_active=False)
    ArrowCustomerMapping.objects.filter(pk=mapped[NORDIC].pk).update(is_active=False)
    ArrowCustomerMapping.objects.create(settings=second, arrow_reference=NORDIC, arrow_company_name=MAPPED[NORDIC][0],
                                        waldur_customer=customer)
    outcome = billing_sync_import_period(settings=second, period=period).outcome

    assert outcome["items_created"] == 0 and outcome["items_compensated"] == 1
    item.refresh_from_db()
    assert item.billing_sync.customer_mapping.settings == second
    assert item.compensation_item.unit_price == Decimal("5.10") and item.compensation_item.invoice.is_pending
    assert invoiced_total(customer) == before + Decimal("5.10")
    assert invoice_snapshot(sync.invoice) == issued


def test_the_database_refuses_a_second_charge_of_a_line(billing_settings, mapped):
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    item = ArrowBillingSyncItem.objects.order_by("id").first()
    other = ArrowBillingSync.objects.exclude(pk=item.billing_sync_id).first()

    with pytest.raises(IntegrityError), transaction.atomic():
        ArrowBillingSyncItem.objects.create(
            billing_sync=other, arrow_account=item.arrow_account, report_period=item.report_period,
            arrow_line_reference=item.arrow_line_reference, invoice_item=item.invoice_item,
        )


def test_a_concurrent_first_charge_fails_that_mapping_cleanly_and_the_next_run_takes_the_line_over(
    billing_settings, mapped, monkeypatch
):
    """Another run charged a Nordic line after this one looked the month up: the constraint
    stops the second charge, Nordic's month fails as a whole, the others are imported."""
    period = previous_period()
    line = nordic_lines(billing_settings, period)[0]
    customer = mapped[NORDIC].waldur_customer
    load = KnownLines.load

    def load_then_someone_charges(**kwargs):
        known = load(**kwargs)
        # The other writer, right after this run's look-up: an inactive mapping that read the line.
        invoice = Invoice.objects.create(customer=customer, period=period.first_day)
        holder = ArrowCustomerMapping.objects.create(
            settings=billing_settings, arrow_reference="XSP999999", arrow_company_name="Elsewhere",
            waldur_customer=customer, is_active=False,
        )
        sync = ArrowBillingSync.objects.create(customer_mapping=holder, report_period=period.first_day,
                                               invoice=invoice)
        start, end = period_bounds(period.first_day)
        invoice_item = invoice_item_create(invoice=invoice, name="charged elsewhere", unit_price=line.sell_total,
                                           start=start, end=end)
        ArrowBillingSyncItem.objects.create(
            billing_sync=sync, arrow_account=billing_settings.arrow_account, report_period=period.first_day,
            arrow_line_reference=line.line_reference, invoice_item=invoice_item, original_price=line.sell_total,
            sell_price=line.sell_total,
        )
        return known

    monkeypatch.setattr(billing_sync_module.KnownLines, "load", load_then_someone_charges)
    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert set(outcome["failures"]) == {NORDIC} and "UNIQUE" in outcome["failures"][NORDIC].upper()
    assert not ArrowBillingSync.objects.filter(customer_mapping=mapped[NORDIC]).exists()
    assert ArrowBillingSync.objects.filter(customer_mapping__in=[mapped[BALTIC], mapped[TARTU]]).count() == 2
    assert invoiced_total(customer) == line.sell_total  # only the other writer's charge

    monkeypatch.undo()
    again = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert again["failures"] == {} and again["items_taken_over"] == 1
    assert invoiced_total(customer) == sum(one.sell_total for one in nordic_lines(billing_settings, period))


def test_a_first_partner_reference_keeps_imported_lines_recognised(billing_settings, mapped):
    """Settings saved without a partner reference key their lines by API URL; when the partner
    becomes known, the lines follow, and the next import charges nothing again."""
    period = previous_period()
    billing_sync_import_period(settings=billing_settings, period=period)
    count = InvoiceItem.objects.count()

    billing_settings.partner_reference = "XSP000042"
    arrow_settings_store(billing_settings)
    outcome = billing_sync_import_period(settings=billing_settings, period=period).outcome

    assert set(ArrowBillingSyncItem.objects.values_list("arrow_account", flat=True)) == {"XSP000042"}
    assert outcome["items_created"] == 0 and InvoiceItem.objects.count() == count
