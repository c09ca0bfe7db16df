"""Arrow licenses of a mapped customer and the local resources they are billed to.

Linking convention (used by consumption sync, billing sync and resource sync alike):
`Resource.backend_id` holds the Arrow license reference (``XSP…``) and
`Resource.attributes[VENDOR_SUBSCRIPTION_ATTRIBUTE]` the vendor's subscription id.

This module discovers licenses with link suggestions (through the one matcher,
`arrow_integration.matching`; the licenses come from Arrow's license search, the listing that names
their vendor), links an existing resource to a license and imports a license as a new resource
(its plan follows the license's vendor, `arrow_integration.services.licenses.vendor`). Invalid
requests raise Django's `ValidationError` keyed by the offending input field; Arrow failures
propagate as `arrow_client.ArrowError`. Linking or importing a license whose classification the
settings' filter leaves out succeeds with a warning: its billing lines will not be invoiced (they
are reported as uncharged). It does not render HTTP responses.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from arrow_client import ArrowClient, ArrowNotFound, License
from arrow_integration.choices import ARROW_VENDOR_ATTRIBUTE
from arrow_integration.clients import arrow_client_for
from arrow_integration.matching import best_matches
from arrow_integration.models import ArrowCustomerMapping
from arrow_integration.services.billing.uncharged import outside_classification_filter
from arrow_integration.services.licenses.vendor import license_vendor_resolve, vendor_plan_choose
from core.models import Offering, Project, Resource

VENDOR_SUBSCRIPTION_ATTRIBUTE = "vendor_subscription_id"
ARROW_CUSTOMER_ATTRIBUTE = "arrow_customer_reference"


@dataclass(frozen=True)
class LicenseSuggestion:
    resource: Resource
    license: License
    confidence: float


@dataclass(frozen=True)
class LicenseDiscovery:
    """Licenses of the mapped Arrow customer, the local customer's resources, and link suggestions."""

    mapping: ArrowCustomerMapping
    licenses: list[License]
    resources: list[Resource]
    suggestions: list[LicenseSuggestion]
    error: str | None = None


@dataclass(frozen=True)
class LinkOutcome:
    resource: Resource
    license_reference: str
    previous_backend_id: str | None
    warning: str | None = None


@dataclass(frozen=True)
class ImportedLicense:
    resource: Resource
    warning: str | None = None


def license_display_name(license: License) -> str:
    """The name a license goes by: its friendly name, else its product name, else its reference."""
    return license.friendly_name or license.name or license.license_id


def customer_resources(mapping: ArrowCustomerMapping) -> QuerySet[Resource]:
    """Resources of the mapping's local customer, with what the license views show of them."""
    return (
        Resource.objects.filter(project__customer_id=mapping.waldur_customer_id)
        .select_related("project", "offering")
        .order_by("name", "id")
    )


def linked_license_references(references: list[str]) -> set[str]:
    """Which of `references` are already some resource's backend_id (one query)."""
    if not references:
        return set()
    return set(
        Resource.objects.filter(backend_id__in=references).values_list("backend_id", flat=True).distinct()
    )


def licenses_discover(*, mapping: ArrowCustomerMapping) -> LicenseDiscovery:
    """List the Arrow customer's licenses and the local resources, and suggest links by name.

    Read-only. Licenses come from Arrow's license search (with their vendor names). Licenses
    already linked to a resource and resources already holding a backend_id (or terminated) are
    left out of the suggestions; each license and each resource is suggested at most once. A
    customer Arrow does not know gives an empty list with `error` set; other Arrow failures raise
    `ArrowError`.
    """
    resources = list(customer_resources(mapping))
    error = None
    with arrow_client_for(mapping.settings) as client:
        licenses = client.find_licenses(customer_ref=mapping.arrow_reference)
        if not licenses:  # the search does not tell an unknown customer from one without licenses
            try:
                client.get_customer(mapping.arrow_reference)
            except ArrowNotFound as exc:
                error = f"Arrow does not know customer {mapping.arrow_reference}: {exc}"
    linked = linked_license_references([license.license_id for license in licenses])
    unlinked_licenses = [license for license in licenses if license.license_id not in linked]
    free_resources = [
        resource
        for resource in resources
        if not resource.backend_id and resource.state != Resource.State.TERMINATED
    ]
    matches = best_matches(
        unlinked_licenses, free_resources, key_a=license_display_name, key_b=lambda resource: resource.name
    )
    suggestions = [LicenseSuggestion(match.b, match.a, match.confidence) for match in matches]
    return LicenseDiscovery(mapping, licenses, resources, suggestions, error)


def _license_of_customer(client: ArrowClient, *, mapping: ArrowCustomerMapping, license_reference: str) -> License:
    """The license, checked to belong to the mapping's Arrow customer (ValidationError otherwise)."""
    try:
        license = client.get_license(license_reference)
    except ArrowNotFound:
        raise ValidationError({"license_reference": [f"Arrow does not know license {license_reference}."]}) from None
    owner = license.customer_ref
    if owner is None:
        owned = {item.license_id for item in client.iter_customer_licenses(mapping.arrow_reference)}
        owner = mapping.arrow_reference if license_reference in owned else None
    if owner != mapping.arrow_reference:
        raise ValidationError(
            {
                "license_reference": [
                    f"License {license_reference} does not belong to Arrow customer {mapping.arrow_reference}"
                    + (f" (it belongs to {owner})." if owner else ".")
                ]
            }
        )
    return license


