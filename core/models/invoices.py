"""Monthly invoices of customers and their items.

Only `pending` invoices may change; the rule is enforced by core.services.invoices,
which is the only writer of these tables.
"""

from decimal import Decimal

from django.db import models

from .base import UuidModel
from .marketplace import Resource
from .structure import Customer, Project

MONEY_MAX_DIGITS = 22
MONEY_DECIMAL_PLACES = 7


class Invoice(UuidModel):
    class State(models.TextChoices):
        PENDING = "pending"
        CREATED = "created"  # issued to the customer
        PAID = "paid"
        CANCELED = "canceled"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    # The billing period, always the first day of the month.
    period = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    currency = models.CharField(max_length=3, blank=True)
    invoice_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-period", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "period"], name="invoice_customer_period_unique")
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.period:%Y-%m} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


class InvoiceItem(UuidModel):
    # Indexed by `invoice_item_listing`, which starts with it.
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="items", db_index=False)
    name = models.CharField(max_length=255)
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoice_items")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoice_items")
    unit_price = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)
    quantity = models.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, default=Decimal(1))
    unit = models.CharField(max_length=30, default="quantity")
    measured_unit = models.CharField(max_length=30, blank=True)
    article_code = models.CharField(max_length=255, blank=True)
    start = models.DateTimeField()
    end = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["invoice_id", "id"]
        indexes = [
            # The list's order: a page is read from the index instead of sorting every item.
            models.Index(fields=["invoice", "id"], name="invoice_item_listing"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity
