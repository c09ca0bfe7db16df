from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrow_client.money import InvalidAmount, format_decimal, parse_decimal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.37630", Decimal("5.37630")),
        ("215.13", Decimal("215.13")),
        ("1", Decimal(1)),
        ("-12.50", Decimal("-12.50")),
        ("+3", Decimal(3)),
        (" 0.80000 ", Decimal("0.80000")),
        ("0", Decimal(0)),
        (".5", Decimal("0.5")),
    ],
)
def test_parse_decimal_is_exact(text, expected):
    value = parse_decimal(text)
    assert value == expected
    assert str(value) == str(expected)


def test_parse_decimal_accepts_int_and_decimal():
    assert parse_decimal(3) == Decimal(3)
    assert parse_decimal(Decimal("1.10")) == Decimal("1.10")


@pytest.mark.parametrize(
    "value",
    ["", "   ", "abc", "NaN", "nan", "Infinity", "-inf", "1,5", "1.2.3", "€5", "5 EUR", "0x10", "1_000", None, True],
)
def test_parse_decimal_rejects_garbage(value):
    with pytest.raises(InvalidAmount):
        parse_decimal(value)


def test_parse_decimal_rejects_floats_and_special_decimals():
    with pytest.raises(InvalidAmount, match="float"):
        parse_decimal(1.5)
    with pytest.raises(InvalidAmount):
        parse_decimal(Decimal("NaN"))
    with pytest.raises(InvalidAmount):
        parse_decimal(Decimal("Infinity"))


def test_invalid_amount_is_a_value_error_with_the_value():
    with pytest.raises(ValueError, match="'twelve'"):
        parse_decimal("twelve")


def test_format_decimal_writes_fixed_places():
    assert format_decimal(Decimal("5.3763")) == "5.37630"
    assert format_decimal(Decimal("215.13"), 2) == "215.13"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=5, min_value=-10**9, max_value=10**9))
def test_formatted_amounts_parse_back_exactly(amount):
    assert parse_decimal(format_decimal(amount)) == amount
