"""The emulator's seeded catalogue: partner, customers, products and licenses.

The ``demo`` seed is fitted to the local demo data of ``waldur-arrow seed-demo``: its first three
customers are close to the local "Nordic Cloud Solutions", "Baltic Data Systems" and "Tartu Research
Lab" (legal suffixes make the first two fuzzy matches; the third is exact), and license XSP5000101 has
the friendly name "Azure Production Subscr." (close to the local resource "Azure Production
Subscription"). The last three customers have no plausible local match.

Notable licenses of the demo seed (documented because tests rely on them):

- XSP5000101, XSP5000302, XSP5000502: the final billed amount differs from consumption
  (+2 %, -5 % and +1.5 % of every month's consumption).
- XSP5000101, XSP5000201, XSP5000601: two export lines per month (70 % / 30 % of the total).
- XSP5000203: no usage at all; XSP5000402: no usage in every fourth month. A month without usage has
  empty consumption ``lines`` and no export line.
- XSP5000205: canceled three months before the current one (no data after that).
- XSP5000304: started two months before the current one.
- XSP5000402 bills ``Qty`` 2; Microsoft 365 (SAAS) lines bill ``Qty`` = seats. Totals are totals.

Identifiers follow live data: a customer's ``Ref`` is the digits of its XSP reference (``100001`` for
``XSP100001``); a product names its vendor three ways, as Arrow does: ``vendor_name`` in billing
lines and the catalog ("Amazon Web Services"), ``program_name`` in the license detail ("Amazon") and
``vendor_code`` ("aws"), plus the program code ``program_reference`` ("AWS-RESELLER").

Amounts are not stored here: `arrow_emulator.generator` derives them from the seed name, so the same
seed always gives the same data. Any seed name other than ``empty`` uses this catalogue with amounts
of its own; ``empty`` has the partner only.

A tenant number other than 0 gives the partner and its customers references of their own
(`tenant_reference`: ``XSP100001`` of tenant 3 is ``XSP103001``) and nothing else: emulators of
different tenants are different Arrow accounts whose customers can all be mapped at once, as the
multi-worker benchmark needs (one Arrow customer is actively mapped by one mapping only).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

DEMO_SEED = "demo"
EMPTY_SEED = "empty"
CURRENCY = "EUR"
# Tenant k adds k * TENANT_REFERENCE_STEP to the number of every partner and customer reference.
TENANT_REFERENCE_STEP = 1000
MAX_TENANT = 899  # references stay XSP + six digits


@dataclass(frozen=True)
class ProgramSeed:
    """A catalog program: ``reference`` is a vendor slug, ``name`` the vendor name of billing lines."""

    reference: str
    name: str
    associated_program: str  # Arrow's program code (``MSCSP``), as licenses name it
    logo_id: int


def reference_number(reference: str) -> str:
    """``100001`` for ``XSP100001``: the numeric ``Ref`` Arrow keeps next to an XSP reference."""
    return reference[3:] if reference.upper().startswith("XSP") else reference


@dataclass(frozen=True)
class PartnerSeed:
    reference: str
    company_name: str
    email: str
    city: str
    country_code: str
    address_line1: str
    zip_code: str
    billing_id: str
    state: str = ""
    phone: str = ""
    website: str = ""
    tax_number: str = ""
    internal_reference: str = ""

    @property
    def ref(self) -> str:
        """The numeric part of the reference, Arrow's ``ref`` (``100000`` for ``XSP100000``)."""
        return reference_number(self.reference)


@dataclass(frozen=True)
class CustomerSeed:
    reference: str
    company_name: str
    internal_reference: str
    email: str
    city: str
    country_code: str
    address_line1: str
    zip_code: str
    state: str
    contact_first_name: str
    contact_last_name: str
    phone: str
    billing_id: str
    created: str  # ISO date

    @property
    def ref(self) -> str:
        """Arrow's ``Ref``: the digits of the XSP reference, which billing exports carry as
        ``End User Company ID`` (``111111`` for ``XSP111111`` in live exports)."""
        return reference_number(self.reference)


@dataclass(frozen=True)
class Meter:
    """One consumption meter: its columns, and its share of the monthly amount in percent."""

    product: str
    category: str
    subcategory: str  # "null" where Arrow sends the string null
    uom: str
    region: str
    share: int


