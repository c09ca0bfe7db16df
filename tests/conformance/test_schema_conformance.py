"""Our /api/schema/ covers every path and method of the official /api/admin/arrow/ schema, with
compatible field types.

The only differences allowed are the deliberate ones of `DELIBERATE_DIFFERENCES`, each with its
reason; one that no longer occurs fails the test too, so the list never outlives its cause.
"""

import pytest

from tests.conformance.schema_diff import load_official, schema_differences

pytestmark = pytest.mark.django_db

MAY_BE_NULL = "may be null where the official schema does not allow null"
NOT_ONLY_A_DATE = "type string where the official schema has string (date)"
NO_INVENTED_RELATION = (
    "null until the related invoice item exists; SPEC 5.1 forbids inventing a UUID although the official "
    "schema (and client 8.1.3) types it as a required UUID"
)
# (field or query parameter, path fragment of the operations concerned, difference) -> why we differ on purpose.
DELIBERATE_DIFFERENCES = {
    ("compensation_item_uuid", "/billing-sync-items/", MAY_BE_NULL): NO_INVENTED_RELATION + " (most items get none)",
    ("compensation_item_uuid", "/billing-syncs/", MAY_BE_NULL): NO_INVENTED_RELATION + " (embedded items)",
    ("compensation_item_uuid", "/consumption-records/", MAY_BE_NULL): NO_INVENTED_RELATION + " (until reconciled)",
    ("invoice_item_uuid", "/consumption-records/", MAY_BE_NULL): NO_INVENTED_RELATION + " (zero usage charges nothing)",
    ("plan_uuid", "/vendor-offering-mappings/", MAY_BE_NULL): (
        "a mapping may have no plan (`plan` is nullable on input); SPEC 5.1: null, never an invented UUID"
    ),
    ("plan_name", "/vendor-offering-mappings/", MAY_BE_NULL): "no plan, no name: null like plan_uuid",
    **{
        (parameter, "/consumption-records/", NOT_ONLY_A_DATE): (
            "the period filters take a month (YYYY-MM) as well as a date, as report_period does; the schema says "
            "so with a pattern instead of format: date, and a date, which clients of the official schema send, "
            "still works"
        )
        for parameter in ("billing_period", "billing_period_from", "billing_period_to")
    },
    **{
        (field, path, MAY_BE_NULL): (
            "an Arrow customer without this contact detail: every documented key is present, null where Arrow "
            "has no value (the client's plain str fields accept null)"
        )
        for field in ("email", "city", "countryCode")
        for path in ("/settings/discover_customers/", "/customer-mappings/available_customers/")
    },
}


def _deliberate(difference: str) -> tuple | None:
    for key in DELIBERATE_DIFFERENCES:
        field, path, kind = key
        named = f".{field}: {kind}" in difference or f" parameter {field}: {kind}" in difference
        if named and path in difference.split(" ", 2)[1]:
            return key
    return None


def test_every_official_operation_is_served_with_compatible_fields(anonymous_client):
    ours = anonymous_client.get("/api/schema/?format=json").json()
    differences = list(schema_differences(ours, load_official()))

    unexpected = [difference for difference in differences if _deliberate(difference) is None]
    assert unexpected == [], "\n".join(unexpected)
    still_needed = {_deliberate(difference) for difference in differences}
    assert set(DELIBERATE_DIFFERENCES) - still_needed == set(), "exceptions that no longer occur"


def test_type_comparison_notices_an_incompatible_field():
    """The comparison itself: a changed type, a lost format and a new null are all reported."""
    official = load_official()
    ours = load_official()
    mapping = ours["components"]["schemas"]["ArrowCustomerMapping"]["properties"]
    mapping["settings_uuid"] = {"type": "string", "readOnly": True}
    mapping["is_active"] = {"type": "string"}
    mapping["waldur_customer_name"] = {"type": "string", "nullable": True}

    found = [d for d in schema_differences(ours, official) if d.startswith("GET /api/admin/arrow/customer-mappings/ ")]

    assert found == [
        "GET /api/admin/arrow/customer-mappings/ response[].settings_uuid: type string where the official schema has "
        "string (uuid)",
        "GET /api/admin/arrow/customer-mappings/ response[].waldur_customer_name: " + MAY_BE_NULL,
        "GET /api/admin/arrow/customer-mappings/ response[].is_active: type string where the official schema has "
        "boolean",
    ]
