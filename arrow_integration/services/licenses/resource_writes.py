"""The database side of `sync_resources`: mappings, projects, resources and component usages.

Called by `arrow_integration.services.licenses.resource_sync` inside its transaction with the export already
aggregated per license. Every write here is a bulk write or a handful of per-customer rows, every
read a few queries for the whole run (chunked `IN` lists). Upserts are keyed on natural keys
(mapping: settings + Arrow reference; resource: backend_id; usage: resource + component + month),
so applying the same plan twice changes nothing the second time. Mappings created are recorded in
the ledger. No Arrow calls happen here except
`unmapped_arrow_customers`, which runs before the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from arrow_client import ArrowClient, ArrowNotFound, Period
from arrow_client import Customer as ArrowCustomer
from arrow_integration.choices import ARROW_VENDOR_ATTRIBUTE
from arrow_integration.matching import best_matches
from arrow_integration.models import ArrowCustomerMapping, ArrowSettings, ArrowVendorOfferingMapping
from arrow_integration.selectors.configuration import active_mapping_of, already_mapped_message
from arrow_integration.services.ledger.configuration import ledger_configuration_watch
from arrow_integration.services.licenses.links import ARROW_CUSTOMER_ATTRIBUTE, VENDOR_SUBSCRIPTION_ATTRIBUTE
from arrow_integration.services.licenses.resource_billing import LicenseBilling, ResourceSyncResult
from core.models import ComponentUsage, Customer, Offering, OfferingComponent, Plan, Project, Resource

FORCE_IMPORT_PROJECT_NAME = "Arrow Azure Subscriptions"
CLOUD_COST_COMPONENT = "cloud_cost"
SAME_NAME_CONFIDENCE = 1.0  # force_import adopts an existing customer only when the names are the same
QUERY_CHUNK_SIZE = 500
WRITE_BATCH_SIZE = 500


@dataclass
class SyncPlan:
    """Inputs of one apply: the aggregated export and the caller's options."""

    arrow_settings: ArrowSettings
    billing: dict[str, LicenseBilling]
    result: ResourceSyncResult
    offering: Offering | None = None
    project: Project | None = None
    force_import: bool = False
    arrow_customers: dict[str, ArrowCustomer] = field(default_factory=dict)
    on_action: Callable[[str], None] | None = None

    def tell(self, action: str) -> None:
        if self.on_action:
            self.on_action(action)


def _chunks(values: Iterable, size: int = QUERY_CHUNK_SIZE) -> Iterator[list]:
    chunk = []
    for value in values:
        chunk.append(value)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def unmapped_arrow_customers(
    client: ArrowClient, *, arrow_settings: ArrowSettings, billing: dict[str, LicenseBilling]
) -> dict[str, ArrowCustomer]:
    """Arrow details (email, country) of the billed customers without a mapping, for force_import."""
    references = {entry.customer_reference for entry in billing.values()}
    mapped = set(
        ArrowCustomerMapping.objects.not_archived().filter(settings=arrow_settings, arrow_reference__in=references)
        .values_list("arrow_reference", flat=True)
    )
    found = {}
    for reference in sorted(references - mapped):
        try:
            found[reference] = client.get_customer(reference)
        except ArrowNotFound:
            continue
    return found