@dataclass(frozen=True)
class ProductSeed:
    key: str
    vendor_name: str
    service_name: str
    service_ref: str
    classification: str
    offer_name: str
    arrow_sku: str
    vendor_sku: str
    program_reference: str  # Arrow's program code: associatedSubscriptionProgram, "Arrow Reference ID"
    program_name: str  # the license detail's ``program`` ("Amazon" where billing says "Amazon Web Services")
    vendor_code: str  # the license's ``vendor_code`` ("aws", "Microsoft")
    sequence_prefix: str
    margin_percent: Decimal  # buy = sell * (100 - margin) / 100
    decimals: int  # amount decimals in the export (Azure writes 2, the others 5)
    unit_sell_price: Decimal | None = None  # SAAS seat price
    bills_in_arrears: bool = False  # Bill From/To in the month after the Report Period
    meters: tuple[Meter, ...] = ()

    @property
    def is_iaas(self) -> bool:
        return self.classification == "IAAS"


@dataclass(frozen=True)
class LicenseSeed:
    reference: str
    customer_ref: str
    product_key: str
    friendly_name: str
    monthly_sell: Decimal = Decimal("0")  # typical full-month sell amount (IAAS)
    seats: int = 1
    quantity: int = 1  # Qty of IAAS export lines
    state: str = "active"
    start_offset: int | None = None  # started this many months before the current one
    end_offset: int | None = None  # canceled this many months before the current one
    final_adjustment_percent: Decimal = Decimal("0")
    split_lines: bool = False
    zero_usage: bool = False
    zero_usage_every: int | None = None  # no usage in months whose index is a multiple of this


@dataclass(frozen=True)
class Catalogue:
    partner: PartnerSeed
    customers: tuple[CustomerSeed, ...] = ()
    licenses: tuple[LicenseSeed, ...] = ()
    products: dict[str, ProductSeed] = field(default_factory=dict)
    programs: dict[str, tuple[ProgramSeed, ...]] = field(default_factory=dict)  # by category (IAAS, SAAS)


AZURE_METERS = (
    Meter("Virtual Machines Dv3 Series", "Virtual Machines", "D2s v3", "1 Hour", "westeurope", 62),
    Meter("Standard SSD Managed Disks", "Storage", "E10 LRS Disk", "1/Month", "westeurope", 23),
    Meter("Bandwidth", "Bandwidth", "null", "1 GB", "null", 15),
)
AWS_METERS = (
    Meter("Amazon Elastic Compute Cloud", "EC2 Instances", "m5.large", "Hrs", "eu-north-1", 58),
    Meter("Amazon Simple Storage Service", "Storage", "null", "GB-Mo", "eu-north-1", 27),
    Meter("AWS Data Transfer", "Data Transfer", "Data Transfer Out", "GB", "null", 15),
)


def _m365(key: str, offer: str, sku: str, price: str) -> ProductSeed:
    return ProductSeed(key, "Microsoft", "Microsoft", "MS-365", "SAAS", offer, sku, sku, "MSCSP", "Microsoft",
                       "Microsoft", "MSM", Decimal("15"), 5, unit_sell_price=Decimal(price))


PRODUCTS = {
    product.key: product
    for product in (
        ProductSeed("azure", "Microsoft", "Microsoft", "MS-AZR-PLAN", "IAAS", "Microsoft Azure Plan",
                    "DZH318Z0BPS6:0001", "DZH318Z0BPS6:0001", "MSCSP", "Microsoft", "Microsoft", "MSM",
                    Decimal("12"), 2,
                    bills_in_arrears=True, meters=AZURE_METERS),
        ProductSeed("aws", "Amazon Web Services", "aws", "AWS", "IAAS", "AWS Solution Provider Account Model (SPAM)",
                    "AWS-SUB-0006", "AWS-SUB-0006", "AWS-RESELLER", "Amazon", "aws", "AWSIM", Decimal("8"), 5,
                    meters=AWS_METERS),
        _m365("m365-bp", "Microsoft 365 Business Premium", "CFQ7TTC0LCHC:0002", "20.60000"),
        _m365("m365-bs", "Microsoft 365 Business Standard", "CFQ7TTC0LDPB:0001", "11.70000"),
        _m365("m365-bb", "Microsoft 365 Business Basic", "CFQ7TTC0LH18:0001", "5.60000"),
        _m365("m365-e3", "Microsoft 365 E3", "CFQ7TTC0LFLX:0001", "33.70000"),
        _m365("m365-e5", "Microsoft 365 E5", "CFQ7TTC0LFLZ:0001", "54.70000"),
        _m365("m365-a3", "Microsoft 365 A3 for faculty", "CFQ7TTC0LFNK:0001", "3.25000"),
    )
}

