"""Every admin operation of the official schema refuses callers that are not staff.

For each of the 62 operations (paths with a real object's UUID, so a refusal cannot hide behind a
404): no token and a bad token answer 401, a valid token of a non-staff user answers 403, each with
a JSON body (HEAD has no body). The refused requests leave no trace: no Arrow call was made and
no admin object was created, changed or deleted.
"""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from arrow_integration.models import (
    ArrowBillingSync,
    ArrowBillingSyncItem,
    ArrowConsumptionRecord,
    ArrowCustomerMapping,
    ArrowSettings,
    ArrowSyncControl,
    ArrowVendorOfferingMapping,
)
from tests.robustness.official_schema import EXPECTED_OPERATION_COUNT, official_operations
from tests.robustness.world import admin_path

pytestmark = pytest.mark.django_db

BAD_TOKEN = "0123456789abcdef0123456789abcdef01234567"
ADMIN_MODELS = (ArrowSettings, ArrowCustomerMapping, ArrowVendorOfferingMapping, ArrowBillingSync,
                ArrowBillingSyncItem, ArrowConsumptionRecord, ArrowSyncControl)


def admin_state() -> dict[str, list]:
    """Every admin object with its modification time: any write shows up as a difference."""
    return {model.__name__: list(model.objects.order_by("pk").values_list("pk", "modified")) for model in ADMIN_MODELS}


@pytest.fixture
def caller(request, anonymous_client, user_client) -> tuple[APIClient, int]:
    """The client of one kind of refused caller, and the status it must get."""
    if request.param == "no token":
        return anonymous_client, 401
    if request.param == "bad token":
        anonymous_client.credentials(HTTP_AUTHORIZATION=f"Token {BAD_TOKEN}")
        return anonymous_client, 401
    return user_client, 403


def test_the_official_schema_lists_every_admin_operation():
    assert len(official_operations()) == EXPECTED_OPERATION_COUNT


@pytest.mark.parametrize("caller", ["no token", "bad token", "non-staff token"], indirect=True)
def test_every_admin_operation_refuses_the_caller(caller, admin_world, arrow_emulator):
    client, expected_status = caller
    arrow_emulator.control.reset_counters()
    before = admin_state()
    wrong = []

    for method, path in official_operations():
        response = client.generic(method, admin_path(path), data="{}", content_type="application/json")
        problem = None
        if response.status_code != expected_status:
            problem = f"status {response.status_code}"
        elif method != "HEAD":
            if not response["Content-Type"].startswith("application/json"):
                problem = f"content type {response['Content-Type']}"
            elif "detail" not in json.loads(response.content):
                problem = f"body {response.content[:200]!r}"
        if problem:
            wrong.append(f"{method} {path}: {problem}")

    assert wrong == [], "\n".join(wrong)
    assert arrow_emulator.control.counters() == {}
    assert admin_state() == before
