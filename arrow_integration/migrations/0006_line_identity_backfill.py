"""Fill the identity of imported lines, mark the second charges of a line, keep one active mapping
per Arrow customer.

- Every billing sync item gets its Arrow account (the partner reference of its settings, else
  their normalised API URL) and its month.
- Where several items charge the same line (same account, month and line reference: the result
  of the same customer mapped under several settings rows, or mapped again), the earliest item
  stays the line's charge and the later ones get ``duplicate_of``. Invoices are NOT changed:
  `manage repair_duplicate_charges` lists these charges and, with ``--apply``, settles them.
- Where several active mappings map the same Arrow customer, the one under the active settings
  (else the newest) stays active and the others are deactivated.

What it changed is printed, so that the operator running `migrate` sees it.
"""

import sys

from django.db import migrations
from django.db.models import Count, Min
from django.db.models.functions import Upper

from arrow_integration.accounts import arrow_account_key


def _say(text: str) -> None:
    sys.stdout.write(f"\n  {text}")


def identities_fill(apps, schema_editor) -> None:
    settings_model = apps.get_model("arrow_integration", "ArrowSettings")
    sync_model = apps.get_model("arrow_integration", "ArrowBillingSync")
    item_model = apps.get_model("arrow_integration", "ArrowBillingSyncItem")
    for settings in settings_model.objects.all():
        account = arrow_account_key(partner_reference=settings.partner_reference, api_url=settings.api_url)
        item_model.objects.filter(billing_sync__customer_mapping__settings=settings).update(arrow_account=account)
    for period in sync_model.objects.values_list("report_period", flat=True).distinct():
        item_model.objects.filter(billing_sync__report_period=period).update(report_period=period)


def duplicates_mark(apps, schema_editor) -> None:
    item_model = apps.get_model("arrow_integration", "ArrowBillingSyncItem")
    groups = (
        item_model.objects.values("arrow_account", "report_period", "arrow_line_reference")
        .annotate(charges=Count("id"), first=Min("id"))
        .filter(charges__gt=1)
        .order_by()
    )
    marked = 0
    for group in groups.iterator():
        marked += item_model.objects.filter(
            arrow_account=group["arrow_account"], report_period=group["report_period"],
            arrow_line_reference=group["arrow_line_reference"],
        ).exclude(pk=group["first"]).update(duplicate_of_id=group["first"])
    if marked:
        _say(f"{marked} billing sync item(s) charge a line that another item already charges; they are marked "
             "as duplicates and their invoices are unchanged. Run `manage repair_duplicate_charges` to list them "
             "and `--apply` to settle them.")


def active_mappings_dedupe(apps, schema_editor) -> None:
    mapping_model = apps.get_model("arrow_integration", "ArrowCustomerMapping")
    active = mapping_model.objects.filter(is_active=True, archived_at__isnull=True)
    repeated = (
        active.annotate(reference=Upper("arrow_reference")).values("reference")
        .annotate(mappings=Count("id")).filter(mappings__gt=1).values_list("reference", flat=True)
    )
    for reference in list(repeated):
        mappings = list(
            active.filter(arrow_reference__iexact=reference).select_related("settings").order_by("-id")
        )
        kept = next((mapping for mapping in mappings if mapping.settings.is_active), mappings[0])
        for mapping in mappings:
            if mapping.pk != kept.pk:
                mapping_model.objects.filter(pk=mapping.pk).update(is_active=False)
                _say(f"Arrow customer {mapping.arrow_reference}: mapping {mapping.uuid} deactivated; "
                     f"mapping {kept.uuid} stays the active one.")


def forwards(apps, schema_editor) -> None:
    identities_fill(apps, schema_editor)
    duplicates_mark(apps, schema_editor)
    active_mappings_dedupe(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("arrow_integration", "0005_archive_and_line_identity"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