def _ensure_license_free(license_reference: str, *, except_resource: Resource | None = None) -> None:
    holders = Resource.objects.filter(backend_id=license_reference)
    if except_resource is not None:
        holders = holders.exclude(pk=except_resource.pk)
    holder = holders.only("uuid", "name").first()
    if holder is not None:
        raise ValidationError(
            {"license_reference": [f"License {license_reference} is already linked to resource {holder.name} ({holder.uuid})."]}
        )


def _license_attributes(license: License, mapping: ArrowCustomerMapping, vendor_name: str | None) -> dict[str, str]:
    attributes = {ARROW_CUSTOMER_ATTRIBUTE: mapping.arrow_reference}
    if license.vendor_license_id:
        attributes[VENDOR_SUBSCRIPTION_ATTRIBUTE] = license.vendor_license_id
    if vendor_name:
        attributes[ARROW_VENDOR_ATTRIBUTE] = vendor_name
    return attributes


def classification_warning(license: License, mapping: ArrowCustomerMapping) -> str | None:
    """Why the license's billing lines will not be invoiced, when the settings' classification
    filter leaves them out (None otherwise, or when Arrow does not say the classification)."""
    classification_filter = mapping.settings.classification_filter
    if not license.classification or not outside_classification_filter(license.classification, classification_filter):
        return None
    return (
        f"License {license.license_id} is classified {license.classification}, which the settings' classification "
        f"filter ({classification_filter.strip()}) leaves out: its billing lines will not be invoiced (they are "
        "reported as uncharged)."
    )


def _lock_mapping(mapping: ArrowCustomerMapping) -> None:
    """Serialise link/import writes of one customer mapping (checks and write see the same state)."""
    ArrowCustomerMapping.objects.select_for_update().filter(pk=mapping.pk).first()


def license_link_resource(*, mapping: ArrowCustomerMapping, resource: Resource, license_reference: str) -> LinkOutcome:
    """Set `resource.backend_id` to an Arrow license of the mapped customer.

    Checks: the resource belongs to the mapped local customer; the license is not linked to another
    resource; Arrow knows the license and it belongs to the mapped Arrow customer. The vendor
    subscription id is stored in the resource's attributes. Idempotent (linking again changes
    nothing); raises `ValidationError` naming the field at fault. The outcome carries a warning
    when the settings' classification filter leaves the license's lines out.
    """
    if resource.project.customer_id != mapping.waldur_customer_id:
        raise ValidationError(
            {"resource_uuid": [f"Resource {resource.uuid} does not belong to customer {mapping.waldur_customer}."]}
        )
    _ensure_license_free(license_reference, except_resource=resource)
    with arrow_client_for(mapping.settings) as client:
        license = _license_of_customer(client, mapping=mapping, license_reference=license_reference)
        vendor = license_vendor_resolve(client, license=license, settings_id=mapping.settings_id)
    with transaction.atomic():
        _lock_mapping(mapping)
        _ensure_license_free(license_reference, except_resource=resource)
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        previous = resource.backend_id or None
        attributes = {**resource.attributes, **_license_attributes(license, mapping, vendor.name)}
        if resource.backend_id != license_reference or resource.attributes != attributes:
            resource.backend_id = license_reference
            resource.attributes = attributes
            resource.save(update_fields=["backend_id", "attributes", "modified"])
    return LinkOutcome(resource, license_reference, previous, classification_warning(license, mapping))


def license_import(
    *,
    mapping: ArrowCustomerMapping,
    license_reference: str,
    offering: Offering,
    project: Project,
    name: str | None = None,
) -> ImportedLicense:
    """Create a resource (state OK, backend_id = license reference) for an Arrow license.

    The project must belong to the mapped local customer and the license to the mapped Arrow
    customer; a license already linked to a resource is refused. The plan is that of the
    offering's vendor mapping for the license's vendor (none when the offering has no vendor
    mapping; a 400 when the vendor cannot be known or the offering is mapped to other vendors);
    the name comes from `name`, else the license's friendly name, else its reference. Raises
    `ValidationError` naming the field at fault. The outcome
    carries a warning when the settings' classification filter leaves the license's lines out.
    """
    if project.customer_id != mapping.waldur_customer_id:
        raise ValidationError(
            {"project_uuid": [f"Project {project.uuid} does not belong to customer {mapping.waldur_customer}."]}
        )
    _ensure_license_free(license_reference)
    with arrow_client_for(mapping.settings) as client:
        license = _license_of_customer(client, mapping=mapping, license_reference=license_reference)
        vendor = license_vendor_resolve(client, license=license, settings_id=mapping.settings_id)
    plan = vendor_plan_choose(mapping=mapping, offering=offering, license_reference=license_reference, vendor=vendor)
    resource_name = (name or license.friendly_name or license_reference)[: Resource._meta.get_field("name").max_length]
    with transaction.atomic():
        _lock_mapping(mapping)
        _ensure_license_free(license_reference)
        resource = Resource.objects.create(
            name=resource_name,
            project=project,
            offering=offering,
            plan=plan,
            state=Resource.State.OK,
            backend_id=license_reference,
            attributes=_license_attributes(license, mapping, vendor.name),
        )
    return ImportedLicense(resource, classification_warning(license, mapping))
