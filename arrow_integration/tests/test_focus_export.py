"""The FOCUS export of a billing month: every Arrow-sourced charge once, to the cent, with the
same rows through the API and the command, its filters, its access rules and its input checks.

The months are built against the emulator (`focus_support.focus_months`): statement lines, a
credit line, consumption items, a compensation of an issued month and one of a pending month.
"""

from __future__ import annotations

import io
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrow_client import Period
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings
from arrow_integration.selectors.focus import ARROW_CHARGE_SOURCES, focus_charges
from arrow_integration.services.billing.import_period import billing_sync_import_period
from arrow_integration.services.reports.focus_columns import EXPORT_COLUMNS
from arrow_integration.services.reports.focus_export import focus_row
from arrow_integration.tests.billing_support import billing_settings_create
from arrow_integration.tests.focus_support import (
    BALTIC,
    CREDIT_AMOUNT,
    LINKED_LICENSE,
    NORDIC,
    PRICE_RAISE,
    REPRICED_LICENSE,
    TARTU,
    api_export,
    csv_rows,
)
from core.models import Invoice, InvoiceItem
from core.services.invoices import invoice_issue
from core.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
EXPORT_URL = "/api/admin/arrow/focus-export/"
# The page of items and the look-ups of what they do not say themselves (see selectors.focus).
QUERIES_PER_CHUNK = 12
PROPERTY_SETTINGS = settings(max_examples=80, derandomize=True, database=None, deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
query_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
period_like = st.one_of(query_text, st.from_regex(r"\A-?[0-9]{1,5}-[0-9]{1,3}\Z"),
                        st.sampled_from(["2026-01", " 2026-02 ", "2101-01", "2026-01-15", "2026/01"]))
uuid_like = st.one_of(st.none(), query_text, st.uuids().map(str), st.sampled_from(["", "0" * 32, "\x00"]))


def arrow_total(invoice: Invoice) -> Decimal:
    """The invoice's Arrow-sourced total, summed by the database."""
    total = invoice.items.filter(details__source__in=ARROW_CHARGE_SOURCES).aggregate(
        total=Sum(F("unit_price") * F("quantity")))["total"]
    return total or Decimal(0)


def billed_by_invoice(rows) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        totals[row["x_InvoiceId"]] += Decimal(row["BilledCost"])
    return dict(totals)


def command_export(*args) -> str:
    out = io.StringIO()
    call_command("export_focus", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_billed_cost_of_every_invoice_is_its_arrow_sourced_total_to_the_cent(staff_client, focus_months):
    seen: dict[str, Decimal] = {}
    for period in focus_months.periods:
        status, text = api_export(staff_client, period=str(period))
        assert status == 200, text
        rows = csv_rows(text)
        assert {row["BillingPeriodStart"][:7] for row in rows} == {str(period)}
        seen.update(billed_by_invoice(rows))

    invoices = Invoice.objects.filter(period__in=[period.first_day for period in focus_months.periods])
    assert set(seen) == {str(invoice.uuid) for invoice in invoices
                         if invoice.items.filter(details__source__in=ARROW_CHARGE_SOURCES).exists()}
    for invoice in invoices:
        assert seen.get(str(invoice.uuid), Decimal(0)) == arrow_total(invoice), invoice
    # ...and what the emulator billed (the compensations included), independently of the items.
    assert seen == focus_months.expected_totals
    assert len(focus_months.expected_totals) == 9  # three customers, three months


def test_one_row_per_charge_with_its_source_category_and_periods(staff_client, focus_months):
    months = focus_months
    rows = csv_rows(api_export(staff_client, period=str(months.current))[1])
    items = InvoiceItem.objects.filter(invoice__period=months.current.first_day,
                                       details__source__in=ARROW_CHARGE_SOURCES)
    assert sorted(row["x_InvoiceItemId"] for row in rows) == sorted(str(item.uuid) for item in items)

    corrections = [row for row in rows if row["ChargeCategory"] == "Adjustment"]
    by_month = {row["ChargePeriodStart"][:7]: row for row in corrections}
    assert set(by_month) == {str(months.closed), str(months.consumption)}
    closed = by_month[str(months.closed)]
    assert closed["ChargeClass"] == "Correction" and Decimal(closed["BilledCost"]) == PRICE_RAISE
    assert closed["ResourceId"] == REPRICED_LICENSE and closed["PublisherName"] == "Microsoft"
    assert closed["ChargePeriodEnd"] == f"{months.closed.next().first_day}T00:00:00Z"
    assert closed["BillingPeriodStart"] == f"{months.current.first_day}T00:00:00Z"
    assert closed["BillingPeriodEnd"] == f"{months.current.next().first_day}T00:00:00Z"
    assert closed["ChargeFrequency"] == "One-Time" and closed["PricingQuantity"] == ""
    # The consumption month's invoice is still pending: its settlement is no correction yet.
    pending = by_month[str(months.consumption)]
    assert pending["ChargeClass"] == "" and pending["ResourceId"] == LINKED_LICENSE
    assert pending["ResourceName"] == "Azure Production Subscription"

    invoice_issue(invoice=months.invoice(NORDIC, months.consumption))
    again = csv_rows(api_export(staff_client, period=str(months.current))[1])
    assert [row["ChargeClass"] for row in again if row["x_InvoiceItemId"] == pending["x_InvoiceItemId"]] == [
        "Correction"]


def test_statement_consumption_and_credit_rows_carry_arrow_figures(staff_client, focus_months):
    months = focus_months
    rows = csv_rows(api_export(staff_client, period=str(months.consumption))[1])
    consumption = [row for row in rows if row["x_ChargeSource"] == "consumption"]
    assert len(consumption) == 1
    usage = consumption[0]
    assert (usage["ChargeCategory"], usage["ChargeFrequency"], usage["ResourceId"]) == (
        "Usage", "Usage-Based", LINKED_LICENSE)
    assert usage["PublisherName"] == "Microsoft" and usage["ServiceCategory"] == "Compute"
    assert usage["InvoiceIssuerName"] == usage["ProviderName"] == "Demo Reseller Partner"
    assert usage["SubAccountName"] == "Cloud Infrastructure" and usage["BillingAccountName"] == "Nordic Cloud Solutions"
    seats = [row for row in rows if row["ChargeCategory"] == "Purchase"]
    assert seats and all(row["PricingUnit"] == "Licenses" and row["ChargeFrequency"] == "Recurring" for row in seats)
    for row in rows:
        assert row["ListCost"] == row["ContractedCost"] == row["EffectiveCost"] == row["BilledCost"]
        assert Decimal(row["x_WholesaleCost"]) <= Decimal(row["BilledCost"])  # Arrow's buy price, below the sell
        assert row["BillingCurrency"] == "EUR"

    closed = csv_rows(api_export(staff_client, period=str(months.closed))[1])
    credits = [row for row in closed if row["ChargeCategory"] == "Credit"]
    assert [Decimal(row["BilledCost"]) for row in credits] == [CREDIT_AMOUNT]
    assert credits[0]["ListUnitPrice"] == "" and credits[0]["BillingAccountName"] == "Tartu Research Lab"


def test_the_command_writes_the_rows_the_api_streams(staff_client, focus_months, tmp_path):
    period = str(focus_months.current)
    status, streamed = api_export(staff_client, period=period)
    target = tmp_path / "focus.csv"
    errors = io.StringIO()
    call_command("export_focus", "--period", period, "--output", str(target), stdout=io.StringIO(), stderr=errors)

    assert status == 200
    assert command_export("--period", period) == streamed
    assert target.read_text(encoding="utf-8") == streamed
    assert streamed.splitlines()[0].split(",") == list(EXPORT_COLUMNS)
    rows = len(streamed.splitlines()) - 1
    assert f"{rows} row(s) written to {target}" in errors.getvalue() and "row/s" in errors.getvalue()
    assert [path.name for path in tmp_path.iterdir()] == ["focus.csv"]  # no partial file left


def test_filters_by_customer_and_by_settings(staff_client, focus_months, arrow_emulator):
    months = focus_months
    period = str(months.closed)
    everything = csv_rows(api_export(staff_client, period=period)[1])
    nordic = months.customers[NORDIC]
    # A second settings row of the same Arrow account charges a customer the demo leaves unmapped.
    other_settings = billing_settings_create(arrow_emulator, is_active=False, partner_name="Other Reseller")
    helios = CustomerFactory(name="Helios Manufacturing")
    ArrowCustomerMapping.objects.create(settings=other_settings, arrow_reference="XSP100004",
                                        arrow_company_name="Helios Manufacturing GmbH", waldur_customer=helios)
    billing_sync_import_period(settings=other_settings, period=months.closed)

    only_nordic = csv_rows(api_export(staff_client, period=period, customer_uuid=str(nordic.uuid))[1])
    demo_rows = csv_rows(api_export(staff_client, period=period, settings_uuid=str(months.settings.uuid))[1])
    other_rows = csv_rows(api_export(staff_client, period=period, settings_uuid=str(other_settings.uuid))[1])
    nobody = api_export(staff_client, period=period, customer_uuid=str(uuid.uuid4()))

    assert only_nordic == [row for row in everything if row["BillingAccountId"] == str(nordic.uuid)] != []
    assert demo_rows == everything
    assert other_rows and {row["BillingAccountName"] for row in other_rows} == {"Helios Manufacturing"}
    assert {row["InvoiceIssuerName"] for row in other_rows} == {"Other Reseller"}
    assert nobody == (200, ",".join(EXPORT_COLUMNS) + "\n")
    assert command_export("--period", period, "--customer", str(nordic.uuid)) == api_export(
        staff_client, period=period, customer_uuid=str(nordic.uuid))[1]
    assert command_export("--period", period, "--arrow-settings", str(other_settings.uuid)) == api_export(
        staff_client, period=period, settings_uuid=str(other_settings.uuid))[1]


def test_canceled_invoices_are_left_out_and_odd_details_break_nothing(staff_client, focus_months):
    months = focus_months
    baltic = months.invoice(BALTIC, months.current)
    Invoice.objects.filter(pk=baltic.pk).update(state=Invoice.State.CANCELED)  # no service cancels invoices yet
    edited = months.invoice(TARTU, months.current).items.order_by("id")[0]
    InvoiceItem.objects.filter(pk=edited.pk).update(details={**edited.details, "period": "someday",
                                                             "arrow_quantity": "many", "buy_total": None})

    status, text = api_export(staff_client, period=str(months.current))

    rows = {row["x_InvoiceItemId"]: row for row in csv_rows(text)}
    assert status == 200 and str(baltic.uuid) not in {row["x_InvoiceId"] for row in rows.values()}
    odd = rows[str(edited.uuid)]
    assert odd["ChargePeriodStart"] == odd["BillingPeriodStart"] and odd["x_WholesaleCost"] == ""
    assert odd["PricingQuantity"] == "1.0"  # the item's own quantity when Arrow's cannot be read


@pytest.mark.parametrize("scope", ["all", "settings"])
def test_the_row_count_comes_with_get_and_head(staff_client, focus_months, scope):
    params = {"period": str(focus_months.closed)}
    if scope == "settings":
        params["settings_uuid"] = str(focus_months.settings.uuid)
    get = staff_client.get(EXPORT_URL, params)
    rows = csv_rows(b"".join(get.streaming_content).decode())
    head = staff_client.head(EXPORT_URL, params)

    assert get.status_code == head.status_code == 200 and head.content == b""
    assert get["X-Result-Count"] == head["X-Result-Count"] == str(len(rows)) and len(rows) > 10
    assert head["Content-Type"] == get["Content-Type"] == "text/csv; charset=utf-8"
    assert head["Content-Disposition"] == f'attachment; filename="focus-{focus_months.closed}.csv"'


def test_staff_only(anonymous_client, user_client):
    assert anonymous_client.get(EXPORT_URL, {"period": "2026-01"}).status_code == 401
    assert user_client.get(EXPORT_URL, {"period": "2026-01"}).status_code == 403
    assert anonymous_client.head(EXPORT_URL, {"period": "2026-01"}).status_code == 401


@pytest.mark.parametrize("params, field", [
    ({}, "period"),
    ({"period": ""}, "period"),
    ({"period": "2026-13"}, "period"),
    ({"period": "2026-1"}, "period"),
    ({"period": "26-01"}, "period"),
    ({"period": "２０２６-０１"}, "period"),
    ({"period": "2026-01\x00"}, "period"),
    ({"period": "1999-12"}, "period"),
    ({"period": "2026-01", "settings_uuid": "not-a-uuid"}, "settings_uuid"),
    ({"period": "2026-01", "customer_uuid": "9999-99-99"}, "customer_uuid"),
])
def test_bad_input_is_a_json_400_naming_the_parameter(staff_client, params, field):
    for accept in ("application/json", "text/csv"):
        response = staff_client.get(EXPORT_URL, params, HTTP_ACCEPT=accept)
        assert response.status_code == 400, (params, response.content)
        assert response["Content-Type"] == "application/json" and field in response.json()
    assert staff_client.head(EXPORT_URL, params).status_code == 400


def _valid_period(text: str) -> bool:
    try:
        Period.parse(text.strip())
    except ValueError:
        return False
    return True


def _valid_uuid(text: str | None) -> bool:
    """A UUID as Python reads it, or nothing (an empty optional parameter is no filter)."""
    try:
        return not text or bool(uuid.UUID(text))
    except ValueError:
        return False


@PROPERTY_SETTINGS
@given(period=period_like, settings_uuid=uuid_like, customer_uuid=uuid_like)
def test_any_query_is_a_csv_or_a_json_400_naming_what_is_wrong(staff_client, period, settings_uuid, customer_uuid):
    params = {"period": period, "settings_uuid": settings_uuid, "customer_uuid": customer_uuid}
    params = {name: value for name, value in params.items() if value is not None}
    response = staff_client.get(EXPORT_URL, params)

    wrong = {name for name, value in params.items()
             if not (_valid_period(value) if name == "period" else _valid_uuid(value)) or "\x00" in value}
    if not wrong:
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv"), params
    else:
        assert response.status_code == 400, (params, response.status_code)
        assert set(response.json()) == wrong, (params, response.content)


def test_the_command_refuses_bad_options():
    with pytest.raises(CommandError, match="--period"):
        command_export("--period", "2026-13")
    with pytest.raises(CommandError, match="--arrow-settings"):
        command_export("--period", "2026-01", "--arrow-settings", "nope")


def test_an_empty_month_is_the_header_alone(staff_client):
    ArrowSettings.objects.all().delete()
    assert api_export(staff_client, period="2030-01") == (200, ",".join(EXPORT_COLUMNS) + "\n")


def test_charges_are_read_in_chunks_with_a_bounded_number_of_queries(focus_months, django_assert_max_num_queries):
    period = focus_months.current
    whole = [charge.item.pk for charge in focus_charges(period=period)]
    with django_assert_max_num_queries(QUERIES_PER_CHUNK):
        in_one_chunk = [focus_row(charge) for charge in focus_charges(period=period, chunk_size=len(whole) + 1)]
    with django_assert_max_num_queries(QUERIES_PER_CHUNK * (len(whole) // 4 + 1)):
        in_small_chunks = [focus_row(charge) for charge in focus_charges(period=period, chunk_size=4)]

    assert len(whole) > 8 and [row["x_InvoiceItemId"] for row in in_one_chunk] == [
        str(uuid) for uuid in InvoiceItem.objects.filter(pk__in=whole).order_by("invoice_id", "id")
        .values_list("uuid", flat=True)]
    assert in_small_chunks == in_one_chunk
