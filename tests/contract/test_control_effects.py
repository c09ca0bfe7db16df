"""What the control API changes, as the client sees it."""

from decimal import Decimal

from arrow_client import Period, consumption_totals

FEBRUARY = Period(2025, 2)
MARCH = Period(2025, 3)


def lines_of(client, period):
    return [line for page in client.iter_billing_export("MSP_EXTENDED", period, period) for line in page.lines]


def test_current_month_becomes_validated_when_today_moves(client, emulator):
    assert not any(line.is_validated for line in lines_of(client, MARCH))
    emulator.control.set_today("2025-04-04")
    assert not any(line.is_validated for line in lines_of(client, MARCH))
    emulator.control.set_today("2025-04-05")
    assert all(line.is_validated for line in lines_of(client, MARCH))


def test_changed_final_price_is_exported(client, emulator):
    line = lines_of(client, FEBRUARY)[0]
    emulator.control.set_line_price(line.line_reference, sell="123.45", buy="100.00")
    (changed,) = [item for item in lines_of(client, FEBRUARY) if item.line_reference == line.line_reference]
    assert (changed.sell_total, changed.buy_total) != (line.sell_total, line.buy_total)
    assert changed.sell_total == Decimal("123.45")


def test_added_and_removed_lines_are_exported(client, emulator):
    before = lines_of(client, FEBRUARY)
    added = emulator.control.add_line(period=FEBRUARY, license="XSP5000102", sell="12.00000", buy="10.00000")
    emulator.control.remove_line(before[0].line_reference)
    after = {line.line_reference: line for line in lines_of(client, FEBRUARY)}
    assert before[0].line_reference not in after
    assert after[added["Sequence"]].sell_total == Decimal("12.00")
    assert len(after) == len(before)


def test_set_consumption_changes_only_consumption(client, emulator):
    billed = sum(line.sell_total for line in lines_of(client, FEBRUARY) if line.license_reference == "XSP5000401")
    emulator.control.set_consumption("XSP5000401", FEBRUARY, sell="42.10000", buy="40.00000")
    totals = consumption_totals(client.consumption("XSP5000401", FEBRUARY))
    assert (totals.sell_total, totals.buy_total) == (Decimal("42.10000"), Decimal("40.00000"))
    assert billed == sum(line.sell_total for line in lines_of(client, FEBRUARY)
                         if line.license_reference == "XSP5000401")
