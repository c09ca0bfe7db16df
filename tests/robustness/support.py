"""Helpers of the concurrency, crash and fault tests: every emulator customer mapped, resources
linked to licenses, what the emulator bills, and what the database charged.

All six Arrow customers of the emulator's demo seed are mapped, so every export line (the scale
knob's generated lines included) belongs to a mapping and must be charged exactly once.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from django.db import connections

from arrow_client import BillingLine, Period, consumption_totals
from arrow_emulator.seeds import CUSTOMERS
from arrow_integration.choices import BILLING_EXPORT_SOURCE
from arrow_integration.clients import arrow_client_for
from arrow_integration.models import ArrowBillingSyncItem, ArrowCustomerMapping, ArrowSettings
from arrow_integration.services.consumption.apply import PROVISIONAL_ITEM_SOURCE
from core.models import InvoiceItem, Resource
from core.tests.factories import CustomerFactory, OfferingFactory, ProjectFactory, ResourceFactory

EXPORT_TYPE = "MSP_EXTENDED"
IAAS = "IAAS"
THREAD_JOIN_SECONDS = 300
FETCH_THREADS = 8


def emulator_settings_create(emulator, **fields) -> ArrowSettings:
    """Active settings on the emulator with its full export type."""
    values = {"export_type_reference": EXPORT_TYPE, "is_active": True, "sync_enabled": True, **fields}
    arrow_settings = ArrowSettings(api_url=emulator.base_url, **values)
    arrow_settings.api_key = emulator.api_key
    arrow_settings.save()
    return arrow_settings


def all_customers_map(arrow_settings: ArrowSettings) -> dict[str, ArrowCustomerMapping]:
    """A local customer (with one project) mapped to every Arrow customer of the emulator."""
    mappings = {}
    for seed in CUSTOMERS:
        customer = CustomerFactory(name=seed.company_name)
        ProjectFactory(customer=customer, name="Cloud Infrastructure")
        mappings[seed.reference] = ArrowCustomerMapping.objects.create(
            settings=arrow_settings, arrow_reference=seed.reference, arrow_company_name=seed.company_name,
            waldur_customer=customer,
        )
    return mappings


def licenses_link(mappings: dict[str, ArrowCustomerMapping], license_customers: dict[str, str]) -> list[Resource]:
    """One resource per license (reference → Arrow customer reference) in its customer's project."""
    offering = OfferingFactory(name="Cloud via Arrow")
    resources = []
    for license_reference, customer_reference in license_customers.items():
        project = mappings[customer_reference].waldur_customer.projects.first()
        resources.append(ResourceFactory(project=project, offering=offering, backend_id=license_reference,
                                         name=f"Subscription {license_reference}"))
    return resources


def export_lines(arrow_settings: ArrowSettings, period: Period) -> list[BillingLine]:
    """Every IAAS line of ``period`` as the emulator exports it now (all pages)."""
    with arrow_client_for(arrow_settings) as client:
        return [line for page in client.iter_billing_export(arrow_settings.export_type_reference, period, period,
                                                            classifications=[arrow_settings.classification_filter])
                for line in page.lines]


def iaas_licenses(arrow_settings: ArrowSettings) -> dict[str, str]:
    """Every IAAS license of the emulator's listing, with its Arrow customer reference."""
    with arrow_client_for(arrow_settings) as client:
        return {license.license_id: license.customer_ref for license in client.iter_licenses()
                if license.classification == IAAS}


def consumption_sell_by_license(arrow_settings: ArrowSettings, licenses, period: Period) -> dict[str, Decimal]:
    """Arrow's consumption (sell) of each license for ``period``."""
    def sell_of(client, reference: str) -> Decimal:
        return consumption_totals(client.consumption(reference, period, period)).sell_total

    with arrow_client_for(arrow_settings) as client, ThreadPoolExecutor(FETCH_THREADS) as pool:
        references = list(licenses)
        return dict(zip(references, pool.map(lambda reference: sell_of(client, reference), references), strict=True))


def sync_item_references() -> Counter:
    """How many sync items each Arrow line reference has (more than 1 is a duplicate)."""
    return Counter(ArrowBillingSyncItem.objects.values_list("arrow_line_reference", flat=True))


def billed_amount_by_line() -> dict[str, Decimal]:
    """The invoice amount of every line the statement path charged, by line reference."""
    rows = InvoiceItem.objects.filter(details__source=BILLING_EXPORT_SOURCE).values_list(
        "details__line_reference", "unit_price", "quantity")
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for reference, unit_price, quantity in rows:
        amounts[reference] += unit_price * quantity
    return dict(amounts)


def provisional_items_by_license() -> Counter:
    """How many provisional consumption items each license has."""
    return Counter(InvoiceItem.objects.filter(details__source=PROVISIONAL_ITEM_SOURCE)
                   .values_list("article_code", flat=True))


def invoice_totals() -> dict[tuple[str, str], Decimal]:
    """Sum of every invoice's items, by (customer name, invoice period)."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    rows = InvoiceItem.objects.values_list("invoice__customer__name", "invoice__period", "unit_price", "quantity")
    for customer, period, unit_price, quantity in rows:
        totals[(customer, str(period))] += unit_price * quantity
    return dict(totals)


def run_at_once(*calls: Callable[[], object]) -> list[object]:
    """Run ``calls`` in threads released together; each result, or the exception it raised.

    Each thread has its own database connection (closed when it ends), like separate workers.
    """
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def work(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads), "a worker thread did not finish"
    return results
