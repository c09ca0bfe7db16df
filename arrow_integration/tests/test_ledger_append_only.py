"""The ledger is append-only: the model, the API, the admin and (on PostgreSQL) the database
refuse to change or delete an entry, and removing what an entry names (the user, the run, the
invoice, the settings) never removes the entry."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction

from arrow_integration.ledger_entry import LedgerIsAppendOnly
from arrow_integration.models import ArrowLedgerEntry, ArrowSettings, ArrowSyncRun
from arrow_integration.services.consumption.sync import consumption_sync_period
from arrow_integration.services.ledger.actor import ledger_actor_of_request
from arrow_integration.services.ledger.record import ledger_items_created
from arrow_integration.tests.ledger_support import LEDGER, entries
from arrow_integration.tests.periods import current_period
from core.models import Invoice
from core.services.invoices import invoice_get_or_create, invoice_item_create, invoice_items_bulk_delete, period_bounds

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is installed on PostgreSQL")


@pytest.fixture
def entry(nordic) -> ArrowLedgerEntry:
    """One entry: an Arrow-sourced item recorded as created."""
    invoice = invoice_get_or_create(customer=nordic.customer, period=current_period().first_day)
    start, end = period_bounds(invoice.period)
    item = invoice_item_create(invoice=invoice, name="Arrow line", unit_price=Decimal("12.50"), start=start, end=end,
                               details={"source": "arrow_billing_export", "period": str(current_period())})
    ledger_items_created([item], cause="test")
    return ArrowLedgerEntry.objects.get()


def test_the_model_refuses_to_change_or_delete_an_entry(entry):
    entry.reason = "rewritten"
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    with pytest.raises(LedgerIsAppendOnly):
        ArrowLedgerEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(LedgerIsAppendOnly):
        ArrowLedgerEntry.objects.all().delete()
    with pytest.raises(LedgerIsAppendOnly):
        ArrowLedgerEntry.objects.bulk_update([entry], ["reason"])
    entry.refresh_from_db()
    assert entry.reason == "test: 12.50 for " + str(current_period())


def test_the_api_has_no_write_route(staff_client, entry):
    detail = f"{LEDGER}{entry.uuid}/"

    assert staff_client.post(LEDGER, {"reason": "x"}, format="json").status_code == 405
    assert staff_client.put(detail, {"reason": "x"}, format="json").status_code == 405
    assert staff_client.patch(detail, {"reason": "x"}, format="json").status_code == 405
    assert staff_client.delete(detail).status_code == 405
    assert ArrowLedgerEntry.objects.get().reason == entry.reason


def test_the_admin_page_is_read_only(admin_client, entry):
    page = f"/admin/arrow_integration/arrowledgerentry/{entry.pk}/"

    assert admin_client.get("/admin/arrow_integration/arrowledgerentry/").status_code == 200
    assert admin_client.get(f"{page}change/").status_code == 200  # a view, without a save button
    assert "Save" not in admin_client.get(f"{page}change/").content.decode()
    assert admin_client.get("/admin/arrow_integration/arrowledgerentry/add/").status_code == 403
    assert admin_client.post(f"{page}change/", {"reason": "x"}).status_code == 403
    assert admin_client.post(f"{page}delete/", {"post": "yes"}).status_code == 403
    assert ArrowLedgerEntry.objects.filter(pk=entry.pk, reason=entry.reason).exists()


def test_removing_the_user_the_run_the_invoice_or_the_settings_keeps_the_entries(arrow_settings, nordic_resources):
    class Request:
        user = get_user_model().objects.create_user("alice", is_staff=True)

    with ledger_actor_of_request(Request):
        run = consumption_sync_period(settings=arrow_settings, period=current_period())
        items = [entry.item_uuid for entry in entries()]
    invoice = Invoice.objects.get()
    recorded = entries()
    assert recorded and {entry.run_id for entry in recorded} == {run.pk}

    invoice_items_bulk_delete(items=list(invoice.items.all()))
    invoice.delete()
    Request.user.delete()
    ArrowSyncRun.objects.filter(pk=run.pk).delete()
    ArrowSettings.objects.filter(pk=arrow_settings.pk).delete()

    kept = entries(item_uuid__in=items)
    assert [entry.pk for entry in kept] == [entry.pk for entry in recorded]
    assert {(entry.run_id, entry.run_uuid, entry.actor_user_id) for entry in kept} == {(None, run.uuid, None)}
    assert {entry.invoice_uuid for entry in kept} == {invoice.uuid} and {entry.actor for entry in kept} == {
        f"run {run.uuid}"}


def _refused(*statements: str) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    except DatabaseError as exc:
        return "append-only" in str(exc)
    return False


@on_postgresql
def test_postgresql_refuses_update_delete_and_truncate(entry):
    table = ArrowLedgerEntry._meta.db_table

    assert _refused(f"UPDATE {table} SET reason = 'rewritten'")  # noqa: S608 - the model's own table
    assert _refused(f"UPDATE {table} SET delta = 0, actor_user_id = NULL")  # noqa: S608
    assert _refused(f"DELETE FROM {table}")  # noqa: S608
    # The test database's sessions may empty it (config.settings.test); any other may not. (The
    # deferred foreign key checks of the entry inserted in this transaction are run first: with
    # them pending, PostgreSQL refuses a TRUNCATE by itself.)
    assert _refused("SET CONSTRAINTS ALL IMMEDIATE", "SET LOCAL waldur_arrow.ledger_maintenance = 'off'",
                    f"TRUNCATE {table} CASCADE")
    assert ArrowLedgerEntry.objects.filter(pk=entry.pk, reason=entry.reason, delta=Decimal("12.50")).exists()
    # The one change let through: the acting user or run is deleted (see the test above).
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET run_id = NULL, actor_user_id = NULL")  # noqa: S608
    assert ArrowLedgerEntry.objects.filter(pk=entry.pk, reason=entry.reason).exists()
