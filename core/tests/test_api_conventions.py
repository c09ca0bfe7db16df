"""Waldur list conventions, auth, JSON errors and the schema, on the core endpoints."""

import uuid

import pytest

from core.tests.factories import CustomerFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_list_is_a_bare_array_with_link_and_count_headers(staff_client):
    CustomerFactory.create_batch(2)
    response = staff_client.get("/api/customers/?page_size=1")
    assert response.status_code == 200
    assert isinstance(response.json(), list) and len(response.json()) == 1
    assert response["X-Result-Count"] == "2"
    link = response["Link"]
    assert 'rel="next"' in link and 'rel="first"' in link and 'rel="last"' in link
    assert 'rel="prev"' not in link
    second = staff_client.get("/api/customers/?page_size=1&page=2")
    assert 'rel="prev"' in second["Link"] and 'rel="next"' not in second["Link"]
    assert second.json()[0]["uuid"] != response.json()[0]["uuid"]


def test_default_page_size_is_ten_and_large_pages_are_allowed(staff_client):
    CustomerFactory.create_batch(12)
    assert len(staff_client.get("/api/customers/").json()) == 10
    assert len(staff_client.get("/api/customers/?page_size=300").json()) == 12


def test_head_answers_with_the_count(staff_client):
    CustomerFactory.create_batch(3)
    response = staff_client.head("/api/customers/")
    assert response.status_code == 200
    assert response["X-Result-Count"] == "3"


def test_page_past_the_end_is_a_json_404(staff_client):
    CustomerFactory()
    response = staff_client.get("/api/customers/?page=5")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_anonymous_gets_401_and_a_bad_token_gets_401(anonymous_client):
    assert anonymous_client.get("/api/customers/").status_code == 401
    anonymous_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = anonymous_client.get("/api/customers/")
    assert response.status_code == 401
    assert "detail" in response.json()


def test_non_staff_reads_only_their_customers_and_cannot_write(user_client, plain_user):
    mine, _other = CustomerFactory(), CustomerFactory()
    mine.members.add(plain_user)
    listed = user_client.get("/api/customers/").json()
    assert [row["uuid"] for row in listed] == [str(mine.uuid)]
    assert user_client.post("/api/customers/", {"name": "X"}, format="json").status_code == 403


def test_unknown_route_and_malformed_uuid_are_json_404(staff_client):
    for path in ["/api/no-such-thing/", "/api/customers/not-a-uuid/", f"/api/customers/{uuid.uuid4()}/"]:
        response = staff_client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"].startswith("application/json"), path
        assert "detail" in response.json()


def test_malformed_uuid_filter_is_a_json_400(staff_client):
    response = staff_client.get("/api/projects/?customer_uuid=zzz")
    assert response.status_code == 400
    assert "customer_uuid" in response.json()


def test_bad_input_is_a_json_400_naming_the_field(staff_client):
    response = staff_client.post("/api/projects/", {"name": "P", "customer": "nope"}, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()
    response = staff_client.post("/api/customers/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_related_inputs_accept_uuid_or_url(staff_client):
    customer = CustomerFactory()
    by_uuid = staff_client.post("/api/projects/", {"name": "A", "customer": str(customer.uuid)}, format="json")
    url = f"http://testserver/api/customers/{customer.uuid}/"
    by_url = staff_client.post("/api/projects/", {"name": "B", "customer": url}, format="json")
    assert by_uuid.status_code == by_url.status_code == 201
    assert by_url.json()["customer"] == url


def test_project_filter_by_customer(staff_client):
    project = ProjectFactory()
    ProjectFactory()
    rows = staff_client.get(f"/api/projects/?customer_uuid={project.customer.uuid}").json()
    assert [row["uuid"] for row in rows] == [str(project.uuid)]


def test_schema_and_docs_are_served(anonymous_client):
    schema = anonymous_client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/customers/" in document["paths"]
    docs = anonymous_client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
