"""The demo's closed month (`demo_month_close_seed`): the month-close report of the latest
validated month shows, for the demo customers, matched lines, a line undercharged by Arrow's
final price and compensated by reconciliation, excluded and unmapped lines; seeding again
changes nothing."""

from decimal import Decimal

import pytest

from arrow_client import Period
from arrow_integration.models import ArrowSyncRun
from arrow_integration.selectors.month_close import month_close_line_stream, month_close_report
from arrow_integration.services.configuration.demo import demo_seed_with_summary
from arrow_integration.services.configuration.demo_month import PRICE_RAISE, REPRICED_LICENSE, demo_month_close_seed
from core.models import InvoiceItem

pytestmark = pytest.mark.django_db


def test_the_demo_month_holds_matched_compensated_excluded_and_unmapped_lines(arrow_emulator):
    summary = demo_seed_with_summary(base_url="http://testserver/", arrow_url=arrow_emulator.base_url,
                                     arrow_key=arrow_emulator.api_key)
    control_url = arrow_emulator.base_url.replace("index.php/api/", "_emulator/")
    seeded = demo_month_close_seed(settings_uuid=summary["arrow_settings_uuid"], control_url=control_url)
    period = Period.parse(seeded["month_close_period"])

    lines = list(month_close_line_stream(period))
    classes = {line.variance_class for line in lines}
    assert {"matched", "excluded", "unmapped"} <= classes
    repriced = next(line for line in lines if line.license_reference == REPRICED_LICENSE)
    assert repriced.variance_class == "matched" and repriced.compensated == PRICE_RAISE
    assert repriced.arrow_customer_reference == "XSP100001"
    rows = {row.arrow_customer_reference: row for row in month_close_report(period)}
    assert rows["XSP100001"].status == "reconciled" and rows["XSP100004"].customer_uuid is None
    assert all(row.difference == 0 for reference, row in rows.items() if row.customer_uuid is not None)

    items = InvoiceItem.objects.count()
    again = demo_month_close_seed(settings_uuid=summary["arrow_settings_uuid"], control_url=control_url)

    assert again == seeded and InvoiceItem.objects.count() == items
    assert ArrowSyncRun.objects.filter(kind="reconciliation").count() == 1
    assert sum(line.compensated for line in month_close_line_stream(period)) == Decimal(PRICE_RAISE)
