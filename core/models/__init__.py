"""Waldur-compatible core objects: structure, marketplace and invoices."""

from .base import UuidModel
from .invoices import Invoice, InvoiceItem
from .marketplace import ComponentUsage, Offering, OfferingComponent, Plan, Resource
from .structure import Customer, Project

__all__ = [
    "UuidModel",
    "Customer",
    "Project",
    "Offering",
    "OfferingComponent",
    "Plan",
    "Resource",
    "ComponentUsage",
    "Invoice",
    "InvoiceItem",
]
