"""Writes of customer and vendor mappings, the company-name refresh from Arrow, vendor choices.

Uniqueness (one mapping per Arrow reference, one per vendor name, within a settings row; one
active mapping per Arrow customer across all settings rows) is enforced by database
constraints; it is checked first so that the answer names the mapping in the way, and a race
that trips a constraint becomes the same `ValidationError` instead of a server error. A vendor
mapping's plan must belong to its offering. Archived (deleted) mappings are left out of all this.
Every write is recorded in the ledger (`ledger.configuration`).
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from arrow_client import ArrowError
from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings, ArrowVendorOfferingMapping
from arrow_integration.selectors.configuration import active_mapping_of, already_mapped_message, billing_vendor_names
from arrow_integration.services.configuration.settings import INTERACTIVE_MAX_RETRIES
from arrow_integration.services.ledger.configuration import ledger_configuration_watch

logger = logging.getLogger(__name__)

CUSTOMER_MAPPING_FIELDS = ("settings", "arrow_reference", "arrow_company_name", "waldur_customer", "is_active")
VENDOR_MAPPING_FIELDS = ("settings", "arrow_vendor_name", "offering", "plan", "is_active")


def _save_unique(instance, duplicate_message: dict) -> None:
    try:
        with transaction.atomic(), ledger_configuration_watch(instance):
            instance.save()
    except IntegrityError as exc:
        raise ValidationError(duplicate_message) from exc


def _apply(instance, fields: dict, allowed: tuple[str, ...]) -> None:
    for name, value in fields.items():
        if name in allowed:
            setattr(instance, name, value)


def _single_active_check(mapping: ArrowCustomerMapping) -> None:
    if mapping.is_active and mapping.archived_at is None:
        other = active_mapping_of(mapping.arrow_reference, exclude_pks=[mapping.pk])
        if other is not None:
            raise ValidationError({"arrow_reference": [already_mapped_message(other)]})


def customer_mapping_save(mapping: ArrowCustomerMapping | None = None, **fields) -> ArrowCustomerMapping:
    """Create (no `mapping`) or update a customer mapping.

    Raises `ValidationError` naming the mapping in the way when the Arrow customer is already
    mapped in these settings, or actively mapped anywhere while this mapping is active.
    """
    mapping = mapping or ArrowCustomerMapping()
    _apply(mapping, fields, CUSTOMER_MAPPING_FIELDS)
    _single_active_check(mapping)
    try:
        _save_unique(
            mapping,
            {"arrow_reference": [f"Arrow customer {mapping.arrow_reference!r} is already mapped in these settings."]},
        )
    except ValidationError:
        _single_active_check(mapping)  # a concurrent request mapped it meanwhile: name that mapping
        raise
    return mapping


def _plan_check(mapping: ArrowVendorOfferingMapping) -> None:
    if mapping.plan_id is not None and mapping.plan.offering_id != mapping.offering_id:
        raise ValidationError({"plan": [f"Plan {mapping.plan.uuid} does not belong to offering {mapping.offering.uuid}."]})


def vendor_mapping_save(mapping: ArrowVendorOfferingMapping | None = None, **fields) -> ArrowVendorOfferingMapping:
    """Create or update a vendor mapping; the plan must belong to the offering (checked every time)."""
    mapping = mapping or ArrowVendorOfferingMapping()
    _apply(mapping, fields, VENDOR_MAPPING_FIELDS)
    _plan_check(mapping)
    _save_unique(
        mapping,
        {"arrow_vendor_name": [f"Vendor {mapping.arrow_vendor_name!r} is already mapped in these settings."]},
    )
    return mapping


def customer_mappings_sync_from_arrow(arrow_settings: ArrowSettings) -> int:
    """Refresh `arrow_company_name` of every mapping of `arrow_settings` from Arrow's customer list.

    Pages through all Arrow customers once; returns how many mappings changed. Idempotent: a
    second run with the same Arrow data returns 0. Raises `ArrowError` when Arrow fails.
    """
    with arrow_client_for(arrow_settings, max_retries=INTERACTIVE_MAX_RETRIES) as client:
        names = {customer.reference: customer.company_name for customer in client.iter_customers()}
    changed = []
    now = timezone.now()
    for mapping in ArrowCustomerMapping.objects.not_archived().filter(settings=arrow_settings,
                                                                       arrow_reference__in=list(names)):
        name = names[mapping.arrow_reference]
        if name and mapping.arrow_company_name != name:
            mapping.arrow_company_name = name
            mapping.modified = now
            changed.append(mapping)
    with ledger_configuration_watch(*changed):
        ArrowCustomerMapping.objects.bulk_update(changed, ["arrow_company_name", "modified"])
    logger.info("Refreshed %d Arrow company name(s) of settings %s.", len(changed), arrow_settings.uuid)
    return len(changed)


def vendor_names_available(arrow_settings: ArrowSettings | None) -> list[str]:
    """Vendor names for vendor mappings: Arrow's IAAS catalog, else names seen in billing lines.

    The fallback is used when there are no settings, Arrow fails, or the catalog is empty.
    """
    if arrow_settings is not None:
        try:
            with arrow_client_for(arrow_settings, max_retries=INTERACTIVE_MAX_RETRIES) as client:
                names = client.iaas_vendor_names()
        except ArrowError as exc:
            logger.warning("Arrow catalog unavailable for vendor choices (%s); using billing history.", exc)
        else:
            if names:
                return names
    return billing_vendor_names()
