"""Numbers from the query string: invoice year/month bounds, page numbers in ASCII digits only."""

import datetime

import pytest

from core.tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db

INVOICES = "/api/invoices/"
# Out of what a date holds (0, -1, 10000) or of what the database holds (the last two).
OUT_OF_RANGE_YEARS = ["0", "-1", "10000", "1e20", "99999999999999999999999"]


@pytest.fixture
def member_client(user_client, plain_user):
    """A non-staff user who is a member of a customer with an invoice."""
    invoice = InvoiceFactory(period=datetime.date(2026, 3, 1))
    invoice.customer.members.add(plain_user)
    return user_client


@pytest.mark.parametrize("year", OUT_OF_RANGE_YEARS)
def test_an_out_of_range_invoice_year_is_a_400_naming_it_for_staff_and_members(staff_client, member_client, year):
    for client in (staff_client, member_client):
        listed = client.get(INVOICES, {"year": year})
        counted = client.head(INVOICES, {"year": year})

        assert listed.status_code == 400, listed.content
        assert "year" in listed.json()
        assert counted.status_code == 400


@pytest.mark.parametrize("month", ["0", "13", "-1", "99999999999999999999999", "１", "1.0"])
def test_an_invoice_month_outside_1_to_12_or_not_in_ascii_digits_is_a_400(staff_client, month):
    response = staff_client.get(INVOICES, {"month": month})

    assert response.status_code == 400 and "month" in response.json()


def test_year_and_month_in_range_still_filter(staff_client, member_client):
    response = staff_client.get(INVOICES, {"year": "2026", "month": "3"})
    other_year = staff_client.get(INVOICES, {"year": "2025"})

    assert response.status_code == 200 and len(response.json()) == 1
    assert other_year.status_code == 200 and other_year.json() == []


def test_page_and_page_size_count_only_ascii_digits(staff_client):
    CustomerFactory.create_batch(12)
    first_page = [row["uuid"] for row in staff_client.get("/api/customers/", {"page_size": 5}).json()]

    full_width_page = staff_client.get("/api/customers/", {"page": "２", "page_size": 5})
    full_width_size = staff_client.get("/api/customers/", {"page_size": "５"})

    # As for any page number that is not one, the first page; the default size.
    assert [row["uuid"] for row in full_width_page.json()] == first_page
    assert len(full_width_size.json()) == 10
    assert len(staff_client.get("/api/customers/", {"page": "2", "page_size": "5"}).json()) == 5
