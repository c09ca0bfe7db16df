"""Customer references in either of Arrow's forms: ``XSP111111`` and the numeric ``Ref`` ``111111``."""

import pytest

from arrow_client.references import customer_key, reference_number, xsp_reference

from .test_parsing_billing import parse_page


@pytest.mark.parametrize(("value", "number", "key", "xsp"), [
    ("XSP111111", "111111", "111111", "XSP111111"),
    (" xsp111111 ", "111111", "111111", "XSP111111"),
    ("111111", "111111", "111111", "XSP111111"),
    ("XSP-RENAMED", None, "xsp-renamed", "XSP-RENAMED"),
    ("", None, "", None),
    (None, None, "", None),
])
def test_forms_of_a_customer_reference(value, number, key, xsp):
    assert (reference_number(value), customer_key(value), xsp_reference(value)) == (number, key, xsp)


def test_golden_rows_name_customers_by_their_numeric_ref(billing_sample):
    lines = parse_page(billing_sample).lines
    assert {(line.customer_id, line.customer_reference, line.customer_name) for line in lines} == {
        ("222222", "XSP222222", "Arrow Demo"), ("111111", "XSP111111", "Big Bank")}
