"""Organisations (customers) and their projects."""

from django.conf import settings
from django.db import models

from .base import UuidModel


class Customer(UuidModel):
    name = models.CharField(max_length=150)
    native_name = models.CharField(max_length=160, blank=True)
    abbreviation = models.CharField(max_length=12, blank=True)
    email = models.EmailField(blank=True)
    phone_number = models.CharField(max_length=255, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postal = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    vat_code = models.CharField(max_length=20, blank=True)
    # Non-staff users see the objects of the customers they belong to.
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="customers")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Project(UuidModel):
    name = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="projects")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.customer})"
