"""CSV of the lists (`?format=csv`, `Accept: text/csv`): every matching row, streamed, with the
cells of the JSON rows; errors stay JSON; `fetch_billing_export` as CSV holds the whole export."""

import csv
import io

import pytest

from arrow_integration.api.csv_export import csv_cell
from arrow_integration.services.consumption.raw_lookups import MAX_EXPORT_ROWS
from arrow_integration.tests.periods import previous_period

pytestmark = pytest.mark.django_db
ADMIN = "/api/admin/arrow/"


def csv_of(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8" and response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def flat(row: dict, prefix: str = "") -> dict[str, str]:
    """A JSON row as CSV cells: a nested object of the serializer (the report's `counts`) one
    column per field, JSON values (`outcome`, `raw_data`) one column of JSON text."""
    cells = {}
    for key, value in row.items():
        if isinstance(value, dict) and key == "counts":
            cells.update(flat(value, f"{prefix}{key}."))
        else:
            cells[f"{prefix}{key}"] = csv_cell(value)
    return cells


@pytest.mark.parametrize("path, params", [
    ("month-close/", "period"),
    ("month-close-lines/", "period"),
    ("billing-sync-items/", "report_period"),
    ("consumption-records/", "billing_period"),
    ("sync-runs/", None),
])
def test_csv_rows_are_the_json_rows_all_of_them(staff_client, closing_month, path, params):
    query = {params: str(closing_month.period)} if params else {}
    json_rows = staff_client.get(ADMIN + path, {**query, "page_size": 1000}).json()
    assert len(json_rows) >= 2

    as_csv = staff_client.get(ADMIN + path, {**query, "format": "csv", "page_size": 1})  # every row, not a page
    by_accept = staff_client.get(ADMIN + path, query, HTTP_ACCEPT="text/csv")

    assert csv_of(as_csv) == [flat(row) for row in json_rows]
    assert csv_of(by_accept) == [flat(row) for row in json_rows]
    assert as_csv["X-Result-Count"] == str(len(json_rows))
    assert "attachment" in as_csv["Content-Disposition"]
    head = staff_client.head(ADMIN + path, {**query, "format": "csv"})
    assert head.status_code == 200 and head["X-Result-Count"] == str(len(json_rows))


def test_a_bad_filter_of_a_csv_list_is_a_json_400(staff_client, closing_month):
    response = staff_client.get(ADMIN + "billing-sync-items/", {"report_period": "2026-13", "format": "csv"})

    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "report_period" in response.json()


def test_decimals_stay_exact_strings_and_lists_are_space_separated(staff_client, closing_month):
    rows = csv_of(staff_client.get(ADMIN + "month-close-lines/", {"period": str(closing_month.period),
                                                                    "format": "csv"}))
    consumption = next(row for row in rows if row["kind"] == "consumption" and len(row["line_references"].split()) == 2)
    assert consumption["arrow_amount"].count(".") == 1 and "e" not in consumption["arrow_amount"].lower()
    assert rows[0]["in_scope"] in ("true", "false")


def test_fetch_billing_export_as_csv_holds_every_row_of_the_export(staff_client, arrow_settings, arrow_emulator):
    arrow_emulator.control.reset(scale_lines=MAX_EXPORT_ROWS + 200)
    month = str(previous_period())
    body = {"period_from": month, "period_to": month, "classification": ""}
    capped = staff_client.post(ADMIN + "billing-syncs/fetch_billing_export/", body, format="json").json()
    response = staff_client.post(ADMIN + "billing-syncs/fetch_billing_export/?format=csv", body, format="json")

    rows = csv_of(response)
    assert capped["truncated"] and len(rows) == capped["total_rows"] > MAX_EXPORT_ROWS
    assert list(rows[0]) == list(capped["data"][0])
    assert rows[:MAX_EXPORT_ROWS] == [{title: csv_cell(value) for title, value in row.items()} for row in capped["data"]]
