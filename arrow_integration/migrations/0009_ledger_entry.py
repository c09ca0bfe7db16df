"""The append-only ledger of money and configuration changes (`ArrowLedgerEntry`).

One row per created, changed or removed Arrow-sourced invoice item and per settings or mapping
change. The values an auditor reads are kept as plain columns; the acting user and run are the
only relations, set to NULL when they go. Migration 0013 records the items that exist already
and, on PostgreSQL, makes the database refuse UPDATE, DELETE and TRUNCATE of the table.
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('arrow_integration', '0008_sync_run_queue_and_scheduled_pause'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ArrowLedgerEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('created', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('actor', models.CharField(max_length=200)),
                ('run_uuid', models.UUIDField(blank=True, null=True)),
                ('action', models.CharField(choices=[('item_created', 'Invoice item created'), ('item_changed', 'Invoice item changed'), ('item_removed', 'Invoice item removed'), ('settings_created', 'Settings created'), ('settings_changed', 'Settings changed'), ('settings_archived', 'Settings archived'), ('settings_deleted', 'Settings deleted'), ('mapping_created', 'Mapping created'), ('mapping_changed', 'Mapping changed'), ('mapping_archived', 'Mapping archived'), ('mapping_deleted', 'Mapping deleted')], max_length=30)),
                ('invoice_uuid', models.UUIDField(blank=True, null=True)),
                ('invoice_period', models.DateField(blank=True, null=True)),
                ('customer_uuid', models.UUIDField(blank=True, null=True)),
                ('customer_name', models.CharField(blank=True, max_length=150)),
                ('item_uuid', models.UUIDField(blank=True, null=True)),
                ('item_name', models.CharField(blank=True, max_length=255)),
                ('item_source', models.CharField(blank=True, max_length=30)),
                ('amount_before', models.DecimalField(blank=True, decimal_places=7, max_digits=22, null=True)),
                ('amount_after', models.DecimalField(blank=True, decimal_places=7, max_digits=22, null=True)),
                ('delta', models.DecimalField(decimal_places=7, default=0, max_digits=22)),
                ('currency', models.CharField(blank=True, max_length=3)),
                ('settings_uuid', models.UUIDField(blank=True, null=True)),
                ('mapping_uuid', models.UUIDField(blank=True, null=True)),
                ('customer_reference', models.CharField(blank=True, max_length=255)),
                ('license_reference', models.CharField(blank=True, max_length=255)),
                ('line_reference', models.CharField(blank=True, max_length=255)),
                ('period', models.DateField(blank=True, null=True)),
                ('reason', models.TextField()),
                ('changes', models.JSONField(blank=True, default=dict)),
                ('actor_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('run', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='arrow_integration.arrowsyncrun')),
            ],
            options={
                'verbose_name_plural': 'Arrow ledger entries',
                'ordering': ['-created', '-id'],
                'indexes': [models.Index(fields=['-created', '-id'], name='arrow_ledger_listing'), models.Index(fields=['invoice_uuid'], name='arrow_ledger_invoice'), models.Index(fields=['customer_uuid', '-created'], name='arrow_ledger_customer'), models.Index(fields=['period', '-created'], name='arrow_ledger_period'), models.Index(fields=['license_reference', '-created'], name='arrow_ledger_license'), models.Index(fields=['run_uuid'], name='arrow_ledger_run'), models.Index(fields=['actor', '-created'], name='arrow_ledger_actor'), models.Index(fields=['action', '-created'], name='arrow_ledger_action')],
            },
        ),
    ]
