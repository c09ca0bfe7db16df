"""The month-close report's selectors over months built in the emulator: every variance class,
every status, and the figures adding up to the cent against the invoice-items table."""

from decimal import Decimal

import pytest

from arrow_integration.models import ArrowConsumptionRecord
from arrow_integration.selectors.month_close import (
    NOT_CHECKED,
    PROVISIONAL,
    RECONCILED,
    VALIDATED,
    month_close_line_stream,
    month_close_line_window,
    month_close_report,
)
from arrow_integration.selectors.month_close_lines import (
    DUPLICATED,
    EXCLUDED,
    MATCHED,
    MISSING,
    OVERCHARGED,
    PENDING,
    UNDERCHARGED,
    UNEXPECTED,
    UNMAPPED,
    VARIANCE_CLASSES,
    LineFilters,
)
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.consumption.reconciliation import consumption_reconciliation_run_period
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tests.month_close_support import (
    AURORA,
    BALTIC,
    DUPLICATED_LICENSE,
    EXCLUDED_LICENSE,
    GHOST_LINE,
    HELIOS,
    LOWERED_LICENSE,
    NORDIC,
    PRICE_RAISE,
    QUANTUM,
    RAISED_LICENSE,
    REPRICED_LICENSE,
    TARTU,
    UNEXPECTED_AMOUNT,
    arrow_items_total,
    emulator_sell_by_customer,
    emulator_sell_of_license,
    items_total_of,
)
from arrow_integration.tests.periods import current_period

pytestmark = pytest.mark.django_db
ZERO = Decimal(0)


def lines_of(period, **filters):
    return list(month_close_line_stream(period, LineFilters(**filters)))


def rows_by_reference(period, **filters):
    return {row.arrow_customer_reference: row for row in month_close_report(period, LineFilters(**filters))}


def test_each_variance_class_on_a_month_built_to_hold_them_all(closing_month, arrow_emulator):
    period = closing_month.period
    lines = lines_of(period)
    by_license = {}
    for line in lines:
        by_license.setdefault(line.license_reference, []).append(line)

    repriced = by_license[REPRICED_LICENSE][0]
    assert repriced.variance_class == MATCHED and repriced.compensated == PRICE_RAISE
    assert repriced.compensations[0].invoice_period == current_period().first_day  # on a later invoice

    raised = by_license[RAISED_LICENSE][0]  # one row for the license-month, its two lines linked
    assert raised.kind == "consumption" and len(raised.line_references) == 2
    assert raised.variance_class == UNDERCHARGED
    consumed = ArrowConsumptionRecord.objects.get(license_reference=RAISED_LICENSE, billing_period=period.first_day)
    assert raised.arrow_amount == emulator_sell_of_license(arrow_emulator, period, RAISED_LICENSE)
    assert raised.invoiced == consumed.consumed_sell and raised.difference > 0

    assert by_license[LOWERED_LICENSE][0].variance_class == OVERCHARGED
    assert {line.variance_class for line in by_license[EXCLUDED_LICENSE]} == {EXCLUDED}
    assert all(not line.in_scope and line.invoiced == 0 for line in by_license[EXCLUDED_LICENSE])

    duplicated = by_license[DUPLICATED_LICENSE][0]
    assert duplicated.variance_class == DUPLICATED and len(duplicated.charges) == 2
    assert duplicated.invoiced == 2 * duplicated.arrow_amount

    unexpected = [line for line in lines if line.variance_class == UNEXPECTED]
    assert [(line.line_references, line.invoiced, line.arrow_amount) for line in unexpected] == [
        ((GHOST_LINE,), UNEXPECTED_AMOUNT, ZERO)]
    assert unexpected[0].arrow_customer_reference == BALTIC

    by_customer = {}
    for line in lines:
        by_customer.setdefault(line.arrow_customer_reference, set()).add(line.variance_class)
    assert by_customer[QUANTUM] == {UNMAPPED, EXCLUDED} and by_customer[AURORA] <= {UNMAPPED, EXCLUDED}
    assert by_customer[HELIOS] == {MISSING, EXCLUDED}  # mapped after the import: its lines were never charged
    assert {line.variance_class for line in lines} == set(VARIANCE_CLASSES) - {PENDING}