def _mappings_resolve(plan: SyncPlan) -> dict[str, ArrowCustomerMapping]:
    """Active mappings of the billed Arrow customers; with force_import, the missing ones created."""
    names = {}
    for entry in plan.billing.values():
        names.setdefault(entry.customer_reference, entry.customer_name)
    existing = {
        mapping.arrow_reference: mapping
        for mapping in ArrowCustomerMapping.objects.not_archived().filter(
            settings=plan.arrow_settings, arrow_reference__in=list(names)
        ).select_related("waldur_customer")
    }
    usable = {reference: mapping for reference, mapping in existing.items() if mapping.is_active}
    for reference in sorted(set(existing) - set(usable)):
        plan.result.add_error(f"The mapping of Arrow customer {reference} is inactive.", customer_id=reference)
    missing = sorted(set(names) - set(existing))
    if missing and not plan.force_import:
        for reference in missing:
            plan.result.add_error(
                f"Arrow customer {reference} ({names[reference]}) is not mapped to a local customer.",
                customer_id=reference,
            )
    elif missing:
        # One active mapping per Arrow customer: one mapped under other settings is not mapped again here.
        elsewhere = {reference: other for reference in missing if (other := active_mapping_of(reference)) is not None}
        for reference, other in sorted(elsewhere.items()):
            plan.result.add_error(already_mapped_message(other), customer_id=reference)
        creatable = {reference: names[reference] for reference in missing if reference not in elsewhere}
        usable.update(_mappings_create(plan, creatable))
    return usable


def _mappings_create(plan: SyncPlan, names: dict[str, str]) -> dict[str, ArrowCustomerMapping]:
    """Map each Arrow customer to the unmapped local customer of the same name, or to a new one."""
    unmapped_locals = Customer.objects.exclude(arrow_mappings__settings=plan.arrow_settings).only("id", "name")
    same_names = best_matches(
        list(names), unmapped_locals, key_a=lambda reference: names[reference], key_b=lambda customer: customer.name,
        threshold=SAME_NAME_CONFIDENCE,
    )
    customers = {match.a: match.b for match in same_names}
    new_customers = []
    for reference in names:
        if reference in customers:
            continue
        details = plan.arrow_customers.get(reference)
        customers[reference] = Customer(
            name=(names[reference] or (details.company_name if details else "") or reference)[:150],
            email=(details.email or "") if details else "",
            country=((details.country_code or "") if details else "")[:2],
        )
        new_customers.append(customers[reference])
        plan.tell(f"create customer {customers[reference].name!r} for Arrow customer {reference}")
    Customer.objects.bulk_create(new_customers, batch_size=WRITE_BATCH_SIZE)
    plan.result.customers_created += len(new_customers)
    mappings = [
        ArrowCustomerMapping(
            settings=plan.arrow_settings, arrow_reference=reference, arrow_company_name=names[reference][:255],
            waldur_customer=customers[reference], is_active=True,
        )
        for reference in names
    ]
    for mapping in mappings:
        plan.tell(f"create mapping {mapping.arrow_reference} -> {mapping.waldur_customer.name!r}")
    with ledger_configuration_watch(*mappings):
        ArrowCustomerMapping.objects.bulk_create(mappings, batch_size=WRITE_BATCH_SIZE)
    plan.result.mappings_created += len(mappings)
    return {mapping.arrow_reference: mapping for mapping in mappings}


def _linked_resources(plan: SyncPlan) -> dict[str, Resource]:
    """The resource linked to each billed license (the live one first if several claim it)."""
    claims: dict[str, list[Resource]] = {}
    for chunk in _chunks(sorted(plan.billing)):
        for resource in Resource.objects.filter(backend_id__in=chunk).select_related("offering").order_by("id"):
            claims.setdefault(resource.backend_id, []).append(resource)
    linked = {}
    for reference, resources in claims.items():
        resources.sort(key=lambda resource: (resource.state == Resource.State.TERMINATED, resource.id))
        linked[reference] = resources[0]
        if len(resources) > 1:
            plan.result.add_error(
                f"License {reference} is linked to {len(resources)} resources; only {resources[0].uuid} was synced.",
                subscription_id=reference, customer_id=plan.billing[reference].customer_reference,
            )
    return linked


