"""Serializer of ledger entries (read-only): amounts as decimal strings, months as `YYYY-MM`.

Everything is a plain value of the entry, so a page is read with one query. `amount_before` is
null for a created item, `amount_after` for a removed one; `delta` is their difference (zero for
settings and mappings, whose `changes` name the fields with their values before and after).
"""

from rest_framework import serializers

from arrow_integration.api.serializers.billing import ReportPeriodField
from arrow_integration.models import ArrowLedgerEntry

LEDGER_FIELDS = [
    "uuid", "url", "created", "actor", "run_uuid", "action", "invoice_uuid", "invoice_period", "customer_uuid",
    "customer_name", "item_uuid", "item_name", "item_source", "amount_before", "amount_after", "delta", "currency",
    "settings_uuid", "mapping_uuid", "customer_reference", "license_reference", "line_reference", "period",
    "reason", "changes",
]


class ArrowLedgerEntrySerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="arrow-ledger-entry-detail", lookup_field="uuid")
    invoice_period = ReportPeriodField(allow_null=True)
    period = ReportPeriodField(allow_null=True)

    class Meta:
        model = ArrowLedgerEntry
        fields = LEDGER_FIELDS
        read_only_fields = fields
