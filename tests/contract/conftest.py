"""Contract-test fixtures: one real emulator process per session, reset before every test."""

from __future__ import annotations

import datetime as dt

import pytest

from arrow_client import ArrowClient
from arrow_emulator.testing import EmulatorProcess

TODAY = dt.date(2025, 3, 10)
FAST_RETRY = {"timeout": 5.0, "max_retries": 2, "backoff": 0.05, "backoff_max": 0.2}


@pytest.fixture(scope="session")
def emulator_process():
    with EmulatorProcess(seed="demo", today=TODAY) as emulator:
        yield emulator


@pytest.fixture
def emulator(emulator_process):
    """The session's emulator back at its startup state (demo seed, today 2025-03-10)."""
    emulator_process.control.reset()
    return emulator_process


@pytest.fixture
def client(emulator):
    with ArrowClient(emulator.base_url, emulator.api_key, **FAST_RETRY) as arrow:
        yield arrow