class _Targets:
    """Where new resources go: offering/plan per vendor, project per customer (created lazily)."""

    def __init__(self, plan: SyncPlan):
        self.plan = plan
        self.vendor_mappings = {
            mapping.arrow_vendor_name.casefold(): mapping
            for mapping in ArrowVendorOfferingMapping.objects.filter(settings=plan.arrow_settings, is_active=True)
            .select_related("offering", "plan")
        }
        self.projects: dict[int, Project] = {}

    def offering_and_plan(self, vendor_name: str) -> tuple[Offering | None, Plan | None]:
        vendor_mapping = self.vendor_mappings.get(vendor_name.casefold())
        offering = self.plan.offering or (vendor_mapping.offering if vendor_mapping else None)
        plan = vendor_mapping.plan if vendor_mapping and vendor_mapping.offering_id == getattr(offering, "id", None) else None
        return offering, plan

    def accepts(self, mapping: ArrowCustomerMapping) -> bool:
        """Whether new resources of this customer have a project to go to."""
        given = self.plan.project
        return self.plan.force_import or (given is not None and given.customer_id == mapping.waldur_customer_id)

    def project_for(self, mapping: ArrowCustomerMapping) -> Project:
        if not self.plan.force_import:
            return self.plan.project
        customer = mapping.waldur_customer
        if customer.id not in self.projects:
            project = Project.objects.filter(customer=customer, name=FORCE_IMPORT_PROJECT_NAME).order_by("id").first()
            if project is None:
                project = Project.objects.create(customer=customer, name=FORCE_IMPORT_PROJECT_NAME)
                self.plan.result.projects_created += 1
                self.plan.tell(f"create project {FORCE_IMPORT_PROJECT_NAME!r} of {customer.name!r}")
            self.projects[customer.id] = project
        return self.projects[customer.id]


def _report(entry: LicenseBilling) -> list[dict[str, str]]:
    identity = [
        f"License: {entry.license_reference}",
        f"Vendor subscription ID: {entry.vendor_subscription_id or '-'}",
        f"Vendor: {entry.vendor_name or '-'}",
        f"Product: {entry.product_name or '-'}",
        f"Arrow customer: {entry.customer_reference} ({entry.customer_name or '-'})",
    ]
    months = [
        f"{period}: sell {entry.sell[period]} {entry.currency}, buy {entry.buy[period]} {entry.currency}".strip()
        for period in sorted(entry.sell)
    ]
    return [{"header": "Arrow subscription", "body": "\n".join(identity)},
            {"header": "Arrow billing", "body": "\n".join(months)}]


def _refreshed_fields(resource: Resource, entry: LicenseBilling, price_source: str) -> dict:
    """The values of report, current_usages and attributes the export implies for `resource`."""
    totals = entry.totals(price_source)
    current_usages = dict(resource.current_usages or {})
    if totals:
        current_usages[CLOUD_COST_COMPONENT] = str(totals[max(totals)])
    attributes = dict(resource.attributes or {})
    attributes[ARROW_CUSTOMER_ATTRIBUTE] = entry.customer_reference
    if entry.vendor_subscription_id:
        attributes[VENDOR_SUBSCRIPTION_ATTRIBUTE] = entry.vendor_subscription_id
    if entry.vendor_name:
        attributes[ARROW_VENDOR_ATTRIBUTE] = entry.vendor_name
    return {"report": _report(entry), "current_usages": current_usages, "attributes": attributes}


