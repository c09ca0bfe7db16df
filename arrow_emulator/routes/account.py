"""Arrow routes of the partner account and its customers: ``whoami``, ``customers``, ``customers/{ref}``.

Key casing is Arrow's: camelCase for the partner (the keys of the PHP SDK's
``src/General/Entities/Whoami.php``), PascalCase for customers (``src/Customers/Entities/Customer.php``
and the customer listings of both SDKs' fixtures: ``BillingId``, no partner keys). The customer
listing pages with ``page``/``per_page`` and answers the ``total_page`` pagination style.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from arrow_emulator.routes.common import ArrowHttpError, arrow_ok, arrow_route, page_params, total_page_pagination
from arrow_emulator.seeds import CustomerSeed, PartnerSeed
from arrow_emulator.state import EmulatorState


def partner_json(partner: PartnerSeed) -> dict[str, Any]:
    return {
        "companyName": partner.company_name,
        "addressLine1": partner.address_line1,
        "addressLine2": "",
        "zip": partner.zip_code,
        "city": partner.city,
        "countryCode": partner.country_code,
        "state": partner.state,
        "receptionPhone": partner.phone,
        "websiteUrl": partner.website,
        "emailContact": partner.email,
        "headcount": None,
        "taxNumber": partner.tax_number,
        "reference": partner.reference,
        "ref": partner.ref,
        "billingId": partner.billing_id,
        "internalReference": partner.internal_reference,
    }


def customer_json(customer: CustomerSeed) -> dict[str, Any]:
    return {
        "Reference": customer.reference,
        "CompanyName": customer.company_name,
        "Ref": customer.ref,
        "BillingId": customer.billing_id,
        "InternalReference": customer.internal_reference,
        "AddressLine1": customer.address_line1,
        "AddressLine2": "",
        "Zip": customer.zip_code,
        "City": customer.city,
        "State": customer.state,
        "CountryCode": customer.country_code,
        "ReceptionPhone": customer.phone,
        "WebsiteUrl": f"https://www.{customer.email.split('@', 1)[1]}",
        "EmailContact": customer.email,
        "Headcount": None,
        "TaxNumber": "",
        "Contact": {
            "FirstName": customer.contact_first_name,
            "LastName": customer.contact_last_name,
            "Email": customer.email,
            "Phone": customer.phone,
        },
        "Details": {},
        "DeletedAt": None,
    }


async def whoami(request: Request, state: EmulatorState) -> Response:
    return arrow_ok(partner_json(state.model.catalogue.partner))


async def customers(request: Request, state: EmulatorState) -> Response:
    page, per_page = page_params(request)
    model = state.model
    everyone = sorted(model.customers, key=lambda customer: customer.reference)
    chunk = everyone[(page - 1) * per_page: page * per_page]
    data = {"customers": [customer_json(customer) for customer in chunk]}
    return arrow_ok(data, total_page_pagination(request, page, per_page, len(everyone)))


async def customer(request: Request, state: EmulatorState) -> Response:
    reference = request.path_params["ref"]
    found = state.model.customer(reference)
    if found is None:
        raise ArrowHttpError(404, f"Customer {reference} not found")
    return arrow_ok({"customers": [customer_json(found)]})


ROUTES = [
    arrow_route("/whoami", "whoami", whoami),
    arrow_route("/customers", "customers", customers),
    arrow_route("/customers/{ref}", "customers/{ref}", customer),
]
