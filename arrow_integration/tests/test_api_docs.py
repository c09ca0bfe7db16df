"""/api/docs/ documents every operation under /api/admin/arrow/: a summary, a description of its
own (not the generic "Staff only; objects addressed by UUID"), and the tag of its area."""

import pytest

from arrow_integration.api.docs import TAGS

pytestmark = pytest.mark.django_db
GENERIC = ("Staff only; objects addressed by UUID", "Get number of items in the collection", "CSV for a viewset")
AREAS = {"settings", "mappings", "billing", "consumption", "licenses", "reports", "runs"}


def admin_operations(schema: dict):
    for path, item in schema["paths"].items():
        if path.startswith("/api/admin/arrow/"):
            for method, operation in item.items():
                yield method, path, operation


def test_every_admin_operation_has_a_summary_a_description_of_its_own_and_an_area(anonymous_client):
    schema = anonymous_client.get("/api/schema/?format=json").json()
    operations = list(admin_operations(schema))

    assert len(operations) >= 71
    for method, path, operation in operations:
        where = f"{method.upper()} {path}"
        assert operation.get("summary", "").strip(), where
        description = operation.get("description", "")
        assert len(description) > 30 and not any(text in description for text in GENERIC), where
        assert len(operation["tags"]) == 1 and operation["tags"][0] in AREAS, where
    descriptions = [operation["description"] for _method, _path, operation in operations]
    assert len(set(descriptions)) == len(descriptions)  # no description shared by two operations
    assert {tag["name"] for tag in schema["tags"]} >= AREAS == {name for name, _text in TAGS}


def test_queued_actions_say_what_they_queue_and_what_the_answer_means(anonymous_client):
    schema = anonymous_client.get("/api/schema/?format=json").json()
    for action in ("trigger_sync", "reconcile", "trigger_consumption_sync", "trigger_reconciliation"):
        operation = schema["paths"][f"/api/admin/arrow/billing-syncs/{action}/"]["post"]
        assert "Queues" in operation["description"] and "run_uuid" in operation["description"]
        assert "run_uuid" in schema["components"]["schemas"]["QueuedResponse"]["properties"]


def test_the_interactive_docs_page_is_served(anonymous_client):
    assert anonymous_client.get("/api/docs/").status_code == 200