def _resources_refresh(plan: SyncPlan, linked: dict[str, Resource]) -> set[int]:
    """Update report/current_usages/attributes of linked resources in bulk; ids of changed ones."""
    price_source = plan.arrow_settings.invoice_price_source
    now = timezone.now()
    changed = []
    for reference, resource in linked.items():
        values = _refreshed_fields(resource, plan.billing[reference], price_source)
        if all(getattr(resource, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(resource, name, value)
        resource.modified = now
        changed.append(resource)
        plan.tell(f"update resource {resource.name!r} ({reference})")
    Resource.objects.bulk_update(changed, ["report", "current_usages", "attributes", "modified"],
                                 batch_size=WRITE_BATCH_SIZE)
    return {resource.id for resource in changed}


def _resources_create(plan: SyncPlan, mappings: dict[str, ArrowCustomerMapping],
                      linked: dict[str, Resource]) -> list[Resource]:
    """Create a resource for each billed license without one, where a target is known."""
    targets = _Targets(plan)
    price_source = plan.arrow_settings.invoice_price_source
    new_resources = []
    for reference in sorted(set(plan.billing) - set(linked)):
        entry = plan.billing[reference]
        mapping = mappings.get(entry.customer_reference)
        if mapping is None or not targets.accepts(mapping):
            plan.result.skipped += 1
            continue
        offering, vendor_plan = targets.offering_and_plan(entry.vendor_name)
        if offering is None:
            plan.result.add_error(f"No offering is mapped to vendor {entry.vendor_name!r}.",
                                  subscription_id=reference, customer_id=entry.customer_reference)
            plan.result.skipped += 1
            continue
        project = targets.project_for(mapping)
        resource = Resource(
            name=(entry.friendly_name or reference)[:150], project=project, offering=offering, plan=vendor_plan,
            state=Resource.State.OK, backend_id=reference,
        )
        for name, value in _refreshed_fields(resource, entry, price_source).items():
            setattr(resource, name, value)
        new_resources.append(resource)
        plan.tell(f"create resource {resource.name!r} ({reference}) in {project.name!r} of "
                  f"{mapping.waldur_customer.name!r}")
    Resource.objects.bulk_create(new_resources, batch_size=WRITE_BATCH_SIZE)
    return new_resources


def _usages_write(plan: SyncPlan, resources: list[Resource]) -> set[int]:
    """Upsert the monthly cloud_cost usage of each resource; ids of resources whose usages changed."""
    result, price_source = plan.result, plan.arrow_settings.invoice_price_source
    components = {
        component.offering_id: component
        for component in OfferingComponent.objects.filter(
            offering_id__in={resource.offering_id for resource in resources}, type=CLOUD_COST_COMPONENT
        )
    }
    months = [period.first_day for period in Period.range(result.period_from, result.period_to)]
    existing: dict[tuple[int, int, object], ComponentUsage] = {}
    for chunk in _chunks([resource.id for resource in resources if resource.offering_id in components]):
        for usage in ComponentUsage.objects.filter(
            resource_id__in=chunk, component__type=CLOUD_COST_COMPONENT, billing_period__in=months
        ):
            existing[(usage.resource_id, usage.component_id, usage.billing_period)] = usage
    to_create, to_update, changed = [], [], set()
    for resource in resources:
        component = components.get(resource.offering_id)
        if component is None:
            continue
        totals = plan.billing[resource.backend_id].totals(price_source)
        for month in months:
            amount = totals.get(Period.from_date(month))
            usage = existing.get((resource.id, component.id, month))
            if usage is None and amount is not None:
                to_create.append(ComponentUsage(resource=resource, component=component, billing_period=month,
                                                usage=amount, description=f"Arrow {resource.backend_id}"))
            elif usage is not None and usage.usage != (amount or Decimal(0)):
                usage.usage = amount or Decimal(0)
                to_update.append(usage)
            else:
                continue
            changed.add(resource.id)
    ComponentUsage.objects.bulk_create(to_create, batch_size=WRITE_BATCH_SIZE)
    ComponentUsage.objects.bulk_update(to_update, ["usage"], batch_size=WRITE_BATCH_SIZE)
    result.usages_written += len(to_create) + len(to_update)
    return changed


def sync_plan_apply(plan: SyncPlan) -> None:
    """Apply the aggregated export to the database and fill the plan's result counters."""
    mappings = _mappings_resolve(plan)
    linked = _linked_resources(plan)
    changed = _resources_refresh(plan, linked)
    created = _resources_create(plan, mappings, linked)
    changed |= _usages_write(plan, list(linked.values()))
    _usages_write(plan, created)
    plan.result.created = len(created)
    plan.result.updated = len(changed)
    plan.result.synced = len(linked) + len(created)
