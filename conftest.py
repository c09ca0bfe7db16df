"""Fixtures shared by every test module: users, tokens and authenticated API clients."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def _client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("staff-tester", password="x", is_staff=True)


@pytest.fixture
def plain_user(django_user_model):
    return django_user_model.objects.create_user("plain-tester", password="x")


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return _client_for(staff_user)


@pytest.fixture
def user_client(plain_user) -> APIClient:
    return _client_for(plain_user)


@pytest.fixture(scope="session")
def arrow_emulator_process():
    """One real emulator process (demo seed) on a free loopback port for the whole test session."""
    from arrow_emulator.testing import EmulatorProcess

    with EmulatorProcess(seed="demo") as emulator:
        yield emulator


@pytest.fixture
def arrow_emulator(arrow_emulator_process):
    """The session's emulator, reset to its demo seed (faults and counters cleared) for this test."""
    arrow_emulator_process.control.reset(seed="demo")
    yield arrow_emulator_process


@pytest.fixture
def official_client(live_server, staff_user):
    """The official waldur-api-client, authenticated as staff, against the live test server."""
    from waldur_api_client import AuthenticatedClient

    token, _ = Token.objects.get_or_create(user=staff_user)
    with AuthenticatedClient(base_url=live_server.url, token=token.key) as api:
        yield api
