"""Our /api/schema/ covers every path and method of the official /api/admin/arrow/ schema."""

import pytest

from tests.conformance.schema_diff import load_official, schema_differences

pytestmark = pytest.mark.django_db


def test_every_official_operation_is_served_with_compatible_fields(anonymous_client):
    ours = anonymous_client.get("/api/schema/?format=json").json()
    differences = list(schema_differences(ours, load_official()))
    assert differences == [], "\n".join(differences)
