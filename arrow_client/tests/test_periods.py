import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrow_client.periods import Period


def test_parse_valid_period():
    period = Period.parse("2025-01")
    assert (period.year, period.month) == (2025, 1)
    assert str(period) == "2025-01"


@pytest.mark.parametrize(
    "text", ["2025-13", "25-01", "2025-00", "1999-12", "2101-01", "2025-1", "2025/01", "", "2025-01-01", "abcd-ef"]
)
def test_parse_malformed_period_raises_clear_error(text):
    with pytest.raises(ValueError, match="Malformed period"):
        Period.parse(text)


def test_parse_rejects_non_string():
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.parse(None)


def test_constructor_validates_month_and_year():
    with pytest.raises(ValueError, match="month"):
        Period(2025, 0)
    with pytest.raises(ValueError, match="year"):
        Period(1999, 5)


def test_first_and_last_day_including_leap_years():
    assert Period(2024, 2).first_day == dt.date(2024, 2, 1)
    assert Period(2024, 2).last_day == dt.date(2024, 2, 29)
    assert Period(2025, 2).last_day == dt.date(2025, 2, 28)
    assert Period(2025, 12).last_day == dt.date(2025, 12, 31)


def test_next_and_previous_cross_year_boundaries():
    assert Period(2024, 12).next() == Period(2025, 1)
    assert Period(2025, 1).previous() == Period(2024, 12)
    assert Period(2025, 3).shift(-14) == Period(2024, 1)


def test_periods_are_ordered_and_hashable():
    assert Period(2024, 12) < Period(2025, 1) < Period(2025, 2)
    assert len({Period(2025, 1), Period.parse("2025-01")}) == 1


def test_range_is_inclusive_and_empty_when_reversed():
    assert [str(p) for p in Period.range(Period(2024, 11), Period(2025, 2))] == [
        "2024-11", "2024-12", "2025-01", "2025-02"
    ]
    assert list(Period.range(Period(2025, 2), Period(2025, 1))) == []


def test_from_date_current_and_contains():
    assert Period.from_date(dt.date(2025, 7, 31)) == Period(2025, 7)
    assert Period.current(dt.date(2025, 3, 10)) == Period(2025, 3)
    assert Period(2025, 3).contains(dt.date(2025, 3, 1))
    assert not Period(2025, 3).contains(dt.date(2025, 4, 1))


@given(st.integers(min_value=2000, max_value=2100), st.integers(min_value=1, max_value=12))
def test_string_form_round_trips(year, month):
    period = Period(year, month)
    assert Period.parse(str(period)) == period
    assert period.first_day <= period.last_day
    assert Period.from_date(period.last_day) == period


def test_non_ascii_digits_are_not_a_period():
    with pytest.raises(ValueError):
        Period.parse("２０２５-０１")
