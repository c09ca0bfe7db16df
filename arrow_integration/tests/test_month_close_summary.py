"""A month's close at a glance (`selectors.month_close_summary`) over a month built in the emulator
to hold every variance class: the rows' figures added up per currency and class, to the cent,
against the report's own lines; the month's status; unmapped and excluded customers with their
amounts. And the state token under which the dashboard keeps these answers."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection

from arrow_client.periods import Period
from arrow_integration.selectors.database_state import database_state_token
from arrow_integration.selectors.month_close import month_close_line_stream, month_close_report
from arrow_integration.selectors.month_close_lines import VARIANCE_CLASSES
from arrow_integration.selectors.month_close_summary import (
    OPEN_CLASSES,
    month_close_summaries,
    month_close_summary,
    month_status,
)
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.tests.month_close_support import AURORA, BALTIC, EXCLUDED_LICENSE, NORDIC, QUANTUM
from arrow_integration.tests.periods import previous_period
from core.models import InvoiceItem

pytestmark = pytest.mark.django_db
ZERO = Decimal(0)


def test_classes_and_totals_add_up_the_report_lines_to_the_cent(closing_month):
    summary = month_close_summary(closing_month.period)
    lines = list(month_close_line_stream(closing_month.period))

    assert summary.rows == month_close_report(closing_month.period)
    [total] = summary.totals
    assert total.currency == "EUR" and total.rows == len(summary.rows) and total.lines == len(lines)
    assert total.arrow_total == sum((line.arrow_amount for line in lines), ZERO)
    assert total.invoiced == sum((line.invoiced for line in lines), ZERO)
    assert total.difference == sum((line.difference for line in lines), ZERO)
    expected = defaultdict(lambda: [0, ZERO, ZERO])
    for line in lines:
        entry = expected[line.variance_class]
        entry[0] += 1
        entry[1] += line.arrow_amount
        entry[2] += line.difference
    assert [entry.variance_class for entry in summary.classes] == list(VARIANCE_CLASSES)
    for entry in summary.classes:
        assert [entry.lines, entry.arrow_amount, entry.difference] == expected.get(entry.variance_class, [0, ZERO, ZERO])
    assert {entry.variance_class for entry in summary.open_classes} == {
        name for name in OPEN_CLASSES if expected.get(name, [0])[0]}
    assert "matched" not in {entry.variance_class for entry in summary.open_classes}
    assert summary.open_lines == sum(expected[name][0] for name in OPEN_CLASSES if name in expected)


def test_unmapped_and_excluded_customers_come_with_their_amounts(closing_month):
    summary = month_close_summary(closing_month.period)
    lines = list(month_close_line_stream(closing_month.period))

    unmapped = {entry.arrow_customer_reference: entry for entry in summary.unmapped}
    assert set(unmapped) == {QUANTUM, AURORA}
    for reference, entry in unmapped.items():
        own = [line for line in lines if line.arrow_customer_reference == reference and line.variance_class == "unmapped"]
        assert (entry.lines, entry.amount) == (len(own), sum((line.arrow_amount for line in own), ZERO)) and entry.lines
    excluded = {entry.arrow_customer_reference: entry for entry in summary.excluded}
    assert NORDIC in excluded
    nordic_excluded = [line for line in lines if line.variance_class == "excluded" and line.arrow_customer_reference == NORDIC]
    assert EXCLUDED_LICENSE in {line.license_reference for line in nordic_excluded}
    assert excluded[NORDIC].amount == sum((line.arrow_amount for line in nordic_excluded), ZERO) > 0


def test_the_month_status_is_its_least_advanced_row(closing_month):
    summary = month_close_summary(closing_month.period)
    statuses = {row.arrow_customer_reference: row.status for row in summary.rows}

    assert statuses[BALTIC] == "reconciled" and statuses[NORDIC] == "validated"
    assert summary.status == month_status(summary.rows) == "validated"
    assert month_status([]) == "not_checked"
    never_read = month_close_summary(closing_month.period.shift(-3))
    assert never_read.rows == [] and never_read.status == "not_checked" and never_read.totals == []
    months = month_close_summaries(last=closing_month.period, months=4)
    assert [summary.period for summary in months] == list(Period.range(closing_month.period.shift(-3),
                                                                       closing_month.period))


def test_consumption_lines_carry_the_currency_of_their_invoice_item(arrow_settings, nordic_resources):
    period = previous_period()
    consumption_sync_period(settings=arrow_settings, period=period)

    lines = [line for line in month_close_line_stream(period) if line.kind == "consumption"]
    currencies = set(InvoiceItem.objects.filter(details__period=str(period)).values_list("details__currency", flat=True))

    assert lines and currencies == {"EUR"}
    assert {line.currency for line in lines} == {"EUR"}


@pytest.mark.django_db(transaction=True)
def test_the_state_token_changes_with_every_commit_and_only_then(arrow_settings):
    if connection.vendor != "postgresql":
        assert database_state_token() is None  # no token: the dashboard computes every time
        return
    token = database_state_token()
    # Equal while nothing commits (a background ANALYZE of the server may commit too: retried).
    assert token is not None and any(database_state_token() == database_state_token() for _ in range(5))
    arrow_settings.partner_name = "Renamed"
    arrow_settings.save()
    assert database_state_token() != token
