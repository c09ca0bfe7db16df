"""Deleting Arrow settings and customer mappings through the API: they are archived, not dropped.

Billing syncs, their items and the invoice items they charge refer to a customer mapping, and
through it to its settings; those financial records must stay readable (with the mapping's Arrow
reference and customer) and must keep their lines recognisable, so that a later mapping of the
same Arrow customer takes the lines over instead of charging them again (SPEC 6.9, 6.11).

Archiving sets `archived_at` and deactivates the row: the API no longer shows it (404), no run
uses it, and the constraints that allow one live row ("one mapping per settings and Arrow
customer", "one active mapping per Arrow customer", "one active settings row") let a new row
take its place. Archiving settings archives their customer mappings, switches their
sync off and erases the stored API key. Each archived row gets its ledger entry (the key's
erasure named, never the key). Idempotent: archiving an archived row changes nothing.
"""

from __future__ import annotations

import logging

from django.utils import timezone

from arrow_integration.models import ArrowCustomerMapping, ArrowSettings
from arrow_integration.services.ledger.configuration import ledger_configuration_watch

logger = logging.getLogger(__name__)


def customer_mapping_archive(mapping: ArrowCustomerMapping) -> ArrowCustomerMapping:
    """Archive one customer mapping (inactive, hidden); its billing syncs keep referring to it."""
    if mapping.archived_at is None:
        with ledger_configuration_watch(mapping):
            mapping.archived_at = timezone.now()
            mapping.is_active = False
            mapping.save(update_fields=["archived_at", "is_active", "modified"])
        logger.info("Arrow customer mapping %s (%s) archived.", mapping.uuid, mapping.arrow_reference)
    return mapping


def arrow_settings_archive(arrow_settings: ArrowSettings) -> ArrowSettings:
    """Archive a settings row and its customer mappings in one transaction; the key is erased."""
    if arrow_settings.archived_at is not None:
        return arrow_settings
    now = timezone.now()
    with ledger_configuration_watch(arrow_settings, ArrowCustomerMapping.objects.filter(settings=arrow_settings)):
        archived = ArrowCustomerMapping.objects.filter(settings=arrow_settings, archived_at__isnull=True).update(
            archived_at=now, is_active=False, modified=now
        )
        arrow_settings.archived_at = now
        arrow_settings.is_active = False
        arrow_settings.sync_enabled = False
        arrow_settings.api_key_encrypted = ""
        arrow_settings.save(update_fields=["archived_at", "is_active", "sync_enabled", "api_key_encrypted", "modified"])
    logger.info("Arrow settings %s archived with %d customer mapping(s).", arrow_settings.uuid, archived)
    return arrow_settings
