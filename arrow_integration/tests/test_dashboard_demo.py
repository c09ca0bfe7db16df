"""The demo's dashboard login: a staff password generated once, kept in var/ (0600), in demo.json."""

import stat

import pytest
from django.contrib.auth import authenticate

from config.cli import _demo_dashboard_login
from core.services.demo import STAFF_USERNAME

pytestmark = pytest.mark.django_db


def test_demo_dashboard_login_is_generated_once_and_kept_private(tmp_path):
    first = _demo_dashboard_login(tmp_path, "http://127.0.0.1:18000/")

    assert first["dashboard_url"] == "http://127.0.0.1:18000/dashboard/"
    assert first["dashboard_username"] == STAFF_USERNAME
    secret = tmp_path / "dashboard.password"
    assert secret.read_text().strip() == first["dashboard_password"] and len(first["dashboard_password"]) >= 16
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    user = authenticate(username=STAFF_USERNAME, password=first["dashboard_password"])
    assert user is not None and user.is_staff and user.is_superuser

    # A restart reuses the password and leaves the user as it is.
    assert _demo_dashboard_login(tmp_path, "http://127.0.0.1:18000/") == first
    assert authenticate(username=STAFF_USERNAME, password=first["dashboard_password"]) == user
