"""Constraints on the data 0005 prepared: one charge per Arrow line (duplicates aside), one live
mapping per (settings, Arrow customer), one active mapping per Arrow customer."""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("arrow_integration", "0006_line_identity_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="arrowbillingsyncitem",
            name="report_period",
            field=models.DateField(),
        ),
        migrations.RemoveConstraint(
            model_name="arrowbillingsyncitem",
            name="arrow_billing_sync_item_unique",
        ),
        migrations.AddConstraint(
            model_name="arrowbillingsyncitem",
            constraint=models.UniqueConstraint(condition=models.Q(("duplicate_of__isnull", True)),
                                               fields=("arrow_account", "report_period", "arrow_line_reference"),
                                               name="arrow_billing_line_charged_once"),
        ),
        migrations.AddIndex(
            model_name="arrowbillingsyncitem",
            index=models.Index(condition=models.Q(("duplicate_of__isnull", False)), fields=["duplicate_of"],
                               name="arrow_sync_item_duplicates"),
        ),
        migrations.RemoveConstraint(
            model_name="arrowcustomermapping",
            name="arrow_customer_mapping_unique",
        ),
        migrations.AddConstraint(
            model_name="arrowcustomermapping",
            constraint=models.UniqueConstraint(condition=models.Q(("archived_at__isnull", True)),
                                               fields=("settings", "arrow_reference"),
                                               name="arrow_customer_mapping_unique"),
        ),
        migrations.AddConstraint(
            model_name="arrowcustomermapping",
            constraint=models.UniqueConstraint(django.db.models.functions.text.Upper("arrow_reference"),
                                               condition=models.Q(("archived_at__isnull", True),
                                                                  ("is_active", True)),
                                               name="arrow_customer_mapping_single_active"),
        ),
    ]
