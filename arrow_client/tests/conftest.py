"""Fixtures of the arrow_client tests: golden payload files, loaded as Arrow sends them."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str):
    """Decode a golden payload the way the client does (non-integer numbers as Decimal)."""
    return json.loads((FIXTURES / name).read_text(), parse_float=Decimal)


@pytest.fixture
def billing_sample():
    return load_fixture("billing-export-sample.json")


@pytest.fixture
def billing_light():
    return load_fixture("billing-export-light.json")
