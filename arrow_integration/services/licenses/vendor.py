"""Which Arrow vendor bills a license, and therefore which plan an imported license gets.

Arrow's license detail does not name the vendor the way billing lines and vendor-offering mappings
do: it carries ``program`` ("Amazon" where billing says "Amazon Web Services"), the program code
``associatedSubscriptionProgram`` ("AWS-RESELLER") and a ``vendor_code`` ("aws"). The billing
vendor name is taken, in this order, from the license search (``vendor_name``), from the catalog
program whose code the license carries, or from an active vendor mapping named exactly like the
license's program or vendor code. `vendor_plan_choose` refuses (a `ValidationError` naming the
field) instead of guessing when the vendor cannot be known or the offering is mapped to other
vendors only. Reads Arrow and the vendor mappings; writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from arrow_client import ArrowClient, License
from arrow_client.errors import ArrowNotFound, ArrowRequestError
from arrow_integration.models import ArrowCustomerMapping, ArrowVendorOfferingMapping
from core.models import Offering, Plan

DEFAULT_PROGRAM_CATEGORY = "IAAS"


@dataclass(frozen=True)
class LicenseVendor:
    """The billing vendor name of a license (``None``: unknown) and how it was found, or what was tried."""

    name: str | None
    source: str = ""
    tried: list[str] = field(default_factory=list)


def _searched_vendor(client: ArrowClient, license_reference: str) -> str | None:
    try:
        found = client.find_licenses(license_reference=license_reference)
    except (ArrowNotFound, ArrowRequestError):  # an account without the search: other sources remain
        return None
    return next((item.vendor_name for item in found if item.license_id == license_reference and item.vendor_name),
                None)


def _program_vendor(client: ArrowClient, license: License) -> str | None:
    try:
        programs = client.programs(license.classification or DEFAULT_PROGRAM_CATEGORY)
    except (ArrowNotFound, ArrowRequestError):
        return None
    code = (license.associated_program or "").casefold()
    return next((program.name for program in programs if (program.associated_program or "").casefold() == code),
                None)


def license_vendor_resolve(client: ArrowClient, *, license: License, settings_id: int) -> LicenseVendor:
    """The billing vendor name of ``license`` (see the module docstring for the sources)."""
    if license.vendor_name:
        return LicenseVendor(license.vendor_name, "the license")
    tried = []
    vendor = _searched_vendor(client, license.license_id)
    if vendor:
        return LicenseVendor(vendor, "Arrow's license search")
    tried.append("Arrow's license search does not list it")
    if license.associated_program:
        vendor = _program_vendor(client, license)
        if vendor:
            return LicenseVendor(vendor, f"catalog program {license.associated_program}")
        tried.append(f"no catalog program has the code {license.associated_program!r}")
    names = {
        name.casefold(): name
        for name in ArrowVendorOfferingMapping.objects.filter(settings_id=settings_id, is_active=True)
        .values_list("arrow_vendor_name", flat=True)
    }
    for label, value in (("program", license.program), ("vendor code", license.vendor_code)):
        if value and value.casefold() in names:
            return LicenseVendor(names[value.casefold()], f"vendor mapping named like its {label}")
        if value:
            tried.append(f"no vendor mapping is named like its {label} {value!r}")
    return LicenseVendor(None, tried=tried)


def vendor_plan_choose(*, mapping: ArrowCustomerMapping, offering: Offering, license_reference: str,
                       vendor: LicenseVendor) -> Plan | None:
    """The plan of the offering's active mapping for the license's vendor; ``None`` when the
    offering has no vendor mapping. Raises `ValidationError` when the vendor is unknown or the
    offering is mapped only to other vendors (a plan chosen then would be a guess)."""
    vendor_mappings = list(
        ArrowVendorOfferingMapping.objects.filter(settings_id=mapping.settings_id, offering=offering, is_active=True)
        .select_related("plan").order_by("arrow_vendor_name", "id")
    )
    if not vendor_mappings:
        return None
    mapped = ", ".join(vendor_mapping.arrow_vendor_name for vendor_mapping in vendor_mappings)
    if vendor.name is None:
        raise ValidationError({"license_reference": [
            f"Cannot tell which Arrow vendor bills license {license_reference} ({'; '.join(vendor.tried)}), "
            f"so no plan of offering {offering.name!r} (mapped to {mapped}) can be chosen."
        ]})
    for vendor_mapping in vendor_mappings:
        if vendor_mapping.arrow_vendor_name.casefold() == vendor.name.casefold():
            return vendor_mapping.plan
    raise ValidationError({"offering_uuid": [
        f"Offering {offering.name!r} is mapped to Arrow vendor(s) {mapped}, not to {vendor.name}, "
        f"the vendor of license {license_reference}."
    ]})
