"""The demo seed's contents and the rules the generator promises (see arrow_emulator.seeds)."""

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from arrow_client.periods import Period
from arrow_emulator.columns import MSP_EXTENDED_COLUMNS
from arrow_emulator.generator import DataModel
from arrow_emulator.seeds import catalogue_for

from .conftest import TODAY

SAMPLE = Path(__file__).resolve().parents[2] / "arrow_client" / "tests" / "fixtures" / "billing-export-sample.json"


def model(seed="demo", today=TODAY, delay=5):
    return DataModel(catalogue_for(seed), seed, today, delay)


def totals_by_license(lines):
    totals = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        totals[line.license.reference][0] += line.sell
        totals[line.license.reference][1] += line.buy
    return totals


def test_demo_customers_fit_local_demo_data():
    names = [customer.company_name for customer in model().customers]
    assert len(names) >= 6
    assert names[:3] == ["Nordic Cloud Solutions OÜ", "Baltic Data Systems SIA", "Tartu Research Lab"]


def test_demo_licenses_cover_vendors_classes_and_states():
    demo = model()
    records = [demo.license_at(i) for i in range(demo.license_count)]
    assert len(records) >= 25
    kinds = {(r.product.vendor_name, r.product.classification) for r in records}
    assert {("Microsoft", "IAAS"), ("Amazon Web Services", "IAAS"), ("Microsoft", "SAAS")} <= kinds
    assert [r.reference for r in records if r.seed.state == "canceled"] == ["XSP5000205"]
    production = demo.find_license("XSP5000101")
    assert production.seed.friendly_name == "Azure Production Subscr."
    assert production.customer.company_name == "Nordic Cloud Solutions OÜ"


def test_extended_columns_match_the_real_export():
    headers = json.loads(SAMPLE.read_text())["data"]["headers"]
    assert list(MSP_EXTENDED_COLUMNS) == headers


def test_same_seed_same_data_other_seed_other_amounts():
    period = Period(2025, 1)
    first = [(l.sequence, l.sell, l.buy) for l in model().demo_export_lines(period)]
    again = [(l.sequence, l.sell, l.buy) for l in model().demo_export_lines(period)]
    other = [(l.sequence, l.sell, l.buy) for l in model("other").demo_export_lines(period)]
    assert first == again
    assert [s for s, _, _ in first] == [s for s, _, _ in other] and first != other


def test_thirteen_months_of_lines_up_to_today():
    demo = model()
    assert demo.window[0] == Period(2024, 3) and demo.window[-1] == Period(2025, 3) and len(demo.window) == 13
    assert all(demo.demo_export_lines(period) for period in demo.window)
    assert demo.demo_export_lines(Period(2024, 2)) == []


def test_export_equals_consumption_except_documented_adjustments():
    demo = model()
    adjusted = {"XSP5000101", "XSP5000302", "XSP5000502"}
    for period in demo.window:
        for reference, (sell, buy) in totals_by_license(demo.demo_export_lines(period)).items():
            record = demo.find_license(reference)
            if not record.product.is_iaas:
                continue
            items = demo.consumption_items(record, period, None)
            consumed = (sum(i.sell for i in items), sum(i.buy for i in items))
            if reference in adjusted:
                assert consumed != (sell, buy)
            else:
                assert consumed == (sell, buy), (reference, period)


def test_months_without_usage_have_no_consumption_and_no_line():
    demo = model()
    staging = demo.find_license("XSP5000203")
    iot = demo.find_license("XSP5000402")
    for period in demo.window:
        assert demo.consumption_items(staging, period, None) == []
        refs = {line.license.reference for line in demo.demo_export_lines(period)}
        assert "XSP5000203" not in refs
        assert ("XSP5000402" in refs) == bool(demo.consumption_items(iot, period, None))
    assert any(not demo.consumption_items(iot, period, None) for period in demo.window)


def test_saas_has_seat_lines_and_no_consumption():
    demo = model()
    m365 = demo.find_license("XSP5000104")
    assert demo.consumption_items(m365, Period(2025, 1), None) == []
    (line,) = [l for l in demo.demo_export_lines(Period(2025, 1)) if l.license is m365]
    assert line.quantity == 25 and line.sell == Decimal("515.00000")


def test_canceled_and_new_licenses_follow_their_dates():
    demo = model()
    legacy, labs = demo.find_license("XSP5000205"), demo.find_license("XSP5000304")
    assert demo.consumption_items(legacy, Period(2024, 12), None)
    assert not demo.consumption_items(legacy, Period(2025, 1), None)
    assert not demo.consumption_items(labs, Period(2024, 12), None)
    assert demo.consumption_items(labs, Period(2025, 1), None)


def test_split_lines_sum_to_the_final_amount():
    demo = model()
    lines = [l for l in demo.demo_export_lines(Period(2025, 1)) if l.license.reference == "XSP5000201"]
    record = demo.find_license("XSP5000201")
    amounts = demo.month_amounts(record, Period(2025, 1))
    assert len(lines) == 2 and sum(l.sell for l in lines) == amounts.final_sell


@pytest.mark.parametrize(
    ("today", "validated"),
    [("2025-03-04", False), ("2025-03-05", True), ("2025-04-30", True)],
)
def test_previous_month_is_validated_after_the_delay(today, validated):
    demo = model(today=dt.date.fromisoformat(today))
    assert (demo.validation_date(Period(2025, 2)) is not None) is validated
    assert demo.validation_date(Period.from_date(demo.today)) is None


def test_current_month_holds_usage_up_to_today():
    early = model(today=dt.date(2025, 3, 3)).month_amounts(model().find_license("XSP5000401"), Period(2025, 3))
    later = model(today=dt.date(2025, 3, 20)).month_amounts(model().find_license("XSP5000401"), Period(2025, 3))
    assert early.consumed_sell < later.consumed_sell
