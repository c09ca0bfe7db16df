"""Billing export parsing on the real sample page and on the emulator's "Light" export type."""

import copy
import datetime as dt
from decimal import Decimal

import pytest

from arrow_client import parsing, payloads
from arrow_client.periods import Period
from arrow_client.types import PageInfo


def parse_page(body, *, default_period=None):
    data, pagination = payloads.unwrap(body)
    headers, values = payloads.table(data, "values")
    info = payloads.parse_page_info(pagination, item_count=len(values))
    return parsing.billing_export_page(headers, values, info, default_period=default_period)


def set_cell(body, row, title, value):
    body = copy.deepcopy(body)
    body["data"]["values"][row][body["data"]["headers"].index(title)] = value
    return body


def test_sample_parses_every_row_without_errors(billing_sample):
    page = parse_page(billing_sample)
    assert len(page.headers) == 70
    assert (page.page, page.total_pages, page.total, page.per_page) == (1, 1, 8, 1000)
    assert len(page.lines) == len(page.rows) == 8
    assert page.errors == ()


def test_sample_line_fields(billing_sample):
    line = parse_page(billing_sample).lines[0]
    assert line.line_reference == line.sequence == "AWSIM24-16967007-50343"
    assert line.order_id == "O_ARWS-V7-be4ec0eb-222222"
    assert line.report_period == Period(2024, 7)
    assert line.classification == "IAAS"
    assert (line.customer_name, line.customer_id) == ("Arrow Demo", "222222")
    assert line.vendor_name == "Amazon Web Services"
    assert line.product_name == "AWS Solution Provider Account Model (SPAM)"
    assert line.sell_total == Decimal("5.37630")
    assert line.buy_total == Decimal("5.37630")
    assert line.unit_sell_price == Decimal("5.37630")
    assert line.currency == "USD"
    assert line.vendor_subscription_id == "336014339221"
    assert line.license_reference == "XSP4092988"
    assert line.validation_date == dt.date(2024, 8, 30)
    assert line.is_validated
    assert (line.bill_from, line.bill_to) == (dt.date(2024, 7, 1), dt.date(2024, 7, 31))
    assert line.billing_cycle == "Monthly"


def test_quantity_written_with_and_without_decimals(billing_sample):
    lines = parse_page(billing_sample).lines
    raw_quantities = {row["Qty"] for row in parse_page(billing_sample).rows}
    assert raw_quantities == {"1.00000", "1"}
    assert all(line.quantity == Decimal(1) for line in lines)


def test_two_decimal_amounts_are_exact(billing_sample):
    azure = [line for line in parse_page(billing_sample).lines if line.product_name == "TEST AZURE"]
    assert [line.sell_total for line in azure] == [Decimal("215.13"), Decimal("1615.08")]


def test_null_segment_is_none_in_rows_and_lines(billing_sample):
    page = parse_page(billing_sample)
    assert page.rows[0]["Segment"] is None
    assert page.lines[0].segment is None
    assert page.lines[2].segment == "Corporate"


def test_two_lines_of_one_license_month_are_kept_apart(billing_sample):
    lines = [
        line for line in parse_page(billing_sample).lines
        if line.license_reference == "XSP4215826" and line.report_period == Period(2024, 8)
    ]
    assert len(lines) == 2
    assert len({line.line_reference for line in lines}) == 2
    assert sum(line.sell_total for line in lines) == Decimal("20.00000")
    assert sum(line.buy_total for line in lines) == Decimal("17.68000")


def test_report_period_wins_over_bill_from(billing_sample):
    line = parse_page(billing_sample).lines[4]
    assert line.report_period == Period(2024, 7)
    assert line.bill_from == dt.date(2024, 8, 1)


def test_garbage_amount_is_a_line_error_not_zero(billing_sample):
    body = set_cell(billing_sample, 1, "Customer Total Price", "12,50 USD")
    page = parse_page(body)
    assert len(page.lines) == 7
    assert [line.line_reference for line in page.lines].count("AWSIM24-16967017-50353") == 0
    (error,) = page.errors
    assert error.row_number == 2
    assert error.line_reference == "AWSIM24-16967017-50353"
    assert error.column == "Customer Total Price"
    assert error.value == "12,50 USD"
    assert "not a decimal number" in error.reason
    assert len(page.rows) == 8


@pytest.mark.parametrize("value", ["", None, "NaN"])
def test_missing_or_invalid_buy_total_is_an_error(billing_sample, value):
    page = parse_page(set_cell(billing_sample, 0, "Total Wholesale Price", value))
    assert [error.column for error in page.errors] == ["Total Wholesale Price"]
    assert len(page.lines) == 7


