"""Marketplace objects: offerings with components and plans, resources and their usages."""

from django.db import models

from .base import UuidModel
from .structure import Customer, Project


class Offering(UuidModel):
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=100, default="Marketplace.Basic")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="offerings")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class OfferingComponent(UuidModel):
    class BillingType(models.TextChoices):
        USAGE = "usage", "Usage-based"
        FIXED = "fixed", "Fixed price"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="components")
    type = models.CharField(max_length=50)
    name = models.CharField(max_length=150)
    measured_unit = models.CharField(max_length=30, blank=True)
    billing_type = models.CharField(max_length=10, choices=BillingType.choices, default=BillingType.USAGE)

    class Meta:
        ordering = ["offering_id", "type"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "type"], name="offering_component_type_unique")
        ]

    def __str__(self) -> str:
        return f"{self.offering}: {self.type}"


class Plan(UuidModel):
    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=30, default="month")
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="plans")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.offering}: {self.name}"


class Resource(UuidModel):
    class State(models.TextChoices):
        CREATING = "Creating"
        OK = "OK"
        ERRED = "Erred"
        TERMINATED = "Terminated"

    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="resources")
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="resources")
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="resources")
    state = models.CharField(max_length=20, choices=State.choices, default=State.CREATING)
    # For Arrow-backed resources: the Arrow license reference (XSP...).
    backend_id = models.CharField(max_length=255, blank=True, db_index=True)
    attributes = models.JSONField(default=dict, blank=True)
    report = models.JSONField(default=list, blank=True)
    current_usages = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name", "id"]
        # The list's order: a page is read from the index instead of sorting every resource.
        indexes = [models.Index(fields=["name", "id"], name="resource_listing")]
        constraints = [
            # One live resource per backend object (for Arrow: one resource per license).
            models.UniqueConstraint(
                fields=["backend_id"],
                condition=~models.Q(backend_id="") & ~models.Q(state="Terminated"),
                name="resource_backend_id_unique_live",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def customer(self) -> Customer:
        return self.project.customer


class ComponentUsage(UuidModel):
    """Usage of one offering component by a resource in one billing period (first day of month)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="usages")
    component = models.ForeignKey(OfferingComponent, on_delete=models.CASCADE, related_name="usages")
    billing_period = models.DateField()
    usage = models.DecimalField(max_digits=22, decimal_places=7)
    description = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["billing_period", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "component", "billing_period"], name="component_usage_period_unique"
            )
        ]