PARTNER = PartnerSeed("XSP100000", "Demo Reseller Partner", "billing@demo-reseller.example", "Tallinn", "EE",
                      "Narva mnt 5", "10117", "1012662|100123456", state="Harjumaa", phone="+372 600 0000",
                      website="https://www.demo-reseller.example", tax_number="EE100000000",
                      internal_reference="DEMO-RESELLER")


def _customer(number: int, name: str, city: str, country: str, address: str, zip_code: str,
              state: str, first: str, last: str, domain: str, created: str) -> CustomerSeed:
    return CustomerSeed(
        reference=f"XSP10000{number}", company_name=name, internal_reference=f"CUST-{number:04d}",
        email=f"it@{domain}", city=city, country_code=country, address_line1=address, zip_code=zip_code,
        state=state, contact_first_name=first, contact_last_name=last, phone=f"+372 600 00{number:02d}",
        billing_id=f"{5038940 + number}|{104952693 + number}", created=created,
    )


CUSTOMERS = (
    _customer(1, "Nordic Cloud Solutions OÜ", "Tallinn", "EE", "Pärnu mnt 12", "10148", "Harjumaa",
              "Kadri", "Tamm", "nordic-cloud.example", "2021-03-15"),
    _customer(2, "Baltic Data Systems SIA", "Riga", "LV", "Brīvības iela 40", "LV-1050", "Riga",
              "Jānis", "Bērziņš", "balticdata.example", "2020-11-02"),
    _customer(3, "Tartu Research Lab", "Tartu", "EE", "Ülikooli 18", "50090", "Tartumaa",
              "Mari", "Kask", "tartu-lab.example", "2022-01-20"),
    _customer(4, "Helios Manufacturing GmbH", "Stuttgart", "DE", "Industriestraße 7", "70565",
              "Baden-Württemberg", "Jonas", "Weber", "helios-mfg.example", "2019-06-30"),
    _customer(5, "Quantum Retail Inc", "Austin", "US", "500 Congress Ave", "78701", "TX",
              "Emily", "Clark", "quantum-retail.example", "2021-09-09"),
    _customer(6, "Aurora Media AS", "Oslo", "NO", "Karl Johans gate 22", "0159", "Oslo",
              "Ingrid", "Hansen", "aurora-media.example", "2023-02-14"),
)

