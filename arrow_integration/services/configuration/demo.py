"""The demo seed: core objects, then the Arrow side (settings on the emulator, customer and vendor mappings).

`demo_seed_with_summary` is what `waldur-arrow demo` and `manage seed_demo` call: the core demo
objects (`core.services.demo`), then, when an Arrow URL is given, `arrow_demo_seed`. Idempotent: the settings
row is found by its API URL, mappings by their natural keys, and a second run changes nothing but
refreshed values. The export type is the one Arrow's columns make recommended; customers are
mapped with the project's matcher, so the emulator's "Nordic Cloud Solutions OÜ" lands on the
local "Nordic Cloud Solutions".
"""

from __future__ import annotations

import logging

from django.db import transaction

from arrow_integration.choices import PriceSource
from arrow_integration.clients import arrow_client_from_credentials
from arrow_integration.matching import best_matches
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings, ArrowVendorOfferingMapping
from arrow_integration.services.configuration.discovery import export_types_compatibility
from arrow_integration.services.configuration.settings import arrow_settings_store
from arrow_integration.services.ledger.configuration import ledger_configuration_watch
from core.services.demo import core_demo_seed

logger = logging.getLogger(__name__)

DEMO_VENDOR_NAME = "Microsoft"


def _demo_export_type(reports) -> str:
    for wanted in ("recommended", "compatible"):
        for report in reports:
            if getattr(report, wanted):
                return report.reference
    return ""


def arrow_demo_seed(*, core, arrow_url: str, arrow_key: str) -> dict:
    """Create or refresh the demo's Arrow configuration; return keys for the demo summary.

    `core` is the `CoreDemoData` of the core seed. Reads the partner, export types and customers
    from Arrow (the emulator); raises `ArrowError` when it cannot be reached.
    """
    with arrow_client_from_credentials(api_url=arrow_url, api_key=arrow_key) as client:
        partner = client.whoami()
        export_type_reference = _demo_export_type(export_types_compatibility(client))
        arrow_customers = list(client.iter_customers())
    matches = best_matches(
        arrow_customers, core.customers, key_a=lambda c: c.company_name, key_b=lambda c: c.name
    )
    with transaction.atomic():
        found = ArrowSettings.objects.not_archived().filter(api_url=arrow_url).order_by("id").first()
        arrow_settings = found or ArrowSettings(api_url=arrow_url)
        arrow_settings.api_key = arrow_key
        arrow_settings.export_type_reference = export_type_reference
        arrow_settings.invoice_price_source = PriceSource.SELL
        arrow_settings.sync_enabled = True
        arrow_settings.is_active = True
        arrow_settings.partner_reference = partner.reference
        arrow_settings.partner_name = partner.company_name
        arrow_settings_store(arrow_settings)
        with ledger_configuration_watch(ArrowCustomerMapping.objects.filter(settings=arrow_settings),
                                        ArrowVendorOfferingMapping.objects.filter(settings=arrow_settings)):
            mappings = [
                ArrowCustomerMapping.objects.update_or_create(
                    settings=arrow_settings,
                    arrow_reference=match.a.reference,
                    archived_at=None,
                    defaults={"arrow_company_name": match.a.company_name, "waldur_customer": match.b,
                              "is_active": True},
                )[0]
                for match in matches
            ]
            vendor_mapping, _ = ArrowVendorOfferingMapping.objects.update_or_create(
                settings=arrow_settings,
                arrow_vendor_name=DEMO_VENDOR_NAME,
                defaults={"offering": core.offering, "plan": core.plan, "is_active": True},
            )
    first_customer_mapping = next((m for m in mappings if m.waldur_customer_id == core.customers[0].pk), None)
    logger.info("Demo Arrow settings %s with %d customer mapping(s).", arrow_settings.uuid, len(mappings))
    return {
        "arrow_settings_uuid": str(arrow_settings.uuid),
        "arrow_export_type_reference": export_type_reference,
        "arrow_customer_mapping_uuid": str(first_customer_mapping.uuid) if first_customer_mapping else None,
        "arrow_customer_mappings": {mapping.arrow_reference: mapping.waldur_customer.name for mapping in mappings},
        "arrow_vendor_mapping_uuid": str(vendor_mapping.uuid),
    }


def demo_seed_with_summary(*, base_url: str, arrow_url: str = "", arrow_key: str = "") -> dict:
    """Seed the demo (idempotent) and return its JSON-able summary: tokens, object UUIDs, Arrow keys."""
    data = core_demo_seed()
    summary = {
        "base_url": base_url,
        "staff_token": data.staff_token,
        "user_token": data.user_token,
        "customer_uuid": str(data.customers[0].uuid),
        "second_customer_uuid": str(data.customers[1].uuid),
        "project_uuid": str(data.project.uuid),
        "offering_uuid": str(data.offering.uuid),
        "plan_uuid": str(data.plan.uuid),
        "resource_uuid": str(data.resource.uuid),
    }
    if arrow_url:
        # The Arrow key is not part of the summary: it is stored encrypted, and the demo keeps it in var/.
        summary["arrow_url"] = arrow_url
        summary.update(arrow_demo_seed(core=data, arrow_url=arrow_url, arrow_key=arrow_key))
    return summary
