"""In-process fixtures of the emulator tests (Starlette's test client, no subprocess)."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

with warnings.catch_warnings():
    # Starlette announces a future switch of its test client's HTTP library; irrelevant here.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from arrow_emulator.app import create_app
from arrow_emulator.state import EmulatorConfig, EmulatorState

TODAY = dt.date(2025, 3, 10)
API = "/index.php/api/"
KEY = {"apiKey": "arrow-demo-key"}


@pytest.fixture
def state() -> EmulatorState:
    return EmulatorState(EmulatorConfig(today=TODAY))


@pytest.fixture
def http(state) -> TestClient:
    with TestClient(create_app(state)) as client:
        yield client


def export(http, period_from, period_to=None, export_type="MSP_EXTENDED", page=1, **filters):
    body = {"exportTypeReference": export_type, "page": page,
            "filters": {"reportPeriod": {"from": period_from, "to": period_to or period_from}, **filters}}
    return http.post(API + "billing/erp/exports/sync", json=body, headers=KEY)


def rows_of(response) -> list[dict]:
    data = response.json()["data"]
    return [dict(zip(data["headers"], row, strict=True)) for row in data["values"]]