def test_bad_date_and_period_are_errors(billing_sample):
    body = set_cell(billing_sample, 0, "Validation Date", "31/08/2024")
    body = set_cell(body, 0, "Report Period", "2024-13")
    (page_errors) = parse_page(body).errors
    assert {error.column for error in page_errors} == {"Validation Date", "Report Period"}


def test_empty_validation_date_means_not_validated(billing_sample):
    line = parse_page(set_cell(billing_sample, 0, "Validation Date", "")).lines[0]
    assert line.validation_date is None
    assert not line.is_validated


def test_sequence_falls_back_to_order_id_per_row(billing_sample):
    line = parse_page(set_cell(billing_sample, 0, "Sequence", "")).lines[0]
    assert line.sequence is None
    assert line.line_reference == "O_ARWS-V7-be4ec0eb-222222"


def test_row_with_wrong_number_of_values_is_reported(billing_sample):
    body = copy.deepcopy(billing_sample)
    body["data"]["values"][3] = body["data"]["values"][3][:10]
    page = parse_page(body)
    assert len(page.lines) == 7
    assert page.errors[0].row_number == 4
    assert "10 values for 70 headers" in page.errors[0].reason


def test_row_numbers_continue_across_pages(billing_sample):
    headers, values = billing_sample["data"]["headers"], billing_sample["data"]["values"]
    page = parsing.billing_export_page(headers, values, PageInfo(3, 5, 4008, 1000))
    assert page.lines[0].row_number == 2001
    assert not page.is_last


def test_light_export_uses_alternate_titles(billing_light):
    page = parse_page(billing_light)
    assert page.errors == ()
    first = page.lines[0]
    assert first.sequence is None
    assert first.line_reference == first.order_id == "O_ARWS-V7-0b7e00b3-100001"
    assert first.product_name == "Microsoft Azure Plan"
    assert first.sell_total == Decimal("1320.90")
    assert first.buy_total == Decimal("1162.39")
    assert first.quantity == Decimal(1)
    assert first.classification is None
    assert first.vendor_subscription_id is None
    (seats,) = [line for line in page.lines if line.quantity == 25]
    assert seats.sell_total == Decimal("515.00000")  # the total for 25 seats, not a unit price


def test_quantity_title_fallback_and_default():
    headers = ["Order Id", "Report Period", "Quantity", "Sell Total Price", "Buy Total Price"]
    _, lines, errors = parsing.parse_billing_rows(headers, [["O-1", "2025-01", "3", "30.00", "27.00"]])
    assert errors == () and lines[0].quantity == Decimal(3)
    _, lines, _ = parsing.parse_billing_rows(headers[:2] + headers[3:], [["O-1", "2025-01", "30.00", "27.00"]])
    assert lines[0].quantity == Decimal(1)


def test_missing_report_period_uses_default_period_only_when_given():
    headers = ["Sequence", "Customer Total Price", "Total Wholesale Price"]
    row = ["S-1", "10.00000", "9.00000"]
    _, lines, errors = parsing.parse_billing_rows(headers, [row], default_period=Period(2025, 2))
    assert errors == () and lines[0].report_period == Period(2025, 2)
    _, lines, errors = parsing.parse_billing_rows(headers, [row])
    assert lines == () and errors[0].column == "Report Period"


def test_export_without_a_sell_column_reports_every_row():
    headers = ["Sequence", "Report Period", "Total Wholesale Price"]
    _, lines, errors = parsing.parse_billing_rows(headers, [["S-1", "2025-01", "1"], ["S-2", "2025-01", "2"]])
    assert lines == ()
    assert [error.reason for error in errors] == ["the export has no Customer Total Price or Sell Total Price column"] * 2


def test_compatibility_of_the_full_column_set(billing_sample):
    result = parsing.export_columns_compatibility(billing_sample["data"]["headers"])
    assert result == (True, True, [], [])


def test_compatibility_of_the_light_column_set(billing_light):
    compatible, recommended, missing_required, missing_important = parsing.export_columns_compatibility(
        billing_light["data"]["headers"]
    )
    assert not compatible and not recommended
    assert missing_required == ["Classification", "Vendor Subscription ID"]
    assert missing_important == ["Sequence"]


def test_compatibility_with_alternate_sell_and_buy_titles():
    headers = ["Classification", "Vendor Subscription ID", "End User Company Name", "Sell Total Price",
               "Buy Total Price"]
    result = parsing.export_columns_compatibility(headers)
    assert result.compatible and not result.recommended
    assert "Report Period" in result.missing_important


def test_arrow_dates():
    assert parsing.parse_arrow_date("08/30/2024") == dt.date(2024, 8, 30)
    assert parsing.parse_arrow_date("") is None
    with pytest.raises(ValueError, match="MM/DD/YYYY"):
        parsing.parse_arrow_date("30/08/2024")
