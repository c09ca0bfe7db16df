"""The local side of a benchmark: settings on the emulator, every Arrow customer mapped, projects.

The emulator's scale knob spreads generated licenses and export lines over all of the seed's
customers (line ``j`` and license ``j`` belong to customer ``j % 6``, see
`arrow_emulator.generator`), so `world_create` maps all six Arrow customers: every generated line
then has a mapping and is imported. Set-up writes use bulk ORM calls; they are not measured.

For an emulator started with ``--tenant N`` (another Arrow account, see `arrow_emulator.seeds`),
``tenant=N`` maps that tenant's customers and records its partner reference, as saving the
settings through the API would; only one settings row may be active (``is_active``).
"""

from __future__ import annotations

from dataclasses import dataclass

from arrow_emulator.seeds import CUSTOMERS, catalogue_for
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings
from core.models import Customer, Offering, Project, Resource

EXPORT_TYPE = "MSP_EXTENDED"
PROJECT_NAME = "Cloud"


@dataclass
class World:
    settings: ArrowSettings
    mappings: dict[str, ArrowCustomerMapping]  # by Arrow reference
    projects: dict[str, Project]  # by Arrow customer reference
    offering: Offering


def world_create(emulator, *, classification_filter: str = "", tenant: int = 0, is_active: bool = True) -> World:
    """Settings on ``emulator`` (no classification filter: every line counts) and mappings of all
    the Arrow customers of its ``tenant``."""
    catalogue = catalogue_for("demo", tenant)
    settings = ArrowSettings(api_url=emulator.base_url, export_type_reference=EXPORT_TYPE, is_active=is_active,
                             sync_enabled=True, classification_filter=classification_filter,
                             partner_reference=catalogue.partner.reference if tenant else "")
    settings.api_key = emulator.api_key
    settings.save()
    provider = Customer.objects.create(name=f"Bench Provider {tenant}" if tenant else "Bench Provider")
    offering = Offering.objects.create(name="Cloud via Arrow", customer=provider)
    mappings, projects = {}, {}
    for seed in catalogue.customers:
        customer = Customer.objects.create(name=seed.company_name.rsplit(" ", 1)[0])
        projects[seed.reference] = Project.objects.create(name=PROJECT_NAME, customer=customer)
        mappings[seed.reference] = ArrowCustomerMapping.objects.create(
            settings=settings, arrow_reference=seed.reference, arrow_company_name=seed.company_name,
            waldur_customer=customer,
        )
    return World(settings=settings, mappings=mappings, projects=projects, offering=offering)


def scaled_license_reference(number: int) -> str:
    """The reference of the emulator's scaled license ``number`` (XSP9 + seven digits)."""
    from arrow_emulator.generator import SCALE_LICENSE_PREFIX

    return f"{SCALE_LICENSE_PREFIX}{number:07d}"


def scaled_license_customer(number: int) -> str:
    """The Arrow customer reference the emulator gives scaled license ``number``."""
    return CUSTOMERS[number % len(CUSTOMERS)].reference


def resources_link_scaled(world: World, count: int, *, batch_size: int = 2000) -> list[Resource]:
    """``count`` OK resources, each linked to one scaled license of the emulator (bulk insert)."""
    resources = [
        Resource(
            name=f"Scaled license {number}",
            project=world.projects[scaled_license_customer(number)],
            offering=world.offering,
            state=Resource.State.OK,
            backend_id=scaled_license_reference(number),
        )
        for number in range(count)
    ]
    return Resource.objects.bulk_create(resources, batch_size=batch_size)
