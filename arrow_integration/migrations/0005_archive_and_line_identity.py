"""Soft delete of settings and mappings, the identity of Arrow lines, lines read but not charged.

Schema only: the new columns are added nullable (or with an empty default); migration 0005 fills
them from the existing rows and 0006 adds the constraints that rely on them.
"""

import uuid
from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("arrow_integration", "0004_arrow_settings_api_key_origin"),
    ]

    operations = [
        migrations.AddField(
            model_name="arrowsettings",
            name="archived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="arrowcustomermapping",
            name="archived_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="arrowbillingsyncitem",
            name="arrow_account",
            field=models.CharField(default="", max_length=255),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="arrowbillingsyncitem",
            name="report_period",
            field=models.DateField(null=True),
        ),
        migrations.AddField(
            model_name="arrowbillingsyncitem",
            name="duplicate_of",
            field=models.ForeignKey(blank=True, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="duplicates",
                                    to="arrow_integration.arrowbillingsyncitem"),
        ),
        migrations.CreateModel(
            name="ArrowUnchargedLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("uuid", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("modified", models.DateTimeField(auto_now=True)),
                ("arrow_account", models.CharField(max_length=255)),
                ("report_period", models.DateField()),
                ("arrow_line_reference", models.CharField(max_length=255)),
                ("reason", models.CharField(choices=[("classification", "Outside the classification filter"),
                                                     ("unmapped_customer", "Arrow customer not mapped")],
                                            max_length=30)),
                ("customer_reference", models.CharField(blank=True, max_length=255)),
                ("customer_name", models.CharField(blank=True, max_length=255)),
                ("license_reference", models.CharField(blank=True, max_length=255)),
                ("classification", models.CharField(blank=True, max_length=50)),
                ("vendor_name", models.CharField(blank=True, max_length=255)),
                ("description", models.TextField(blank=True)),
                ("sell_price", models.DecimalField(decimal_places=7, default=Decimal('0'), max_digits=22)),
                ("buy_price", models.DecimalField(decimal_places=7, default=Decimal('0'), max_digits=22)),
                ("currency", models.CharField(blank=True, max_length=3)),
                ("settings", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                               to="arrow_integration.arrowsettings")),
            ],
            options={
                "ordering": ["report_period", "id"],
                "indexes": [models.Index(fields=["report_period", "customer_reference"],
                                         name="arrow_uncharged_by_period")],
                "constraints": [models.UniqueConstraint(fields=("arrow_account", "report_period",
                                                                "arrow_line_reference"),
                                                        name="arrow_uncharged_line_unique")],
            },
        ),
    ]
