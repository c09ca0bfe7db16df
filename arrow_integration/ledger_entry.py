"""The ledger's table: one append-only row per change to an Arrow-sourced amount or configuration.

`ArrowLedgerEntry` records who (a user, a run, the schedule), when, what (an invoice item created,
changed or removed; settings or a mapping created, changed, archived or deleted), from what to
what and why. Everything an auditor needs to read an entry later is kept as plain values (invoice,
customer, item, Arrow references), so removing the item, the invoice or the settings leaves the
entry whole; the only relations, to the acting user and run, are set to NULL when those go.

Rows are only ever inserted (by `services.ledger`). The model refuses to save an existing row or
to delete one, its manager refuses `update()` and `delete()`, and on PostgreSQL a trigger
(migration 0013) refuses UPDATE, DELETE and TRUNCATE in the database itself. This module is
imported by `arrow_integration.models`, which would pass 500 lines with it.
"""

from __future__ import annotations

import uuid

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone

from arrow_integration.choices import LedgerAction
from core.models.invoices import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS


class LedgerIsAppendOnly(Exception):
    """An attempt to change or delete a ledger entry."""


def _refuse(what: str):
    raise LedgerIsAppendOnly(f"The Arrow ledger is append-only: {what} is refused.")


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        _refuse("update")

    def delete(self):
        _refuse("delete")

    def bulk_update(self, objs, fields, batch_size=None):
        _refuse("update")


def _money(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)


class ArrowLedgerEntry(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    # Who: "schedule", "user alice", "run <uuid>", "command …", "system". The user and the run
    # are linked while they exist; the run's uuid stays when the run row goes.
    actor = models.CharField(max_length=200)
    actor_user = models.ForeignKey(django_settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    run = models.ForeignKey("arrow_integration.ArrowSyncRun", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+", db_index=False)
    run_uuid = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=30, choices=LedgerAction.choices)
    # The invoice and item, as values: they stay when the item or the invoice is removed.
    invoice_uuid = models.UUIDField(null=True, blank=True)
    invoice_period = models.DateField(null=True, blank=True)
    customer_uuid = models.UUIDField(null=True, blank=True)
    customer_name = models.CharField(max_length=150, blank=True)
    item_uuid = models.UUIDField(null=True, blank=True)
    item_name = models.CharField(max_length=255, blank=True)
    item_source = models.CharField(max_length=30, blank=True)  # the item's `details.source`
    amount_before = _money(null=True, blank=True)
    amount_after = _money(null=True, blank=True)
    delta = _money(default=0)
    currency = models.CharField(max_length=3, blank=True)
    # Arrow references of the charge or of the configuration row.
    settings_uuid = models.UUIDField(null=True, blank=True)
    mapping_uuid = models.UUIDField(null=True, blank=True)
    customer_reference = models.CharField(max_length=255, blank=True)
    license_reference = models.CharField(max_length=255, blank=True)
    line_reference = models.CharField(max_length=255, blank=True)
    period = models.DateField(null=True, blank=True)  # the month charged (a compensation: the month corrected)
    reason = models.TextField()
    # Settings and mappings: {field: [before, after]} (the API key never: "api_key": "replaced").
    changes = models.JSONField(default=dict, blank=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "Arrow ledger entries"
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["-created", "-id"], name="arrow_ledger_listing"),
            models.Index(fields=["invoice_uuid"], name="arrow_ledger_invoice"),
            models.Index(fields=["customer_uuid", "-created"], name="arrow_ledger_customer"),
            models.Index(fields=["period", "-created"], name="arrow_ledger_period"),
            models.Index(fields=["license_reference", "-created"], name="arrow_ledger_license"),
            models.Index(fields=["run_uuid"], name="arrow_ledger_run"),
            models.Index(fields=["actor", "-created"], name="arrow_ledger_actor"),
            models.Index(fields=["action", "-created"], name="arrow_ledger_action"),
        ]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d %H:%M:%S} {self.action} by {self.actor}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            _refuse("changing an entry")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse("deleting an entry")