D = Decimal
LICENSES = (
    # Nordic Cloud Solutions OÜ
    LicenseSeed("XSP5000101", "XSP100001", "azure", "Azure Production Subscr.", D("1850"),
                final_adjustment_percent=D("2"), split_lines=True),
    LicenseSeed("XSP5000102", "XSP100001", "azure", "Azure Development", D("420")),
    LicenseSeed("XSP5000103", "XSP100001", "aws", "nordic-prod-aws", D("960")),
    LicenseSeed("XSP5000104", "XSP100001", "m365-bp", "Nordic M365 Business Premium", seats=25),
    LicenseSeed("XSP5000105", "XSP100001", "m365-e3", "Nordic M365 E3", seats=10),
    # Baltic Data Systems SIA
    LicenseSeed("XSP5000201", "XSP100002", "azure", "Baltic Analytics Platform", D("1320"), split_lines=True),
    LicenseSeed("XSP5000202", "XSP100002", "aws", "baltic-data-lake", D("2240")),
    LicenseSeed("XSP5000203", "XSP100002", "aws", "baltic-staging", zero_usage=True),
    LicenseSeed("XSP5000204", "XSP100002", "m365-bs", "Baltic M365 Business Standard", seats=40),
    LicenseSeed("XSP5000205", "XSP100002", "azure", "Baltic Legacy Workloads", D("310"), state="canceled",
                end_offset=3),
    # Tartu Research Lab
    LicenseSeed("XSP5000301", "XSP100003", "azure", "Tartu HPC Research", D("2780")),
    LicenseSeed("XSP5000302", "XSP100003", "aws", "tartu-genomics", D("1490"), final_adjustment_percent=D("-5")),
    LicenseSeed("XSP5000303", "XSP100003", "m365-a3", "Tartu M365 A3", seats=60),
    LicenseSeed("XSP5000304", "XSP100003", "azure", "Tartu Student Labs", D("240"), start_offset=2),
    # Helios Manufacturing GmbH
    LicenseSeed("XSP5000401", "XSP100004", "azure", "Helios MES Production", D("3120")),
    LicenseSeed("XSP5000402", "XSP100004", "azure", "Helios IoT Hub", D("680"), quantity=2, zero_usage_every=4),
    LicenseSeed("XSP5000403", "XSP100004", "aws", "helios-erp", D("1760")),
    LicenseSeed("XSP5000404", "XSP100004", "m365-bp", "Helios M365 Business Premium", seats=120),
    # Quantum Retail Inc
    LicenseSeed("XSP5000501", "XSP100005", "aws", "quantum-webshop", D("2050")),
    LicenseSeed("XSP5000502", "XSP100005", "aws", "quantum-analytics", D("870"), final_adjustment_percent=D("1.5")),
    LicenseSeed("XSP5000503", "XSP100005", "azure", "Quantum POS Backend", D("530")),
    LicenseSeed("XSP5000504", "XSP100005", "m365-e5", "Quantum M365 E5", seats=15),
    # Aurora Media AS
    LicenseSeed("XSP5000601", "XSP100006", "azure", "Aurora Render Farm", D("4350"), split_lines=True),
    LicenseSeed("XSP5000602", "XSP100006", "aws", "aurora-cdn", D("1180")),
    LicenseSeed("XSP5000603", "XSP100006", "m365-bb", "Aurora M365 Business Basic", seats=30),
    LicenseSeed("XSP5000604", "XSP100006", "azure", "Aurora Archive", D("150")),
)

IAAS_PROGRAMS = (
    ProgramSeed("microsoft", "Microsoft", "MSCSP", 3),
    ProgramSeed("aws", "Amazon Web Services", "AWS-RESELLER", 11),
    ProgramSeed("google", "Google Cloud", "GCP", 42),
)
PROGRAMS = {"IAAS": IAAS_PROGRAMS, "SAAS": (ProgramSeed("microsoft", "Microsoft", "MSCSP", 3),)}


def tenant_reference(reference: str, tenant: int) -> str:
    """The reference ``reference`` has for tenant ``tenant`` (``XSP100001`` of tenant 3: ``XSP103001``)."""
    if not tenant:
        return reference
    return f"{reference[:3]}{int(reference[3:]) + tenant * TENANT_REFERENCE_STEP}"


def catalogue_for(seed: str, tenant: int = 0) -> Catalogue:
    """The catalogue of a seed name: ``empty`` has the partner only, every other name the demo set;
    ``tenant`` > 0 gives the partner and the customers references of their own (module docstring)."""
    if not 0 <= tenant <= MAX_TENANT:
        raise ValueError(f"tenant must be between 0 and {MAX_TENANT}")
    partner = PARTNER
    customers = () if seed == EMPTY_SEED else CUSTOMERS
    licenses = () if seed == EMPTY_SEED else LICENSES
    if tenant:
        partner = replace(PARTNER, reference=tenant_reference(PARTNER.reference, tenant),
                          company_name=f"{PARTNER.company_name} {tenant}")
        customers = tuple(replace(customer, reference=tenant_reference(customer.reference, tenant))
                          for customer in customers)
        licenses = tuple(replace(license_, customer_ref=tenant_reference(license_.customer_ref, tenant))
                         for license_ in licenses)
    return Catalogue(partner=partner, customers=customers, licenses=licenses, products=PRODUCTS, programs=PROGRAMS)
