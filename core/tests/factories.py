"""factory_boy factories of the core objects."""

import datetime

import factory

from core.models import Customer, Invoice, Offering, OfferingComponent, Plan, Project, Resource


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    abbreviation = factory.Sequence(lambda n: f"C{n}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")
    customer = factory.SubFactory(CustomerFactory)


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering

    name = factory.Sequence(lambda n: f"Offering {n}")
    customer = factory.SubFactory(CustomerFactory)


class OfferingComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferingComponent

    offering = factory.SubFactory(OfferingFactory)
    type = "cloud_cost"
    name = "Cloud cost"
    measured_unit = "EUR"


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    name = factory.Sequence(lambda n: f"Plan {n}")
    offering = factory.SubFactory(OfferingFactory)


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    name = factory.Sequence(lambda n: f"Resource {n}")
    project = factory.SubFactory(ProjectFactory)
    offering = factory.SubFactory(OfferingFactory)
    state = Resource.State.OK


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    customer = factory.SubFactory(CustomerFactory)
    period = datetime.date(2026, 1, 1)
