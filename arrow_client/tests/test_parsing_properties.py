"""Properties of the billing export fast path: it reads every row as the full parser does.

Two readers take shortcuts for speed and must agree with the full row parser: the fast row
parser (`_FastRowParser`, tried on every row before the full one) and the row-keys reader
(`BillingRowKeys`, which identifies and fingerprints a row without parsing it). Hypothesis
throws arbitrary rows at them (cells of every kind Arrow or a fault may send, in any column
order), and the golden export page is checked row by row.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrow_client.export_dates import DEFAULT_EXPORT_DATE_FORMAT, EXPORT_DATE_FORMATS
from arrow_client.parsing import BILLING_COLUMNS, parse_billing_rows, resolve_columns
from arrow_client.parsing.billing import _FastRowParser, _parse_billing_row
from arrow_client.periods import Period
from arrow_client.row_keys import BillingRowKeys
from arrow_client.tests.conftest import load_fixture

TITLES = sorted({title for titles in BILLING_COLUMNS.values() for title in titles})
UNREAD_TITLES = ["Order Creation Date", "Reseller Name", "Exchange Rate"]

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
padded = st.builds(lambda inner, left, right: left + inner + right, texts, st.sampled_from(["", " ", "\t"]),
                   st.sampled_from(["", " ", "\n"]))
amounts = st.one_of(
    st.decimals(min_value=-10**9, max_value=10**9, places=5, allow_nan=False).map(str),
    st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False),
    st.integers(min_value=-10**9, max_value=10**9),
    st.sampled_from(["1,5", "1.000,50", "12 345.60", "n/a", "NaN", "Infinity", "1e3", "-0", ".5", "5."]),
)
dates = st.one_of(
    st.dates().map(lambda day: day.isoformat()),
    st.dates().map(lambda day: day.strftime("%d/%m/%Y")),
    st.dates().map(lambda day: day.strftime("%m/%d/%Y")),
    st.dates().map(lambda day: day.strftime("%d-%m-%Y")),
    st.sampled_from(["2024-02-30", "31/31/2024", "yesterday"]),
)
periods = st.one_of(
    st.builds(lambda year, month: f"{year}-{month:02d}", st.integers(1990, 2110), st.integers(0, 13)),
    st.sampled_from(["2024-7", "07-2024", "2024/07"]),
)
cells = st.one_of(st.none(), st.just(""), padded, amounts, dates, periods, st.booleans(),
                  st.lists(st.integers(), max_size=2))


@st.composite
def export_rows(draw):
    """Headers (every column the parser knows, some missing, some other ones, any order) and a row."""
    titles = draw(st.lists(st.sampled_from(TITLES), unique=True, min_size=3))
    titles += draw(st.lists(st.sampled_from(UNREAD_TITLES), unique=True))
    headers = draw(st.permutations(titles))
    values = [draw(cells) for _ in headers]
    return list(headers), values


PARSE_OPTIONS = st.tuples(st.one_of(st.none(), st.just(Period(2024, 7))), st.sampled_from(sorted(EXPORT_DATE_FORMATS)))
PROPERTY_SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def full_parse(headers, values, default_period, date_format):
    columns = resolve_columns(headers, BILLING_COLUMNS)
    return _parse_billing_row(dict(zip(headers, values, strict=True)), columns, 1, default_period, date_format)


def fast_parse(headers, values, default_period, date_format):
    columns = resolve_columns(headers, BILLING_COLUMNS)
    return _FastRowParser(headers, columns, default_period, date_format).parse(values, 1)


@PROPERTY_SETTINGS
@given(row=export_rows(), options=PARSE_OPTIONS)
def test_the_fast_row_parser_gives_the_full_parsers_line_or_leaves_the_row_to_it(row, options):
    headers, values = row
    fast = fast_parse(headers, values, *options)
    line, errors = full_parse(headers, values, *options)

    if fast is not None:
        assert errors == [] and fast == line
    assert parse_billing_rows(headers, [values], default_period=options[0], date_format=options[1])[1] == (
        (line,) if line is not None else ())


@PROPERTY_SETTINGS
@given(row=export_rows(), options=PARSE_OPTIONS)
def test_the_row_keys_are_what_the_parser_reads(row, options):
    headers, values = row
    keys = BillingRowKeys(headers).read(values)
    line, _errors = full_parse(headers, values, *options)

    assert keys is not None
    if line is not None:
        assert (keys.line_reference, keys.customer_id, keys.customer_name, keys.license_reference) == (
            line.line_reference, line.customer_id, line.customer_name, line.license_reference)


@PROPERTY_SETTINGS
@given(row=export_rows(), other=st.lists(cells, min_size=len(UNREAD_TITLES), max_size=len(UNREAD_TITLES)),
       options=PARSE_OPTIONS)
def test_a_row_is_its_keys_cells_columns_the_parser_does_not_read_change_nothing(row, other, options):
    headers, values = row
    changed = [other[UNREAD_TITLES.index(title)] if title in UNREAD_TITLES else value
               for title, value in zip(headers, values, strict=True)]
    reader = BillingRowKeys(headers)

    assert reader.read(changed).cells == reader.read(values).cells
    assert full_parse(headers, changed, *options) == full_parse(headers, values, *options)


def golden_rows():
    page = load_fixture("billing-export-sample.json")["data"]
    return [(page["headers"], values) for values in page["values"]]


@pytest.mark.parametrize(("headers", "values"), golden_rows())
@pytest.mark.parametrize("default_period", [None, Period(2024, 7)])
def test_on_the_golden_page_both_parsers_and_the_keys_agree_row_by_row(headers, values, default_period):
    fast = fast_parse(headers, values, default_period, DEFAULT_EXPORT_DATE_FORMAT)
    line, errors = full_parse(headers, values, default_period, DEFAULT_EXPORT_DATE_FORMAT)
    keys = BillingRowKeys(headers).read(values)

    assert errors == [] and fast is not None and fast == line
    assert isinstance(line.sell_total, Decimal) and isinstance(line.report_period, Period)
    assert (keys.line_reference, keys.customer_id, keys.customer_name, keys.license_reference) == (
        line.line_reference, line.customer_id, line.customer_name, line.license_reference)