def test_every_customer_adds_up_to_the_cent_against_the_invoice_items_table(closing_month, arrow_emulator):
    period = closing_month.period
    rows = rows_by_reference(period)
    arrow_sell = emulator_sell_by_customer(arrow_emulator, period)

    assert set(rows) == set(arrow_sell)  # every Arrow customer of the month, mapped or not
    for reference, row in rows.items():
        lines = lines_of(period, arrow_customer_reference=reference)
        assert row.arrow_total == arrow_sell[reference] == sum(line.arrow_amount for line in lines)
        assert sum(row.counts.values()) == row.lines == len(lines)
        assert row.counts == {name: sum(line.variance_class == name for line in lines) for name in VARIANCE_CLASSES}
        by_class = {name: sum((line.arrow_amount for line in lines if line.variance_class == name), ZERO)
                    for name in VARIANCE_CLASSES}
        assert sum(by_class.values()) == row.arrow_total
        named = [charge.uuid for line in lines for charge in (*line.charges, *line.compensations)]
        assert row.invoiced == items_total_of(named)
        if reference in closing_month.mappings:
            assert row.invoiced == arrow_items_total(closing_month.customer(reference), period)
        assert row.difference == row.arrow_in_scope - row.invoiced
        assert row.arrow_in_scope == row.arrow_total - by_class[EXCLUDED]
    assert rows[NORDIC].compensated == PRICE_RAISE
    assert rows[QUANTUM].invoiced == 0 and rows[QUANTUM].customer_uuid is None
    assert rows[HELIOS].customer_uuid == closing_month.customer(HELIOS).uuid


def test_statuses_from_never_read_to_reconciled(closing_month, arrow_emulator):
    settings, period = closing_month.settings, closing_month.period
    rows = rows_by_reference(period)
    assert rows[NORDIC].status == VALIDATED  # a consumption license-month is not reconciled yet
    assert rows[BALTIC].status == RECONCILED and rows[BALTIC].checked_at is not None
    assert rows[QUANTUM].status == VALIDATED  # nothing of it is charged: validated with its month

    consumption_reconciliation_run_period(settings=settings, period=period)
    rows = rows_by_reference(period)
    assert rows[NORDIC].status == rows[TARTU].status == RECONCILED
    raised = lines_of(period, license_reference=RAISED_LICENSE)[0]
    assert raised.variance_class == MATCHED and raised.compensated > 0

    never_read = period.shift(-1)  # only consumption synced: nothing compared with Arrow's bill
    consumption_sync_period(settings=settings, period=never_read)
    rows = rows_by_reference(never_read)
    assert {row.status for row in rows.values()} == {NOT_CHECKED}
    assert {line.variance_class for line in lines_of(never_read)} == {PENDING}

    previous = current_period().previous()  # read, but Arrow has not validated it
    billing_sync_import_period(settings=settings, period=previous)
    rows = rows_by_reference(previous)
    assert rows[NORDIC].status == PROVISIONAL and rows[QUANTUM].status == PROVISIONAL
    assert PENDING in rows[NORDIC].counts and rows[NORDIC].counts[PENDING] > 0
    assert rows[NORDIC].counts[MATCHED] == 0  # nothing of an unvalidated month shows as clean


def test_filters_and_the_window_of_lines(closing_month):
    period = closing_month.period
    nordic = closing_month.customer(NORDIC)
    assert set(rows_by_reference(period, customer_uuid=nordic.uuid)) == {NORDIC}
    assert set(rows_by_reference(period, status=RECONCILED)) >= {BALTIC}
    assert NORDIC not in rows_by_reference(period, status=RECONCILED)
    excluded = lines_of(period, variance_class=EXCLUDED, arrow_customer_reference=NORDIC.lower())
    assert excluded and {line.license_reference for line in excluded} <= {EXCLUDED_LICENSE, "XSP5000105"}

    everything = lines_of(period)
    count, window = month_close_line_window(period, None, offset=3, limit=4)
    assert count == len(everything) and [line.line_references for line in window] == [
        line.line_references for line in everything[3:7]]
    # The database's count and window (no class filter) agree with classifying every line.
    for filters in ({}, {"customer_uuid": nordic.uuid}, {"arrow_customer_reference": "xsp100004"},
                    {"settings_uuid": closing_month.settings.uuid, "license_reference": EXCLUDED_LICENSE}):
        streamed = lines_of(period, **filters)
        count, window = month_close_line_window(period, LineFilters(**filters), offset=0, limit=10_000)
        assert count == len(streamed) and window == streamed, filters
