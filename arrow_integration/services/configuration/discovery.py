"""Discovery: which Arrow customers exist, which local customer each probably is, which export types fit.

Suggestions come from `arrow_integration.matching` (one-to-one, confidence 0..1, threshold):
an Arrow customer that is already mapped is flagged `existing_mapping` and gets no suggestion,
and local customers that are already mapped are not offered again. Export types are probed on the
latest completed month: the export's column titles come back even when it has no lines, and
`arrow_client.parsing` decides whether they carry the required and the important columns.
Read-only towards the database; every Arrow failure that concerns the key or the connection
propagates as an `ArrowError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from arrow_client import ArrowClient, Period, parsing
from arrow_client import Customer as ArrowCustomer
from arrow_client.errors import ArrowBadResponse, ArrowNotFound, ArrowRequestError
from arrow_integration.clients import arrow_client_for
from arrow_integration.matching import MATCH_THRESHOLD, best_matches
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings
from arrow_integration.selectors.configuration import customers_for_matching, mapped_arrow_references
from arrow_integration.services.configuration.settings import INTERACTIVE_MAX_RETRIES, interactive_client
from core.models import Customer


@dataclass(frozen=True)
class CustomerSuggestion:
    """One Arrow customer and the local customer it probably is (None: no plausible match)."""

    arrow_customer: ArrowCustomer
    waldur_customer: Customer | None = None
    confidence: float = 0.0
    existing_mapping: bool = False


@dataclass(frozen=True)
class ExportTypeCompatibility:
    """Whether one billing export type carries the columns billing syncs need."""

    reference: str
    name: str
    required_fields_total: int
    required_fields_found: int
    important_fields_total: int
    important_fields_found: int
    missing_required_fields: list[str]
    missing_important_fields: list[str]
    compatible: bool
    recommended: bool


@dataclass(frozen=True)
class CustomerDiscovery:
    arrow_customers: list[ArrowCustomer]
    waldur_customers: list[Customer]
    suggestions: list[CustomerSuggestion]
    export_types: list[ExportTypeCompatibility]
    settings: ArrowSettings | None = None


def customer_suggestions(
    arrow_customers: list[ArrowCustomer],
    waldur_customers: list[Customer],
    mapped: dict[str, ArrowCustomerMapping],
    *,
    threshold: float = MATCH_THRESHOLD,
) -> list[CustomerSuggestion]:
    """One suggestion per Arrow customer, in their order. Pure: no I/O."""
    taken = {mapping.waldur_customer_id for mapping in mapped.values()}
    unmapped = [customer for customer in arrow_customers if customer.reference not in mapped]
    candidates = [customer for customer in waldur_customers if customer.pk not in taken]
    matches = best_matches(
        unmapped,
        candidates,
        key_a=lambda customer: customer.company_name,
        key_b=lambda customer: customer.name,
        threshold=threshold,
    )
    by_reference = {match.a.reference: match for match in matches}
    suggestions = []
    for customer in arrow_customers:
        match = by_reference.get(customer.reference)
        if customer.reference in mapped:
            suggestions.append(CustomerSuggestion(arrow_customer=customer, existing_mapping=True))
        elif match is not None:
            suggestions.append(CustomerSuggestion(customer, match.b, match.confidence))
        else:
            suggestions.append(CustomerSuggestion(arrow_customer=customer))
    return suggestions


def _compatibility(reference: str, name: str, headers: tuple[str, ...]) -> ExportTypeCompatibility:
    result = parsing.export_columns_compatibility(headers)
    required_total = len(parsing.REQUIRED_BILLING_FIELDS)
    important_total = len(parsing.IMPORTANT_BILLING_FIELDS)
    return ExportTypeCompatibility(
        reference=reference,
        name=name,
        required_fields_total=required_total,
        required_fields_found=required_total - len(result.missing_required),
        important_fields_total=important_total,
        important_fields_found=important_total - len(result.missing_important),
        missing_required_fields=list(result.missing_required),
        missing_important_fields=list(result.missing_important),
        compatible=result.compatible,
        recommended=result.recommended,
    )


def export_types_compatibility(client: ArrowClient, *, period: Period | None = None) -> list[ExportTypeCompatibility]:
    """Probe every export type of the partner on `period` (default: the latest completed month).

    One export call per type. A type Arrow refuses to export is reported with no columns found.
    """
    period = period or Period.current().previous()
    reports = []
    for export_type in client.export_types():
        try:
            headers = client.billing_export_headers(export_type.reference, period)
        except (ArrowRequestError, ArrowNotFound, ArrowBadResponse):
            headers = ()
        reports.append(_compatibility(export_type.reference, export_type.name, tuple(headers)))
    return reports


def customers_discover(*, api_url: str, api_key: str) -> CustomerDiscovery:
    """Arrow customers of a key (saved or not), suggestions, and export type compatibility.

    Mappings already stored for the same Arrow partner mark their customers `existing_mapping`.
    """
    with interactive_client(api_url=api_url, api_key=api_key) as client:
        partner = client.whoami()
        arrow_customers = list(client.iter_customers())
        export_types = export_types_compatibility(client)
    mapped = mapped_arrow_references(settings_rows=ArrowSettings.objects.filter(partner_reference=partner.reference))
    waldur_customers = list(customers_for_matching())
    return CustomerDiscovery(
        arrow_customers=arrow_customers,
        waldur_customers=waldur_customers,
        suggestions=customer_suggestions(arrow_customers, waldur_customers, mapped),
        export_types=export_types,
    )


def customers_available(arrow_settings: ArrowSettings) -> CustomerDiscovery:
    """Arrow customers not mapped in `arrow_settings` yet, with suggestions (no export probing)."""
    with arrow_client_for(arrow_settings, max_retries=INTERACTIVE_MAX_RETRIES) as client:
        all_customers = list(client.iter_customers())
    mapped = mapped_arrow_references(settings_rows=ArrowSettings.objects.filter(pk=arrow_settings.pk))
    unmapped = [customer for customer in all_customers if customer.reference not in mapped]
    waldur_customers = list(customers_for_matching())
    return CustomerDiscovery(
        arrow_customers=unmapped,
        waldur_customers=waldur_customers,
        suggestions=customer_suggestions(unmapped, waldur_customers, mapped),
        export_types=[],
        settings=arrow_settings,
    )
