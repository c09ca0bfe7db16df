"""The golden export page (`arrow_client/tests/fixtures/billing-export-sample.json`) served by an
in-memory transport: the client, the parser and the importer are the real code."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import httpx

from arrow_client import ArrowClient, Period

SAMPLE = Path(__file__).resolve().parents[2] / "arrow_client" / "tests" / "fixtures" / "billing-export-sample.json"
SAMPLE_PERIOD = Period(2024, 7)
BIG_BANK, ARROW_DEMO = "111111", "222222"
BIG_BANK_JULY = {"AWSIM24-16967017-50353": "0.80000", "AWSIM24-16967007-50344": "215.13",
                 "AWSIM24-16967007-50345": "1615.08"}


def sample_payload() -> dict:
    return json.loads(SAMPLE.read_text())


def set_cell(payload: dict, sequence: str, column: str, value) -> None:
    headers = payload["data"]["headers"]
    for row in payload["data"]["values"]:
        if row[headers.index("Sequence")] == sequence:
            row[headers.index(column)] = value
            return
    raise AssertionError(f"no row {sequence}")


def golden_client(payload: dict) -> ArrowClient:
    def answer(request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("billing/erp/exports/sync")
        return httpx.Response(200, json=copy.deepcopy(payload))

    return ArrowClient("https://arrow.example/index.php/api/", "key", max_retries=0,
                       http_transport=httpx.MockTransport(answer))
