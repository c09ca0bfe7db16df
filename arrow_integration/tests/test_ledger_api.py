"""GET/HEAD /api/admin/arrow/ledger/ and ledger/{uuid}/: staff only, the list conventions of the
API, every filter (a malformed value is a 400 naming it) and the CSV of the filtered list."""

import csv
import io
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from arrow_client import Period
from arrow_integration.choices import LedgerAction, SyncRunKind, SyncRunTrigger
from arrow_integration.models import ArrowLedgerEntry
from arrow_integration.services.ledger.actor import ledger_actor_of_request, ledger_actor_of_run
from arrow_integration.services.ledger.record import item_state, ledger_items_changed, ledger_items_created
from arrow_integration.services.runs.records import sync_run_queue
from arrow_integration.tests.factories import ArrowSettingsFactory
from arrow_integration.tests.ledger_support import LEDGER
from core.services.invoices import invoice_get_or_create, invoice_item_create, invoice_item_update, period_bounds
from core.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
OCTOBER, NOVEMBER = Period(2026, 10), Period(2026, 11)


def arrow_item(customer, period: Period, license_reference: str, amount: str):
    invoice = invoice_get_or_create(customer=customer, period=period.first_day)
    start, end = period_bounds(invoice.period)
    return invoice_item_create(invoice=invoice, name=f"Arrow {license_reference} ({period})", unit_price=Decimal(amount),
                               start=start, end=end, details={
                                   "source": "arrow_billing_export", "period": str(period), "currency": "EUR",
                                   "license_reference": license_reference, "line_reference": f"L-{license_reference}",
                                   "arrow_customer_reference": "XSP100001"})


@pytest.fixture
def ledger_world():
    """Three entries: Nordic's October line by a scheduled run, Baltic's November line created and
    then changed by alice (a user acting through the API)."""
    nordic, baltic = CustomerFactory(name="Nordic"), CustomerFactory(name="Baltic")
    run = sync_run_queue(settings=ArrowSettingsFactory(), kind=SyncRunKind.BILLING, period=OCTOBER,
                         triggered_by=SyncRunTrigger.SCHEDULE)
    with ledger_actor_of_run(run):
        ledger_items_created([arrow_item(nordic, OCTOBER, "XSP5000101", "1480.00")], cause="new Arrow export line")

    class Request:
        user = get_user_model().objects.create_user("alice", is_staff=True)

    with ledger_actor_of_request(Request):
        item = arrow_item(baltic, NOVEMBER, "XSP5000201", "100.00")
        ledger_items_created([item], cause="new Arrow export line")
        before = item_state(item)
        invoice_item_update(item=item, unit_price=Decimal("109.50"))
        ledger_items_changed([(before, item)], cause="Arrow export line changed")
    return {"run": run, "nordic": nordic, "baltic": baltic, "alice": Request.user}


def listed(client, **params) -> list[dict]:
    response = client.get(LEDGER, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_staff_only(anonymous_client, user_client, staff_client):
    assert anonymous_client.get(LEDGER).status_code == 401
    assert user_client.get(LEDGER).status_code == 403
    assert staff_client.get(LEDGER).status_code == 200


def test_the_list_is_a_bare_array_newest_first_paged_with_link_and_count(staff_client, ledger_world):
    everything = listed(staff_client)
    response = staff_client.get(LEDGER, {"page_size": 2})
    head = staff_client.head(LEDGER)

    assert [entry["reason"] for entry in everything] == [
        "Arrow export line changed: 100.00 → 109.50 for 2026-11", "new Arrow export line: 100.00 for 2026-11",
        "new Arrow export line: 1480.00 for 2026-10"]
    assert len(response.json()) == 2 and response["X-Result-Count"] == "3"
    assert 'rel="next"' in response["Link"] and 'rel="last"' in response["Link"] and 'rel="first"' in response["Link"]
    assert head.status_code == 200 and head["X-Result-Count"] == "3" and not head.content
    change = everything[0]
    assert (change["amount_before"], change["amount_after"], change["delta"]) == ("100.0000000", "109.5000000",
                                                                                  "9.5000000")
    assert (change["period"], change["invoice_period"], change["currency"]) == ("2026-11", "2026-11", "EUR")
    assert change["action"] == LedgerAction.ITEM_CHANGED and change["actor"] == "user alice"


def test_every_filter(staff_client, ledger_world):
    def reasons(**params) -> set[str]:
        return {entry["reason"].split(":")[0] + entry["period"] for entry in listed(staff_client, **params)}

    run = ledger_world["run"]
    assert len(listed(staff_client, period="2026-11")) == 2 and len(listed(staff_client, period="2026-10-31")) == 1
    assert len(listed(staff_client, customer_uuid=str(ledger_world["baltic"].uuid))) == 2
    assert len(listed(staff_client, license_reference="XSP5000101")) == 1
    assert [entry["actor"] for entry in listed(staff_client, run_uuid=str(run.uuid))] == ["schedule"]
    assert reasons(actor="schedule") == {"new Arrow export line2026-10"}
    assert len(listed(staff_client, actor="alice")) == 2 and listed(staff_client, actor="nobody") == []
    assert reasons(action="item_changed") == {"Arrow export line changed2026-11"}
    invoice_uuid = listed(staff_client, period="2026-10")[0]["invoice_uuid"]
    assert len(listed(staff_client, invoice_uuid=invoice_uuid)) == 1


@pytest.mark.parametrize(("parameter", "value"), [
    ("period", "2026-13"), ("period", "26-01"), ("customer_uuid", "nordic"), ("run_uuid", "1"),
    ("license_reference", "../XSP1"), ("action", "item_rewritten"), ("invoice_uuid", "x"), ("actor", "a" * 300),
])
def test_a_malformed_filter_is_a_400_naming_it(staff_client, parameter, value):
    for params in ({parameter: value}, {parameter: value, "format": "csv"}):
        response = staff_client.get(LEDGER, params)
        assert response.status_code == 400 and parameter in response.json(), (params, response.content)


def test_one_entry_by_its_uuid(staff_client, ledger_world):
    entry = ArrowLedgerEntry.objects.get(license_reference="XSP5000101")

    response = staff_client.get(f"{LEDGER}{entry.uuid}/")

    assert response.status_code == 200 and response.json()["uuid"] == str(entry.uuid)
    assert response.json()["url"].endswith(f"{LEDGER}{entry.uuid}/")
    assert response.json()["run_uuid"] == str(ledger_world["run"].uuid)
    assert staff_client.get(f"{LEDGER}{uuid.uuid4()}/").status_code == 404
    assert staff_client.get(f"{LEDGER}not-a-uuid/").status_code == 404


def test_csv_has_every_matching_entry_with_a_header(staff_client, ledger_world):
    response = staff_client.get(LEDGER, {"format": "csv", "customer_uuid": str(ledger_world["baltic"].uuid)})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["X-Result-Count"] == "2"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["delta"] for row in rows] == ["9.5000000", "100.0000000"]
    assert rows[0]["reason"] == "Arrow export line changed: 100.00 → 109.50 for 2026-11"
    assert rows[0]["amount_before"] == "100.0000000" and rows[1]["amount_before"] == ""
    assert rows[0]["period"] == "2026-11" and rows[0]["changes"] == "{}"
