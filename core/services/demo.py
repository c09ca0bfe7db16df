"""Demo data for a first look at the service: users with tokens, customers, an offering, a resource.

Idempotent: objects are looked up by their natural names and created only when missing.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from rest_framework.authtoken.models import Token

from core.models import Customer, Offering, OfferingComponent, Plan, Project, Resource

STAFF_USERNAME = "staff"
USER_USERNAME = "user"
DEMO_CUSTOMERS = [
    ("Nordic Cloud Solutions", "NCS", "billing@nordic-cloud.example"),
    ("Baltic Data Systems", "BDS", "finance@baltic-data.example"),
    ("Tartu Research Lab", "TRL", "office@tartu-lab.example"),
]
PROVIDER_NAME = "Demo Cloud Reseller"
OFFERING_NAME = "Azure via Arrow"
PLAN_NAME = "Pay as you go"
PROJECT_NAME = "Cloud Infrastructure"
RESOURCE_NAME = "Azure Production Subscription"


@dataclass(frozen=True)
class CoreDemoData:
    staff_token: str
    user_token: str
    customers: list[Customer]
    project: Project
    offering: Offering
    plan: Plan
    resource: Resource


def user_token_ensure(*, username: str, is_staff: bool) -> str:
    """Create the user when missing and return its API token (created once, then reused)."""
    user, _ = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": is_staff, "email": f"{username}@example.com"}
    )
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


@transaction.atomic
def core_demo_seed() -> CoreDemoData:
    staff_token = user_token_ensure(username=STAFF_USERNAME, is_staff=True)
    user_token = user_token_ensure(username=USER_USERNAME, is_staff=False)
    customers = []
    for name, abbreviation, email in DEMO_CUSTOMERS:
        customer, _ = Customer.objects.get_or_create(
            name=name, defaults={"abbreviation": abbreviation, "email": email, "country": "EE"}
        )
        customers.append(customer)
    provider, _ = Customer.objects.get_or_create(name=PROVIDER_NAME, defaults={"abbreviation": "DCR"})
    offering, _ = Offering.objects.get_or_create(
        name=OFFERING_NAME, customer=provider, defaults={"type": "Marketplace.Basic"}
    )
    OfferingComponent.objects.get_or_create(
        offering=offering,
        type="cloud_cost",
        defaults={"name": "Cloud cost", "measured_unit": "EUR", "billing_type": "usage"},
    )
    plan, _ = Plan.objects.get_or_create(offering=offering, name=PLAN_NAME)
    project, _ = Project.objects.get_or_create(customer=customers[0], name=PROJECT_NAME)
    for customer in customers[1:]:
        Project.objects.get_or_create(customer=customer, name=PROJECT_NAME)
    resource, _ = Resource.objects.get_or_create(
        project=project,
        name=RESOURCE_NAME,
        defaults={"offering": offering, "plan": plan, "state": Resource.State.OK},
    )
    return CoreDemoData(staff_token, user_token, customers, project, offering, plan, resource)
