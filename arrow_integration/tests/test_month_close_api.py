"""GET /api/admin/arrow/month-close/ and month-close-lines/ over a month built in the emulator:
ordinary lists (bare array, pages, Link, X-Result-Count, HEAD), filters, a 400 naming `period`,
the invoice items behind each figure, and a constant number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrow_integration.selectors.month_close_lines import VARIANCE_CLASSES
from arrow_integration.tests.month_close_support import BALTIC, NORDIC, PRICE_RAISE, QUANTUM, REPRICED_LICENSE
from core.models import InvoiceItem

pytestmark = pytest.mark.django_db
REPORT = "/api/admin/arrow/month-close/"
LINES = "/api/admin/arrow/month-close-lines/"


def by_reference(rows):
    return {row["arrow_customer_reference"]: row for row in rows}


def test_the_report_is_an_ordinary_list_of_one_row_per_settings_and_customer(staff_client, closing_month):
    period = str(closing_month.period)
    response = staff_client.get(REPORT, {"period": period, "page_size": 2})

    assert response.status_code == 200 and isinstance(response.json(), list) and len(response.json()) == 2
    assert response["X-Result-Count"] == "6" and 'rel="next"' in response["Link"]
    assert staff_client.head(REPORT, {"period": period})["X-Result-Count"] == "6"
    rows = by_reference(staff_client.get(REPORT, {"period": period, "page_size": 100}).json())
    nordic = rows[NORDIC]
    assert nordic["customer_uuid"] == str(closing_month.customer(NORDIC).uuid)
    assert nordic["customer"].endswith(f"/api/customers/{nordic['customer_uuid']}/")
    assert nordic["settings_uuid"] == str(closing_month.settings.uuid) and nordic["status"] == "validated"
    assert Decimal(nordic["compensated"]) == PRICE_RAISE and nordic["checked_at"] is not None
    assert Decimal(nordic["difference"]) == Decimal(nordic["arrow_in_scope"]) - Decimal(nordic["invoiced"])
    assert Decimal(nordic["margin"]) > 0 and set(nordic["counts"]) == set(VARIANCE_CLASSES)
    assert rows[QUANTUM]["customer_uuid"] is None and rows[QUANTUM]["customer"] is None
    assert rows[QUANTUM]["counts"]["unmapped"] > 0


def test_the_report_filters(staff_client, closing_month):
    period = str(closing_month.period)
    nordic = closing_month.customer(NORDIC)

    def references(**params):
        response = staff_client.get(REPORT, {"period": period, "page_size": 100, **params})
        assert response.status_code == 200, response.content
        return set(by_reference(response.json()))

    assert references(customer_uuid=nordic.uuid) == {NORDIC}
    assert references(arrow_customer_reference=BALTIC.lower()) == {BALTIC}
    assert references(settings_uuid=closing_month.settings.uuid) == references()
    assert NORDIC not in references(status="reconciled") and BALTIC in references(status="reconciled")
    assert references(status="not_checked") == set()


@pytest.mark.parametrize("path", [REPORT, LINES])
@pytest.mark.parametrize("params, field", [
    ({}, "period"), ({"period": "2026-13"}, "period"), ({"period": "26-01"}, "period"),
    ({"period": "2026-01", "status": "clean"}, "status"), ({"period": "2026-01", "settings_uuid": "x"}, "settings_uuid"),
    ({"period": "2026-01", "customer_uuid": "1"}, "customer_uuid"),
])
def test_a_missing_or_malformed_parameter_is_a_json_400_naming_it(staff_client, path, params, field):
    for extra in ({}, {"format": "csv"}):
        response = staff_client.get(path, {**params, **extra})
        assert response.status_code == 400 and response["Content-Type"] == "application/json"
        assert field in response.json()
    assert staff_client.get(LINES, {"period": "2026-01", "variance_class": "fine"}).status_code == 400


def test_lines_page_filter_and_name_the_invoice_items_behind_their_figures(staff_client, closing_month):
    period = str(closing_month.period)
    everything = staff_client.get(LINES, {"period": period, "page_size": 1000}).json()
    second = staff_client.get(LINES, {"period": period, "page_size": 5, "page": 2})

    assert second.status_code == 200 and second.json() == everything[5:10]
    assert second["X-Result-Count"] == str(len(everything)) and 'rel="prev"' in second["Link"]
    assert staff_client.head(LINES, {"period": period})["X-Result-Count"] == str(len(everything))
    unmapped = staff_client.get(LINES, {"period": period, "variance_class": "unmapped", "page_size": 1000}).json()
    assert unmapped and {line["variance_class"] for line in unmapped} == {"unmapped"}
    assert len(unmapped) == sum(row["counts"]["unmapped"] for row in staff_client.get(
        REPORT, {"period": period, "page_size": 100}).json())

    repriced = staff_client.get(LINES, {"period": period, "license_reference": REPRICED_LICENSE}).json()[0]
    assert repriced["variance_class"] == "matched" and len(repriced["compensation_uuids"]) == 1
    for line in everything:
        named = line["invoice_item_uuids"] + line["compensation_uuids"]
        items = {str(item.uuid): item.total for item in InvoiceItem.objects.filter(uuid__in=named)}
        assert sum(items.values(), Decimal(0)) == Decimal(line["invoiced"]) and len(items) == len(named)
        for url in line["invoice_item_urls"] + line["compensation_urls"]:
            assert staff_client.get(url).status_code == 200


def _queries(client, path, params) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path, params).status_code == 200
    return len(captured)


@pytest.mark.parametrize("path", [REPORT, LINES])
def test_both_lists_answer_in_a_constant_number_of_queries(staff_client, closing_month, path):
    period = str(closing_month.period)
    small = _queries(staff_client, path, {"period": period, "page_size": 1})
    large = _queries(staff_client, path, {"period": period, "page_size": 1000})
    empty_month = _queries(staff_client, path, {"period": str(closing_month.period.previous()), "page_size": 1000})

    assert small == large <= 20
    assert empty_month <= large  # a month without compensations skips looking up what they name


def test_lines_are_written_as_the_serializer_fields_say(closing_month, rf):
    """The lines' serializer writes its fields directly (for speed): the same as DRF field by field."""
    from arrow_integration.api.serializers.month_close import MonthCloseLineSerializer
    from arrow_integration.selectors.month_close import month_close_line_stream

    serializer = MonthCloseLineSerializer(context={"request": rf.get("/")})
    for line in month_close_line_stream(closing_month.period):
        fast = serializer.to_representation(line)
        assert fast == super(MonthCloseLineSerializer, serializer).to_representation(line)
        assert list(fast) == list(serializer.fields)
