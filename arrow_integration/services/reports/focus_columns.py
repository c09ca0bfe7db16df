"""The FOCUS 1.0 vocabulary of the export: column IDs, allowed values, and how values are written.

FOCUS (FinOps Open Cost and Usage Specification, version 1.0 as ratified) names 43 columns; the
export writes all of them, in this order, then its custom columns (`x_` prefix). Values are
written for the FinOps Foundation's validator and for spreadsheets alike:

- decimals always with a fraction (`12.0`, `1509.60`, never `12`: a column whose values all
  look like integers is read as integers and fails the decimal check);
- date-times as ISO 8601 in UTC with the zone (`2026-10-01T00:00:00Z`);
- null as an empty cell.

It also maps Arrow's vendor, product and classification to the allowed `ServiceCategory`
values. Nothing here reads the database.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from arrow_client import Period

FOCUS_VERSION = "1.0"

# FOCUS 1.0 columns, alphabetical as in the specification.
FOCUS_COLUMNS = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency",
    "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription",
    "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory",
    "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice", "EffectiveCost",
    "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory", "PricingQuantity", "PricingUnit",
    "ProviderName", "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
)
# Custom columns (FOCUS requires the `x_` prefix): Arrow's buy price, and where the row comes from.
CUSTOM_COLUMNS = ("x_WholesaleCost", "x_InvoiceId", "x_InvoiceItemId", "x_ChargeSource")
EXPORT_COLUMNS = FOCUS_COLUMNS + CUSTOM_COLUMNS

# FOCUS 1.0 allowed values.
USAGE, PURCHASE, TAX, CREDIT, ADJUSTMENT = "Usage", "Purchase", "Tax", "Credit", "Adjustment"
CHARGE_CATEGORIES = (USAGE, PURCHASE, TAX, CREDIT, ADJUSTMENT)
CORRECTION = "Correction"
ONE_TIME, RECURRING, USAGE_BASED = "One-Time", "Recurring", "Usage-Based"
CHARGE_FREQUENCIES = (ONE_TIME, RECURRING, USAGE_BASED)
STANDARD_PRICING = "Standard"
PRICING_CATEGORIES = ("Standard", "Dynamic", "Committed", "Other")
SERVICE_CATEGORIES = (
    "AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases", "Developer Tools",
    "Multicloud", "Identity", "Integration", "Internet of Things", "Management and Governance", "Media",
    "Migration", "Mobile", "Networking", "Security", "Storage", "Web", "Other",
)

# Arrow classifications: IAAS is consumption-based, everything else (SAAS…) is bought per seat.
USAGE_CLASSIFICATION = "IAAS"
# Words (whole words) in a product or vendor name that tell its FOCUS service category, tried in this order
# (the product first: "Microsoft 365 E3" is Business Applications whatever its vendor sells else).
SERVICE_CATEGORY_KEYWORDS = (
    (("defender", "security", "sentinel", "antivirus", "firewall", "endpoint"), "Security"),
    (("entra", "identity", "active directory", "okta"), "Identity"),
    (("backup", "storage", "archive", "s3"), "Storage"),
    (("sql", "database", "cosmos", "dynamodb"), "Databases"),
    (("power bi", "analytics", "fabric", "databricks", "snowflake"), "Analytics"),
    (("copilot", "openai", "machine learning", "cognitive", "bedrock"), "AI and Machine Learning"),
    (("github", "visual studio", "devops"), "Developer Tools"),
    (("365", "office", "dynamics", "teams", "exchange", "sharepoint", "project", "visio", "google workspace"),
     "Business Applications"),
    (("network", "bandwidth", "cdn", "vpn"), "Networking"),
    (("azure", "aws", "amazon web services", "google cloud", "compute", "virtual machine", "ec2", "oracle cloud"),
     "Compute"),
)
_CATEGORY_PATTERNS = tuple(
    (re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b"), category)
    for words, category in SERVICE_CATEGORY_KEYWORDS
)
IAAS_CATEGORY = "Compute"  # a whole IaaS subscription billed as one line: mostly compute
SEAT_LICENSE_CATEGORY = "Business Applications"
OTHER_CATEGORY = "Other"


def service_category(*, product: str | None, vendor: str | None, classification: str | None) -> str:
    """The FOCUS ServiceCategory of an Arrow product: by the words of its name, else its vendor's,
    else by classification (IAAS: Compute; seat licenses: Business Applications)."""
    for name in (product, vendor):
        text = (name or "").lower()
        for pattern, category in _CATEGORY_PATTERNS:
            if pattern.search(text):
                return category
    if (classification or "").upper() == USAGE_CLASSIFICATION:
        return IAAS_CATEGORY
    if classification:
        return SEAT_LICENSE_CATEGORY
    return OTHER_CATEGORY


def decimal_text(value: Decimal | None, *, places: int = 1) -> str:
    """``value`` as a plain decimal with at least ``places`` fraction digits and no trailing zeros
    beyond them (`Decimal("1509.6000000")` → `1509.60` with places=2, `Decimal(1)` → `1.0`)."""
    if value is None:
        return ""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"Expected a finite Decimal, got {value!r}.")
    if value == 0:
        return "0." + "0" * places
    text = format(value.normalize(), "f")
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(places, '0')}"


def money_text(value: Decimal | None) -> str:
    """An amount: at least cents (`1480.00`, `-12.345`)."""
    return decimal_text(value, places=2)


def datetime_text(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with the zone written as Z."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def period_bounds_utc(period: Period) -> tuple[str, str]:
    """A month as FOCUS bounds: its first instant (inclusive) and the next month's (exclusive)."""
    start = dt.datetime.combine(period.first_day, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(period.next().first_day, dt.time.min, tzinfo=dt.UTC)
    return datetime_text(start), datetime_text(end)
