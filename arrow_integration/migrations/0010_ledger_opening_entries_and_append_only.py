"""The ledger's opening entries, and on PostgreSQL a database that refuses to rewrite the ledger.

1. Every Arrow-sourced invoice item that exists already gets one "item created" entry (actor
   "migration"), so that the ledger replays from the start: for every invoice, the sum of the
   deltas of its entries equals its Arrow-sourced total, before and after this migration.
2. PostgreSQL only: a trigger refuses UPDATE and DELETE of ledger rows, and TRUNCATE of the
   table. The one UPDATE let through sets the acting user or run to NULL when that user or run
   is deleted (the entry keeps its actor label and the run's uuid). TRUNCATE is let through in a
   session that sets `waldur_arrow.ledger_maintenance` to `on` (the test suite does, to empty
   its database between tests).
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

APP = "arrow_integration"
OPENING_ACTOR = "migration"
ARROW_SOURCES = ("arrow_billing_export", "arrow_consumption", "arrow_compensation")
BATCH = 2000
TABLE = "arrow_integration_arrowledgerentry"
MAINTENANCE_SETTING = "waldur_arrow.ledger_maintenance"

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION arrow_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF (to_jsonb(NEW) - 'actor_user_id' - 'run_id') = (to_jsonb(OLD) - 'actor_user_id' - 'run_id')
           AND (NEW.actor_user_id IS NULL OR NEW.actor_user_id = OLD.actor_user_id)
           AND (NEW.run_id IS NULL OR NEW.run_id = OLD.run_id) THEN
            RETURN NEW;  -- the acting user or run was deleted: the link goes, the entry stays
        END IF;
    ELSIF TG_OP = 'TRUNCATE' THEN
        IF current_setting('{MAINTENANCE_SETTING}', true) = 'on' THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION 'The Arrow ledger is append-only: % of {TABLE} refused', TG_OP;
END
$$
"""
INSTALL_STATEMENTS = [
    FUNCTION_SQL,
    f"CREATE TRIGGER arrow_ledger_append_only_rows BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION arrow_ledger_append_only()",
    f"CREATE TRIGGER arrow_ledger_append_only_table BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION arrow_ledger_append_only()",
]
DROP_STATEMENTS = [
    f"DROP TRIGGER IF EXISTS arrow_ledger_append_only_rows ON {TABLE}",
    f"DROP TRIGGER IF EXISTS arrow_ledger_append_only_table ON {TABLE}",
    "DROP FUNCTION IF EXISTS arrow_ledger_append_only()",
]


def _month(text) -> dt.date | None:
    try:
        year, month = (int(part) for part in str(text).split("-"))
        return dt.date(year, month, 1)
    except (TypeError, ValueError):
        return None


def _opening_entry(entry_model, item, now):
    details = item.details or {}
    total = item.unit_price * item.quantity
    period = details.get("period") or "an unknown month"
    return entry_model(
        created=now, actor=OPENING_ACTOR, action="item_created", invoice_uuid=item.invoice.uuid,
        invoice_period=item.invoice.period, customer_uuid=item.invoice.customer.uuid,
        customer_name=item.invoice.customer.name, item_uuid=item.uuid, item_name=item.name,
        item_source=details.get("source", ""), amount_after=total, delta=total,
        currency=str(details.get("currency") or "")[:3],
        customer_reference=str(details.get("arrow_customer_reference") or ""),
        license_reference=str(details.get("license_reference") or ""),
        line_reference=str(details.get("line_reference") or ""), period=_month(details.get("period")),
        reason=f"on the invoice when the ledger started: {total.quantize(Decimal('0.01'))} for {period}",
    )


def record_opening_entries(apps, schema_editor):
    item_model = apps.get_model("core", "InvoiceItem")
    entry_model = apps.get_model(APP, "ArrowLedgerEntry")
    now = dt.datetime.now(dt.UTC)
    items = (item_model.objects.using(schema_editor.connection.alias)
             .filter(details__source__in=ARROW_SOURCES).select_related("invoice__customer").order_by("id"))
    batch = []
    for item in items.iterator(chunk_size=BATCH):
        batch.append(_opening_entry(entry_model, item, now))
        if len(batch) >= BATCH:
            entry_model.objects.bulk_create(batch)
            batch = []
    entry_model.objects.bulk_create(batch)
    if items.exists():
        print(f"\n  Ledger: {items.count()} Arrow-sourced invoice item(s) recorded as opening entries.")


def remove_opening_entries(apps, schema_editor):
    apps.get_model(APP, "ArrowLedgerEntry").objects.using(schema_editor.connection.alias).filter(
        actor=OPENING_ACTOR).delete()


def _execute(schema_editor, statements: list[str]) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in statements:
            schema_editor.execute(statement, params=None)  # no parameters: "%" is the message's own


def install_trigger(apps, schema_editor):
    _execute(schema_editor, INSTALL_STATEMENTS)


def drop_trigger(apps, schema_editor):
    _execute(schema_editor, DROP_STATEMENTS)


class Migration(migrations.Migration):

    dependencies = [
        ("arrow_integration", "0009_ledger_entry"),
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(record_opening_entries, remove_opening_entries),
        migrations.RunPython(install_trigger, drop_trigger),
    ]
